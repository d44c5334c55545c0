import { createHash, randomUUID } from 'node:crypto';
import type { InstanceConfig } from '../config/schema.js';
import { describeError, describeErrors } from '../sql/client.js';
import type { BackupFile } from '../sql/backup-files.js';
import type { StatementProgress } from '../sql/progress.js';
import type { StatementResult, RunOptions } from '../sql/run-statement.js';
import type { BackupSet } from '../domain/history.js';
import { OPERATOR_DONE, script, type Statement } from '../sql/statements.js';
import { whoAmI, type Journal, type JournalEntry } from './journal.js';

/** One instance's connection as actions use it; the sql layer provides it, so this file never imports the driver. */
export interface InstanceRunner {
  run(statement: Statement, options: RunOptions): Promise<StatementResult>;
  /** sys.dm_exec_requests' percent_complete for the statement while it runs; null when not found. */
  progress(statement: Statement): Promise<StatementProgress | null>;
  /** RESTORE FILELISTONLY: the files a restore under a new name has to move. */
  backupFiles(backup: Pick<BackupSet, 'media' | 'position'>): Promise<BackupFile[]>;
  /** The server's default data and log folders, where a drill's copy goes; null when it has none (2008 R2). */
  defaultPaths(): Promise<{ data: string; log: string } | null>;
  /** sys.database_recovery_status.last_log_backup_lsn of one database now: where its next log backup (a tail) starts. */
  chainEnd(database: string): Promise<bigint | null>;
  /** The server's offset from UTC at its last poll, for the journal's times on its clock; null before one. */
  readonly utcOffsetMinutes: number | null;
}

/** When STATS messages stop arriving, ask sys.dm_exec_requests instead, this often. */
export const PROGRESS_PROBE_MS = 3_000;

export class ActionRefused extends Error {
  override name = 'ActionRefused';
}

/** Proof that the operator confirmed exactly this statement on exactly this instance. Single use. */
export interface Confirmation {
  readonly id: string;
  readonly fingerprint: string;
}

export interface Outcome {
  outcome: 'succeeded' | 'failed' | 'cancelled';
  messages: string[];
  error: { number: number | null; message: string } | null;
  durationMs: number;
}

/** BACKUP and RESTORE can run for hours; they get their own timeout, not the poll's. */
export const STATEMENT_TIMEOUT_MS = 12 * 3_600_000;

function fingerprint(instance: string, statement: Statement): string {
  return createHash('sha256').update(`${instance}\u0000${script(statement)}`).digest('hex');
}

/**
 * The only path that changes a server (docs/architecture.md 1). Read-only mode and confirmation are enforced here,
 * once, for every statement: a view cannot forget to check. Every statement is journaled before it is
 * sent and again when it ends.
 */
export class Executor {
  private readonly issued = new Map<string, string>();

  constructor(
    private readonly journal: Journal,
    private readonly readOnly: boolean,
  ) {}

  /**
   * Issues the token the executor requires. A statement that overwrites a database or takes it
   * offline needs the database's name typed exactly, an operator step the word done; the others need
   * the operator's yes.
   */
  confirm(instance: InstanceConfig, statement: Statement, typed: string | null): Confirmation {
    if (statement.kind === 'operator' && typed !== OPERATOR_DONE) {
      throw new ActionRefused(`type ${OPERATOR_DONE} once it is done: ${statement.summary}`);
    }
    if (statement.destructive && typed !== statement.database) {
      throw new ActionRefused(`type the database name exactly (${statement.database}) to confirm: ${statement.summary}`);
    }
    const c = { id: randomUUID(), fingerprint: fingerprint(instance.name, statement) };
    this.issued.set(c.id, c.fingerprint);
    return c;
  }

  private entry(instance: InstanceConfig, statement: Statement, plan: { planId: string; step: number } | null, offset: number | null): Omit<JournalEntry, 'event' | 'id' | 'at'> {
    return {
      ...(offset === null ? {} : { serverOffsetMinutes: offset }),
      v: 1,
      who: whoAmI(),
      planId: plan?.planId ?? null,
      step: plan?.step ?? null,
      instance: instance.name,
      database: statement.database,
      kind: statement.kind,
      sql: script(statement),
    };
  }

  async execute(
    instance: InstanceConfig,
    statement: Statement,
    confirmation: Confirmation | null,
    runner: InstanceRunner,
    options: {
      onProgress?: (percent: number, message: string) => void;
      signal?: AbortSignal;
      plan?: { planId: string; step: number };
      timeoutMs?: number;
      probeMs?: number;
    } = {},
  ): Promise<Outcome> {
    const base = this.entry(instance, statement, options.plan ?? null, runner.utcOffsetMinutes);
    const refuse = (reason: string): never => {
      this.journal.append({ ...base, event: 'refused', id: randomUUID(), at: new Date().toISOString(), reason });
      throw new ActionRefused(reason);
    };
    if (this.readOnly || instance.readOnly) {
      refuse(`read-only: ${this.readOnly ? 'rpotop runs read-only' : `${instance.name} is read-only in the inventory`}; nothing was sent`);
    }
    if (!confirmation || this.issued.get(confirmation.id) !== fingerprint(instance.name, statement)) {
      refuse('not confirmed: this exact statement was not confirmed on this instance; nothing was sent');
    }
    this.issued.delete(confirmation!.id);

    const id = randomUUID();
    this.journal.append({ ...base, event: 'start', id, at: new Date().toISOString() });
    if (statement.kind === 'operator') return this.acknowledge(base, id);
    const started = Date.now();
    const messages: string[] = [];
    let outcome: Outcome;
    const probe = this.probeProgress(runner, statement, options.probeMs ?? PROGRESS_PROBE_MS, options.onProgress);
    try {
      const result = await runner.run(statement, {
        timeoutMs: options.timeoutMs ?? STATEMENT_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        onMessage: (m) => {
          messages.push(m);
          const pct = /^(\d+) percent processed\.$/.exec(m);
          if (pct) {
            probe.heard();
            options.onProgress?.(Number(pct[1]), m);
          }
        },
      });
      outcome = { outcome: 'succeeded', messages: result.messages, error: null, durationMs: Date.now() - started };
    } catch (error) {
      const e = error as { number?: number; code?: string };
      // SQL Server reports a failed BACKUP or RESTORE as several errors; keep each in order.
      messages.push(...describeErrors(error));
      const cancelled = e.code === 'ECANCEL' || options.signal?.aborted === true;
      outcome = {
        outcome: cancelled ? 'cancelled' : 'failed',
        messages,
        // SQL Server's error number; the driver's own errors (ECANCEL, ETIMEOUT) carry a code there instead.
        error: { number: typeof e.number === 'number' ? e.number : null, message: describeError(error) },
        durationMs: Date.now() - started,
      };
    } finally {
      probe.stop();
    }
    try {
      this.journal.append({
        ...base,
        event: 'end',
        id,
        at: new Date().toISOString(),
        outcome: outcome.outcome,
        messages: outcome.messages,
        ...(outcome.error ? { error: outcome.error } : {}),
        durationMs: outcome.durationMs,
      });
    } catch (error) {
      // The statement ran (or failed) on the server: say so, and that the journal lacks it. The next
      // statement's start cannot be written either, so nothing more is sent until the journal can be.
      const why = error instanceof Error ? error.message : String(error);
      return { ...outcome, messages: [...outcome.messages, `${outcome.outcome}, but not recorded: the journal could not be written (${why}); nothing more is sent until it can be`] };
    }
    return outcome;
  }

  /** An operator step: journaled as done by the operator's word, with nothing sent to any server. */
  private acknowledge(base: Omit<JournalEntry, 'event' | 'id' | 'at'>, id: string): Outcome {
    const outcome: Outcome = { outcome: 'succeeded', messages: [`the operator typed ${OPERATOR_DONE}; rpotop sent nothing`], error: null, durationMs: 0 };
    this.journal.append({ ...base, event: 'end', id, at: new Date().toISOString(), outcome: outcome.outcome, messages: outcome.messages, durationMs: 0 });
    return outcome;
  }

  /**
   * The STATS fallback: while no "percent processed" message has arrived for `everyMs`, read
   * percent_complete from sys.dm_exec_requests on another connection. A failed probe only skips a beat.
   */
  private probeProgress(runner: InstanceRunner, statement: Statement, everyMs: number, onProgress?: (percent: number, message: string) => void) {
    // Nobody watching: nothing to probe for.
    if (!onProgress) return { heard: () => undefined, stop: () => undefined };
    let lastHeard = Date.now();
    let busy = false;
    let stopped = false;
    const timer = setInterval(() => {
      if (busy || Date.now() - lastHeard < everyMs) return;
      busy = true;
      const asked = lastHeard;
      runner
        .progress(statement)
        .then((p) => {
          // A STATS message that arrived meanwhile is newer: an older percentage would move the bar back.
          if (p && !stopped && lastHeard === asked) onProgress(Math.floor(p.percent), `${p.percent.toFixed(1)}% (sys.dm_exec_requests), about ${Math.ceil(p.remainingMs / 1000)} s left`);
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, Math.max(100, Math.floor(everyMs / 3)));
    timer.unref();
    return {
      heard: () => {
        lastHeard = Date.now();
      },
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
  }
}
