import { homedir, hostname, userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { JsonLines } from './json-lines.js';

/** Overrides where the journal is kept. */
export const JOURNAL_ENV = 'RPOTOP_JOURNAL';

export interface JournalEntry {
  v: 1;
  at: string;
  who: { user: string; host: string };
  /** start/end of a statement; refused; plan (a restore plan begun, with its steps; again with a reason when its steps change); skipped (a plan step, with the operator's reason); plan-closed. */
  event: 'start' | 'end' | 'refused' | 'plan' | 'skipped' | 'plan-closed';
  /** Ties a start to its end. */
  id: string;
  /** Ties the steps of one restore plan together, so an interrupted plan can be found and resumed. */
  planId: string | null;
  step: number | null;
  instance: string;
  database: string;
  kind: string;
  /** The exact T-SQL, as runnable script (DECLAREs and statement). Never a password. */
  sql: string;
  outcome?: 'succeeded' | 'failed' | 'cancelled';
  /** SQL Server's messages (INFO and ERROR), in order. */
  messages?: string[];
  error?: { number: number | null; message: string };
  durationMs?: number;
  reason?: string;
  /**
   * The server's offset from UTC (minutes) as its last poll read it (GETDATE against GETUTCDATE), so the
   * journal shows the time on the server's clock, as the console's tables do; absent when not known.
   */
  serverOffsetMinutes?: number;
  /** For a plan: every step as it will run, so an interrupted plan can be resumed exactly. */
  /** `instance` and `database` per step for a plan over several (a group's); absent, the entry's own. */
  steps?: { kind: string; summary: string; destructive: boolean; text: string; params: { name: string; type: string; value: string | number }[]; instance?: string; database?: string }[];
}

/** What a journal line must hold to be read as an entry: anything else is reported by its line number and skipped. */
const entrySchema = z.object({
  v: z.literal(1),
  at: z.string(),
  who: z.object({ user: z.string(), host: z.string() }),
  event: z.enum(['start', 'end', 'refused', 'plan', 'skipped', 'plan-closed']),
  id: z.string(),
  planId: z.string().nullable(),
  step: z.number().nullable(),
  instance: z.string(),
  database: z.string(),
  kind: z.string(),
  sql: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'cancelled']).optional(),
  messages: z.array(z.string()).optional(),
  // Earlier versions wrote a driver's code (ECANCEL) as the number: read as no number, not as a bad line.
  error: z.object({ number: z.union([z.number(), z.string()]).nullable().transform((n) => (typeof n === 'number' ? n : null)), message: z.string() }).optional(),
  durationMs: z.number().optional(),
  reason: z.string().optional(),
  serverOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).optional(),
  steps: z
    .array(
      z.object({
        kind: z.string(),
        summary: z.string(),
        destructive: z.boolean(),
        text: z.string(),
        params: z.array(z.object({ name: z.string(), type: z.string(), value: z.union([z.string(), z.number()]) })),
        instance: z.string().optional(),
        database: z.string().optional(),
      }),
    )
    .optional(),
});

/**
 * The platform's state directory: XDG_STATE_HOME on Linux, Application Support on macOS, LOCALAPPDATA on
 * Windows. The demo keeps a journal of its own (journal-demo.jsonl): a demo plan is never offered for
 * resuming on real servers, nor a real one in the demo.
 */
export function defaultJournalPath(env: NodeJS.ProcessEnv = process.env, demo = false): string {
  if (env[JOURNAL_ENV]) return path.resolve(env[JOURNAL_ENV]);
  const file = demo ? 'journal-demo.jsonl' : 'journal.jsonl';
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'rpotop', file);
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'rpotop', file);
  return path.join(env.XDG_STATE_HOME ?? path.join(homedir(), '.local', 'state'), 'rpotop', file);
}

export function whoAmI(): { user: string; host: string } {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { user, host: hostname() };
}

/**
 * Append-only JSON lines, each written and fsynced before the call returns: a statement's start is on
 * disk before it is sent, its end as soon as SQL Server answers, whatever happens to the process after.
 */
export class Journal {
  private readonly lines: JsonLines<JournalEntry>;

  constructor(readonly file: string = defaultJournalPath()) {
    this.lines = new JsonLines(file, entrySchema as unknown as z.ZodType<JournalEntry>);
  }

  /** Writes the entry whole or throws (a full disk): a statement whose start could not be written is never sent. */
  append(entry: JournalEntry): void {
    this.lines.append(entry);
  }

  /** Every entry; a line cut short by a crash or a full disk, or one that is not an entry, is reported by number, not fatal. */
  read(): { entries: JournalEntry[]; damaged: number[] } {
    const { values, damaged } = this.lines.read();
    return { entries: values, damaged };
  }

  /** Restore plans neither finished nor stopped by the operator, with the first step that did not succeed. */
  interruptedPlans(): { plan: JournalEntry; next: number }[] {
    const { entries } = this.read();
    const closed = new Set(entries.filter((e) => e.event === 'plan-closed').map((e) => e.planId));
    // A plan journaled again (its steps changed) is resumed as it last stood.
    const latest = new Map<string | null | undefined, JournalEntry>();
    for (const e of entries) if (e.event === 'plan' && !closed.has(e.planId)) latest.set(e.planId, e);
    return [...latest.values()]
      .map((plan) => {
        // A step the operator skipped (with a reason) is behind them, like one that succeeded.
        const succeeded = new Set(
          entries.filter((e) => e.planId === plan.planId && ((e.event === 'end' && e.outcome === 'succeeded') || e.event === 'skipped')).map((e) => e.step),
        );
        let next = 0;
        while (succeeded.has(next + 1)) next++;
        return { plan, next };
      })
      .filter(({ plan, next }) => next < (plan.steps?.length ?? 0));
  }

  /** Statements that started and never ended: the process died, or the link did, while they ran. */
  unfinished(): JournalEntry[] {
    const { entries } = this.read();
    const ended = new Set(entries.filter((e) => e.event === 'end').map((e) => e.id));
    return entries.filter((e) => e.event === 'start' && !ended.has(e.id));
  }
}
