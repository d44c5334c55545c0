import type { DatabaseState, RestoredBackup } from './database.js';
import type { Finding } from './findings.js';
import { durations, formatDuration } from './time.js';

/**
 * What one restore drill measured: the database's latest restorable chain restored under a new name on a
 * drill target, DBCC CHECKDB of the copy, the copy dropped. Kept one per line in the drill log; the
 * dashboard, the findings and the restore estimate read them.
 */
export interface DrillRecord {
  v: 1;
  id: string;
  /** The database drilled, where it lives. */
  instance: string;
  database: string;
  /** Where the copy was restored, and under what name. */
  target: string;
  copy: string;
  startedAt: string;
  finishedAt: string;
  /**
   * passed: restored, CHECKDB clean. checkdb-errors: restored, CHECKDB found damage. restore-failed: a
   * restore step failed (SQL Server's message in `errors`). interrupted: the operator stopped it.
   */
  result: 'passed' | 'checkdb-errors' | 'restore-failed' | 'interrupted';
  /** Sum of the restore statements' times, CHECKDB's, and the drill's from first statement to last. */
  restoreMs: number;
  checkdbMs: number;
  totalMs: number;
  /** Bytes the restores read (the chain's backup sizes): with restoreMs, the throughput measured. */
  bytes: number;
  /** The chain restored: full, differential and log count, and the point it reached (ISO). */
  chain: { full: number; diff: number | null; logs: number; restorableTo: string };
  /** The database's RTO when it ran, for "took longer than the RTO". */
  rtoSeconds: number;
  /** SQL Server's error messages (CHECKDB's consistency errors, a failed restore's). */
  errors: string[];
  /** Whether the copy was dropped; when not, why (it is still on the target). */
  dropped: boolean;
  dropNote: string | null;
}

/** Newest first per database: instance/database (lower case) to its latest drill. */
export function latestDrills(records: readonly DrillRecord[]): Map<string, DrillRecord> {
  const latest = new Map<string, DrillRecord>();
  for (const r of records) {
    const key = drillKey(r.instance, r.database);
    const current = latest.get(key);
    if (!current || r.finishedAt > current.finishedAt) latest.set(key, r);
  }
  return latest;
}

export function drillKey(instance: string, database: string): string {
  return `${instance.toLowerCase()}\u0000${database.toLowerCase()}`;
}

/** System databases are not drilled (master and msdb restore by procedures of their own), nor standby copies. */
export function drillable(db: Pick<DatabaseState, 'name' | 'standbyOf'>): boolean {
  return !['master', 'model', 'msdb', 'tempdb'].includes(db.name.toLowerCase()) && !db.standbyOf;
}

/** A drill is due when none passed, the last failed or was stopped, or it is older than maxAgeDays. */
export function drillDue(last: DrillRecord | null, now: number, maxAgeDays: number): boolean {
  return !last || last.result !== 'passed' || now - Date.parse(last.finishedAt) > maxAgeDays * durations.DAY;
}

/** Every restore of the drill ran to the end (CHECKDB may still have found damage): its restore time is a measurement. */
export function restoreCompleted(r: DrillRecord): boolean {
  return r.result === 'passed' || r.result === 'checkdb-errors';
}

/** A drill that showed the backups do not restore clean: the restore failed, or CHECKDB found damage. */
export function drillFailed(r: DrillRecord): boolean {
  return r.result === 'checkdb-errors' || r.result === 'restore-failed';
}

/** The last drill in a grid cell: ✔ or ✖ and how long ago, ! when it was interrupted, - never. */
export function drillCell(r: DrillRecord | null, now: number): string {
  if (!r) return '-';
  const mark = drillFailed(r) ? '✖' : r.result === 'interrupted' ? '!' : '✔';
  return `${mark} ${formatDuration(Math.max(0, now - Date.parse(r.finishedAt)))}`;
}

/** Bytes per second a drill's restores read: what the restore estimate can use instead of a guess. */
export function drillThroughput(r: DrillRecord): number | null {
  return restoreCompleted(r) && r.restoreMs > 0 ? r.bytes / (r.restoreMs / 1000) : null;
}

/** The last drill in words: when, how it ended, how long the restore took against the RTO. */
export function drillWords(r: DrillRecord | null, now: number): string {
  if (!r) return 'never drilled';
  const ago = formatDuration(Math.max(0, now - Date.parse(r.finishedAt)));
  const took = `restore ${formatDuration(r.restoreMs)}${r.restoreMs > r.rtoSeconds * 1000 ? ` > RTO ${formatDuration(r.rtoSeconds * 1000)}` : ''}`;
  switch (r.result) {
    case 'passed':
      return `passed ${ago} ago, ${took}`;
    case 'checkdb-errors':
      return `FAILED ${ago} ago: CHECKDB found consistency errors, ${took}`;
    case 'restore-failed':
      return `FAILED ${ago} ago: the restore failed`;
    case 'interrupted':
      return `interrupted ${ago} ago`;
  }
}

/**
 * What a database's drills say, as findings: never drilled, the last one too old, failed, or slower than the
 * RTO. Databases that cannot be drilled (system databases, standby copies) are the caller's to leave out.
 */
export function drillFindings(last: DrillRecord | null, now: number, maxAgeDays: number, rtoSeconds: number, restored: RestoredBackup | null = null): Finding[] {
  if (!last) {
    // A restore outside rpotop (a test by another tool, a refresh) proves the backup restored, not that it is sound.
    const elsewhere = restored
      ? `; its backups were last restored ${formatDuration(Math.max(0, now - restored.at))} ago on ${restored.instance} as ${restored.as} (restorehistory: no CHECKDB result, no timing)`
      : '';
    return [{ code: 'never-drilled', severity: 'info', text: `never drilled: no restore of its backups has been tested by rpotop (rpotop drill INSTANCE DATABASE)${elsewhere}` }];
  }
  const out: Finding[] = [];
  const age = now - Date.parse(last.finishedAt);
  if (age > maxAgeDays * durations.DAY) {
    out.push({ code: 'drill-stale', severity: 'warning', text: `last drill ${formatDuration(age)} ago, older than ${maxAgeDays} days: drill it again` });
  }
  if (last.result === 'checkdb-errors') {
    out.push({ code: 'drill-failed', severity: 'critical', text: `drill failed: CHECKDB found consistency errors in the restored copy (${last.errors[0] ?? 'see the drill log'}): the backups carry the damage` });
  } else if (last.result === 'restore-failed') {
    out.push({ code: 'drill-failed', severity: 'critical', text: `drill failed: the restore did not complete on ${last.target} (${last.errors.at(-1) ?? 'see the drill log'})` });
  }
  if (restoreCompleted(last) && last.restoreMs > rtoSeconds * 1000) {
    out.push({
      code: 'drill-slow',
      severity: 'warning',
      text: `the last drill's restore took ${formatDuration(last.restoreMs)}, longer than the RTO of ${formatDuration(rtoSeconds * 1000)}`,
    });
  }
  return out;
}

/** The drill's end in one line: how it ended, and each time measured against the RTO. */
export function drillSummary(r: DrillRecord): string {
  const outcome = { passed: 'passed', 'checkdb-errors': 'FAILED: CHECKDB found consistency errors', 'restore-failed': 'FAILED: the restore did not complete', interrupted: 'interrupted' }[r.result];
  const rto = `${r.restoreMs > r.rtoSeconds * 1000 ? 'longer than' : 'within'} the RTO of ${formatDuration(r.rtoSeconds * 1000)}`;
  return `${outcome}: restore ${formatDuration(r.restoreMs)} (${rto}), CHECKDB ${formatDuration(r.checkdbMs)}, total ${formatDuration(r.totalMs)}`;
}
