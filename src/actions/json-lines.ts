import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

/**
 * An append-only file of JSON lines, each written and fsynced before append returns, readable line by line
 * with a line that does not parse (cut by a crash or a full disk) reported by its number, never fatal.
 * The journal and the drill log are such files.
 */
export class JsonLines<T> {
  /** A write failed part-way: the next line starts on a line of its own, so the reader loses only the cut one. */
  private cut = false;

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  /**
   * Writes the line whole or throws (a full disk: ENOSPC): writeSync may write less than asked, so it is
   * called until every byte is down.
   */
  append(value: T): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      const bytes = Buffer.from(`${this.cut ? '\n' : ''}${JSON.stringify(value)}\n`, 'utf8');
      this.cut = true;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
      this.cut = false;
    } finally {
      closeSync(fd);
    }
  }

  read(): { values: T[]; damaged: number[] } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { values: [], damaged: [] };
      throw error;
    }
    const values: T[] = [];
    const damaged: number[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const value = this.schema.safeParse(parsed);
      if (value.success) values.push(value.data);
      else damaged.push(i + 1);
    });
    return { values, damaged };
  }
}
