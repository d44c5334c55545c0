import { buildRestoreChain, incarnationOf, type ChainResult, type RestoreChain } from './chain.js';
import type { DatabaseState } from './database.js';
import { typeNames, type BackupSet } from './history.js';
import { formatLsn } from './lsn.js';
import type { Targets } from './targets.js';
import { formatDuration, durations } from './time.js';

export type Status = 'OK' | 'WARN' | 'BREACH' | 'UNPROTECTED' | 'UNKNOWN';

/** Every status, best first. */
export const STATUSES: readonly Status[] = ['OK', 'WARN', 'BREACH', 'UNPROTECTED', 'UNKNOWN'];

/** Worst first: the order of the default sort and of the monitoring exit code. */
export const statusSeverity: Record<Status, number> = {
  UNKNOWN: 4,
  UNPROTECTED: 3,
  BREACH: 2,
  WARN: 1,
  OK: 0,
};

/** A glyph for each status, so meaning survives a monochrome terminal and a paste into chat. */
export const statusGlyph: Record<Status, string> = {
  OK: '✔',
  WARN: '▲',
  BREACH: '✖',
  UNPROTECTED: '⊘',
  UNKNOWN: '?',
};

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'OK';
  for (const s of statuses) if (statusSeverity[s] > statusSeverity[worst]) worst = s;
  return worst;
}

export interface Assessment {
  status: Status;
  /** Data lost if the server died now, in ms; null when it cannot be bounded. */
  exposureMs: number | null;
  reason: string;
  /**
   * When a WARN or BREACH began (server clock, UTC ms): the last restorable backup's finish plus the
   * threshold crossed. Null for every other status, and for a WARN that is not about the RPO.
   */
  since: number | null;
  /**
   * UNKNOWN only: the most the server could lose now by what was last seen (the newest restorable backup then,
   * and no backup since); null when nothing was seen or there is no chain.
   */
  exposureAtMostMs: number | null;
  /** The chain the exposure was measured on (restore to latest). */
  chain: RestoreChain | null;
  lastFull: BackupSet | null;
  lastDiff: BackupSet | null;
  lastLog: BackupSet | null;
}

export interface Observation {
  /** The server's clock (UTC ms) when the state and history were read. */
  serverNow: number;
  /** When the poll that produced them finished, on this machine's clock. */
  observedAt: number;
  /** This machine's clock now. */
  localNow: number;
  /** Older data than this reads UNKNOWN. */
  staleAfterMs: number;
  /** Why the instance could not be read, when it could not. */
  unreachable: string | null;
}

function newest(history: readonly BackupSet[], type: BackupSet['type']): BackupSet | null {
  let found: BackupSet | null = null;
  for (const b of history) if (b.type === type && (!found || b.finish > found.finish)) found = b;
  return found;
}

function maxLogLsn(history: readonly BackupSet[]): bigint | null {
  let max: bigint | null = null;
  for (const b of history) if (b.type === 'L' && (max === null || b.lastLsn > max)) max = b.lastLsn;
  return max;
}

/** The backup whose end is what a restore to latest reaches: the last log, or under SIMPLE the differential or full. */
function lastRestorable(chain: RestoreChain, logged: boolean): BackupSet {
  return logged ? (chain.logs[chain.logs.length - 1] ?? chain.diff ?? chain.full) : (chain.diff ?? chain.full);
}

/** A database's exposure in words: its value, the most it can be while the instance cannot be read (≤), or -. */
export function exposureWords(a: Pick<Assessment, 'exposureMs' | 'exposureAtMostMs'>): string {
  if (a.exposureMs !== null) return formatDuration(Math.max(0, a.exposureMs));
  return a.exposureAtMostMs === null ? '-' : `≤${formatDuration(Math.max(0, a.exposureAtMostMs))}`;
}

/**
 * An exposure that began at `from` against the RPO: the status, since when it holds (the moment the line
 * was crossed, the question an incident bridge asks first), and those words to lead a reason with (first,
 * as a narrow grid cuts the end of a reason).
 */
export function againstRpo(exposureMs: number, from: number, targets: Targets, now: number): { status: Status; since: number | null; lasting: string } {
  const rpoMs = targets.rpoMinutes * durations.MINUTE;
  const status: Status = exposureMs > rpoMs ? 'BREACH' : exposureMs > rpoMs * targets.warnFraction ? 'WARN' : 'OK';
  const since = status === 'BREACH' ? from + rpoMs : status === 'WARN' ? from + rpoMs * targets.warnFraction : null;
  const lasting = since === null ? '' : `${status === 'BREACH' ? 'in breach' : 'past the warning line'} for ${formatDuration(Math.max(0, now - since))}: `;
  return { status, since, lasting };
}

/**
 * Exposure and status of one database (docs/architecture.md 3). The restore chain to latest may be passed in when
 * the caller already built it for this history (it depends on the history, not on the clock). Exposure runs on the server's clock, advanced by
 * the time since the poll, and is compared in milliseconds: an age of 1 day 0 hours is not "0 hours".
 */
export function assess(
  db: DatabaseState,
  history: readonly BackupSet[],
  targets: Targets,
  seen: Observation,
  built: ChainResult = buildRestoreChain(history, { kind: 'latest' }, incarnationOf(db, history)),
): Assessment {
  const lastFull = newest(history, 'D');
  const lastDiff = newest(history, 'I');
  const lastLog = newest(history, 'L');
  const base = { lastFull, lastDiff, lastLog };
  const result = (status: Status, exposureMs: number | null, reason: string, chain: RestoreChain | null, since: number | null = null): Assessment => ({
    status,
    exposureMs,
    exposureAtMostMs: null,
    reason,
    since,
    chain,
    ...base,
  });
  const logged = db.recoveryModel !== 'SIMPLE';
  const age = seen.localNow - seen.observedAt;

  // Unreachable or stale: what was last seen still bounds what the server could lose, and a bridge needs it.
  const unknown = (why: string): Assessment => {
    if (!built.ok || seen.observedAt === 0) return result('UNKNOWN', null, why, null);
    const atMost = seen.serverNow + age - lastRestorable(built.chain, logged).finish;
    return {
      ...result('UNKNOWN', null, `${why}; at most ${formatDuration(Math.max(0, atMost))} of data lost now if no backup ran since (last polled ${formatDuration(Math.max(0, age))} ago)`, null),
      exposureAtMostMs: atMost,
    };
  };
  if (seen.unreachable !== null) return unknown(`cannot poll the instance: ${seen.unreachable}`);
  if (age > seen.staleAfterMs) return unknown(`data is ${formatDuration(age)} old`);

  // A standby copy is judged by how far behind its source it is, not by backups of its own (it has none:
  // the rows its msdb holds for that name are the source's, recorded by its restores).
  const standby = db.standbyOf;
  if (standby && (db.state === 'RESTORING' || db.isInStandby)) {
    const now = seen.serverNow + age;
    const lagMs = now - standby.holdsTo;
    const line = againstRpo(lagMs, standby.holdsTo, targets, now);
    const kind = standby.restoreType === 'L' ? 'log' : standby.restoreType === 'I' ? 'differential' : 'full';
    const reason =
      `${line.lasting}standby of ${standby.sourceServer}.${standby.sourceDatabase}: ${formatDuration(Math.max(0, lagMs))} behind ` +
      `(last ${kind} restored ${formatDuration(Math.max(0, now - standby.restoredAt))} ago), RPO ${formatDuration(targets.rpoMinutes * durations.MINUTE)}`;
    return { status: line.status, exposureMs: lagMs, exposureAtMostMs: null, reason, since: line.since, chain: null, lastFull: null, lastDiff: null, lastLog: null };
  }

  if (!built.ok) {
    const never = history.length === 0 ? 'never backed up' : built.reason;
    return result('UNPROTECTED', null, never, null);
  }
  const chain = built.chain;
  const now = seen.serverNow + age;
  const rpo = `RPO ${formatDuration(targets.rpoMinutes * durations.MINUTE)}`;

  if (logged && db.lastLogBackupLsn === null && db.state === 'ONLINE') {
    return result(
      'UNPROTECTED',
      null,
      `no log backup possible since recovery model switch: ${db.recoveryModel} without a full or differential since (take one to restart the log chain)`,
      chain,
    );
  }

  // The server's next log backup starts past everything this history knows: someone else took it.
  const newestKnown = maxLogLsn(history) ?? chain.lastLsn;
  if (logged && db.lastLogBackupLsn !== null && db.lastLogBackupLsn > newestKnown && db.lastLogBackupLsn > chain.lastLsn) {
    return result(
      'UNKNOWN',
      null,
      `last log backed up on another replica or by a tool this msdb does not record (LSN ${formatLsn(db.lastLogBackupLsn)}): add that replica to the inventory`,
      chain,
    );
  }

  if (logged && chain.brokenAfter) {
    return result(
      'UNPROTECTED',
      now - chain.restorableTo,
      `log chain broken, log backups since cannot be restored until a new full or differential: ${chain.brokenAfter.text}`,
      chain,
    );
  }

  // Safe is not available: a database left RESTORING after its tail loses nothing, yet nobody can use it.
  if (db.state === 'RESTORING' && chain.tail && chain.logs.length > 0) {
    return result(
      'WARN',
      0,
      `unavailable: RESTORING after a tail-log backup ${formatDuration(Math.max(0, now - chain.tail.finish))} ago (no transaction since can be lost); restore it or bring it online`,
      chain,
    );
  }

  const lastPiece = lastRestorable(chain, logged);
  const exposureMs = now - lastPiece.finish;
  const ago = formatDuration(Math.max(0, exposureMs));
  const what = lastPiece.type === 'L' ? 'log backup' : `${typeNames[lastPiece.type]} backup`;
  const noLogs = logged && lastPiece.type !== 'L' ? ', no log backup since' : '';
  const simple = db.recoveryModel === 'SIMPLE' ? 'SIMPLE recovery, ' : '';
  const { status, since, lasting } = againstRpo(exposureMs, lastPiece.finish, targets, now);
  const reason = `${lasting}${simple}${what} ${ago} ago${noLogs}, ${rpo}`;
  // A database that is not ONLINE (OFFLINE, RESTORING, SUSPECT...) is never a green OK, whatever its backups.
  if (db.state !== 'ONLINE') return result(worstStatus([status, 'WARN']), exposureMs, `unavailable (${db.state}): ${reason}`, chain, since);
  return result(status, exposureMs, reason, chain, since);
}
