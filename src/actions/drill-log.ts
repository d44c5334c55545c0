import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { latestDrills, type DrillRecord } from '../domain/drill.js';
import { JsonLines } from './json-lines.js';

const recordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  instance: z.string(),
  database: z.string(),
  target: z.string(),
  copy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  result: z.enum(['passed', 'checkdb-errors', 'restore-failed', 'interrupted']),
  restoreMs: z.number(),
  checkdbMs: z.number(),
  totalMs: z.number(),
  bytes: z.number(),
  chain: z.object({ full: z.number(), diff: z.number().nullable(), logs: z.number(), restorableTo: z.string() }),
  rtoSeconds: z.number(),
  errors: z.array(z.string()),
  dropped: z.boolean(),
  dropNote: z.string().nullable(),
});

/**
 * Every drill's result, one JSON line each, beside the journal (drills.jsonl; the demo's drills-demo.jsonl
 * beside its journal): the journal holds each statement a drill sent, this what the drill measured.
 */
export class DrillLog {
  private readonly lines: JsonLines<DrillRecord>;

  constructor(readonly file: string) {
    this.lines = new JsonLines(file, recordSchema);
  }

  /** The drill log kept beside a journal file. */
  static besideJournal(journalFile: string): DrillLog {
    const demo = path.basename(journalFile).includes('-demo');
    return new DrillLog(path.join(path.dirname(journalFile), demo ? 'drills-demo.jsonl' : 'drills.jsonl'));
  }

  private cache: { stamp: string; latest: Map<string, DrillRecord> } | null = null;

  append(record: DrillRecord): void {
    this.lines.append(record);
  }

  /** The newest drill per database, read again only when the file changed (snapshots ask every second). */
  latest(): ReadonlyMap<string, DrillRecord> {
    let stamp = 'none';
    try {
      const st = statSync(this.file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      // No drill yet: an empty log.
    }
    if (this.cache?.stamp !== stamp) this.cache = { stamp, latest: latestDrills(this.read()) };
    return this.cache.latest;
  }

  read(): DrillRecord[] {
    return this.lines.read().values;
  }
}
