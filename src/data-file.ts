import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { packageRoot } from './paths.js';

/**
 * The data files rpotop ships (themes/, scenarios/): a folder of NAME.json files, each checked by a zod
 * schema. A wrong name lists the right ones; a broken file names itself and the path inside it.
 */
export class DataFolder<T> {
  constructor(
    private readonly folder: string,
    private readonly kind: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  get dir(): string {
    return path.join(packageRoot(), this.folder);
  }

  names(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  load(name: string, known: () => string[] = () => this.names()): T {
    const unknown = () => new Error(`no ${this.kind} named "${name}" (${this.kind}s: ${known().join(', ')})`);
    if (!/^[a-z0-9-]+$/.test(name)) throw unknown();
    const file = path.join(this.dir, `${name}.json`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unknown();
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return parsed.data;
  }
}
