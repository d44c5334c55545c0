import { byLsn, describeBackup, logStart, unusableReason, type BackupSet } from './history.js';
import { formatLsn, type Lsn } from './lsn.js';

/** Restore to the newest point the history allows, or to a moment (UTC ms). */
export type RestoreTarget = { kind: 'latest' } | { kind: 'pointInTime'; at: number };

/** Which incarnation of the database to restore: backups of any other are never mixed in. */
export interface Incarnation {
  databaseGuid: string | null;
  recoveryForkGuid: string | null;
}

/** Two neighbouring backups between which no recorded backup carries the log. */
export interface LsnGap {
  /** The chain's last LSN before the gap. */
  fromLsn: Lsn;
  /** Where the next recorded log backup starts, or null when nothing follows. */
  toLsn: Lsn | null;
  before: BackupSet;
  after: BackupSet | null;
  /** Unusable backups that covered the gap (to NUL, damaged, missing stripes), with why. */
  explainedBy: { backup: BackupSet; reason: string }[];
  text: string;
}

export interface RestoreChain {
  full: BackupSet;
  diff: BackupSet | null;
  /** In restore order; the last one holds the target. */
  logs: BackupSet[];
  /** The last log when it is a tail-log backup (NORECOVERY or NO_TRUNCATE). */
  tail: BackupSet | null;
  /** STOPAT for the last log, when the target lies inside it. */
  stopAt: number | null;
  /** The newest moment this chain restores to. */
  restorableTo: number;
  lastLsn: Lsn;
  /** For a "latest" chain: log backups exist past a gap and cannot be applied. */
  brokenAfter: LsnGap | null;
  /** Backups left out and why, for the plan screen. */
  excluded: { backup: BackupSet; reason: string }[];
  /** Fulls newer than the chosen one whose chains could not reach the target. */
  fellBackFrom: { backup: BackupSet; reason: string }[];
}

export type ChainResult = { ok: true; chain: RestoreChain } | { ok: false; reason: string; gap: LsnGap | null };

interface Partition {
  usable: BackupSet[];
  excluded: { backup: BackupSet; reason: string }[];
  /**
   * Regular fulls left out only for their incarnation or fork: one can still be the base of a differential
   * of this incarnation that names it (a full restored WITH RECOVERY, then a differential).
   */
  earlierBases: BackupSet[];
}

/** Why a backup belongs to another incarnation or recovery fork than the one restored, or null. */
export function otherIncarnation(backup: BackupSet, incarnation: Incarnation): string | null {
  const same = (a: string | null, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();
  if (incarnation.databaseGuid && !same(backup.databaseGuid, incarnation.databaseGuid)) {
    return 'another incarnation of the database (database_guid differs: dropped and recreated, or restored over)';
  }
  if (incarnation.recoveryForkGuid && !same(backup.lastRecoveryForkGuid, incarnation.recoveryForkGuid)) {
    return 'another recovery fork (taken before the database was last restored)';
  }
  if (backup.type === 'D' && incarnation.recoveryForkGuid && !same(backup.firstRecoveryForkGuid, incarnation.recoveryForkGuid)) {
    return 'full backup spans a recovery fork';
  }
  return null;
}

/** Step 0 of docs/architecture.md 3: one incarnation, no NUL, damaged or incomplete media. */
function partition(history: readonly BackupSet[], incarnation: Incarnation): Partition {
  const usable: BackupSet[] = [];
  const excluded: { backup: BackupSet; reason: string }[] = [];
  const earlierBases: BackupSet[] = [];
  for (const backup of history) {
    if (backup.type !== 'D' && backup.type !== 'I' && backup.type !== 'L') continue;
    const elsewhere = otherIncarnation(backup, incarnation);
    const unusable = unusableReason(backup);
    const reason = elsewhere ?? unusable;
    if (reason) excluded.push({ backup, reason });
    else usable.push(backup);
    if (elsewhere && !unusable && backup.type === 'D' && !backup.isCopyOnly) earlierBases.push(backup);
  }
  usable.sort(byLsn);
  return { usable, excluded, earlierBases };
}

/**
 * The incarnation a chain is built for: the database's own, or where the server reports none (an
 * offline, SUSPECT or RECOVERY_PENDING database has NULL guids) the newest in its history, so that a
 * dropped incarnation's backups are never chosen because the filter fell away.
 */
export function incarnationOf(db: { databaseGuid: string | null; recoveryForkGuid: string | null }, history: readonly BackupSet[]): Incarnation {
  if (db.databaseGuid && db.recoveryForkGuid) return { databaseGuid: db.databaseGuid, recoveryForkGuid: db.recoveryForkGuid };
  const newest = newestIncarnation(history);
  return { databaseGuid: db.databaseGuid ?? newest.databaseGuid, recoveryForkGuid: db.recoveryForkGuid ?? newest.recoveryForkGuid };
}

/** The incarnation the history itself points at when the server could not say: the newest backup's. */
export function newestIncarnation(history: readonly BackupSet[]): Incarnation {
  let newest: BackupSet | null = null;
  for (const b of history) if (!newest || b.backupSetId > newest.backupSetId) newest = b;
  return {
    databaseGuid: newest?.databaseGuid ?? null,
    recoveryForkGuid: newest?.lastRecoveryForkGuid ?? null,
  };
}

interface Anchor {
  full: BackupSet;
  diff: BackupSet | null;
}

function anchorOf(a: Anchor): BackupSet {
  return a.diff ?? a.full;
}

function isBaseOf(full: BackupSet, diff: BackupSet): boolean {
  return (
    !full.isCopyOnly &&
    diff.differentialBaseGuid !== null &&
    diff.differentialBaseGuid.toLowerCase() === full.backupSetUuid.toLowerCase() &&
    diff.lastLsn > full.lastLsn
  );
}

/**
 * Every full, and every full with each differential based on it, newest anchor first. Restoring from
 * the newest anchor needs the fewest logs; an older one is the fallback of docs/architecture.md 3, step 6.
 * A differential belongs to the full whose backup_set_uuid it names: copy-only fulls never match.
 * A full of an earlier incarnation or fork anchors only with a differential of this one that names it
 * as its base, from the same database (family_guid): RESTORE checks a differential against the full it
 * was taken on, not the fork, so full + differential + logs crosses the restore between them. Alone, or
 * with logs, such a full leads down the other recovery path.
 */
function anchors(part: Partition, notAfter: number): Anchor[] {
  const fulls = part.usable.filter((b) => b.type === 'D' && b.finish <= notAfter);
  const diffs = part.usable.filter((b) => b.type === 'I' && b.finish <= notAfter);
  const result: Anchor[] = [];
  for (const full of fulls) {
    result.push({ full, diff: null });
    for (const diff of diffs) if (isBaseOf(full, diff)) result.push({ full, diff });
  }
  for (const full of part.earlierBases) {
    for (const diff of diffs) {
      if (isBaseOf(full, diff) && full.familyGuid !== null && full.familyGuid.toLowerCase() === diff.familyGuid?.toLowerCase()) {
        result.push({ full, diff });
      }
    }
  }
  return result.sort((a, b) => {
    const byAnchor = byLsn(anchorOf(b), anchorOf(a));
    if (byAnchor !== 0) return byAnchor;
    // Same anchor LSN: prefer the regular full over a copy-only one taken at the same point.
    return Number(a.full.isCopyOnly) - Number(b.full.isCopyOnly);
  });
}

interface Reach {
  /** Logs reachable from the anchor, in LSN order, each with the log it follows (null: the first log). */
  reachable: Map<BackupSet, BackupSet | null>;
}

/**
 * Which logs continue the chain from the anchor. The first log must satisfy
 * first_lsn <= anchor.last_lsn < last_lsn; each next one starts exactly where its predecessor ended.
 * A copy-only log backup has the same first_lsn as the regular one beside it but ends earlier, so
 * among several predecessors the one that is not copy-only is kept (it leads on). A held log standing
 * for the logs before it (log-runs.ts) takes the chain up where they began.
 */
function reachFrom(anchor: BackupSet, logs: readonly BackupSet[]): Reach {
  const reachable = new Map<BackupSet, BackupSet | null>();
  const endingAt = new Map<Lsn, BackupSet>();
  for (const log of logs) {
    if (log.lastLsn <= anchor.lastLsn) continue;
    const start = logStart(log);
    let predecessor: BackupSet | null | undefined;
    if (start <= anchor.lastLsn) predecessor = null;
    else predecessor = endingAt.get(start);
    if (predecessor === undefined) continue;
    reachable.set(log, predecessor);
    const current = endingAt.get(log.lastLsn);
    if (!current || (current.isCopyOnly && !log.isCopyOnly)) endingAt.set(log.lastLsn, log);
  }
  return { reachable };
}

/** The reachable log that ends furthest on, or null when none continues the chain. */
function furthest(reach: Reach): BackupSet | null {
  let end: BackupSet | null = null;
  for (const log of reach.reachable.keys()) if (!end || byLsn(log, end) > 0) end = log;
  return end;
}

function pathTo(end: BackupSet, reach: Reach): BackupSet[] {
  const path: BackupSet[] = [];
  let at: BackupSet | null | undefined = end;
  while (at) {
    path.push(at);
    at = reach.reachable.get(at);
  }
  return path.reverse();
}

function describeGap(
  before: BackupSet,
  fromLsn: Lsn,
  logs: readonly BackupSet[],
  excluded: Partition['excluded'],
): LsnGap {
  const after = logs.find((l) => l.firstLsn > fromLsn) ?? null;
  const toLsn = after ? after.firstLsn : null;
  const explainedBy = excluded.filter(
    ({ backup }) =>
      backup.type === 'L' && backup.lastLsn > fromLsn && (toLsn === null || backup.firstLsn < toLsn),
  );
  const because =
    explainedBy.length > 0
      ? `; ${explainedBy.map(({ backup, reason }) => `${describeBackup(backup)} was ${reason}`).join('; ')}`
      : after
        ? '; no recorded backup covers it (log taken on a replica or by a tool this msdb does not know, or history purged)'
        : '';
  const text = after
    ? `LSN gap after ${describeBackup(before)}: it ends at LSN ${formatLsn(fromLsn)} but the next log backup, ${describeBackup(after)}, starts at LSN ${formatLsn(after.firstLsn)}${because}`
    : `no log backup continues ${describeBackup(before)} past LSN ${formatLsn(fromLsn)}${because}`;
  return { fromLsn, toLsn, before, after, explainedBy, text };
}

function tailOf(logs: readonly BackupSet[]): BackupSet | null {
  const last = logs[logs.length - 1];
  return last && (last.isForceOffline || last.hasIncompleteMetadata) ? last : null;
}

function assemble(
  anchor: Anchor,
  logs: BackupSet[],
  stopAt: number | null,
  brokenAfter: LsnGap | null,
  part: Partition,
  fellBackFrom: RestoreChain['fellBackFrom'],
): RestoreChain {
  const last = logs[logs.length - 1] ?? anchorOf(anchor);
  return {
    full: anchor.full,
    diff: anchor.diff,
    logs,
    tail: tailOf(logs),
    stopAt,
    restorableTo: stopAt ?? last.finish,
    lastLsn: last.lastLsn,
    brokenAfter,
    excluded: part.excluded.filter((e) => e.backup !== anchor.full),
    fellBackFrom,
  };
}

function attemptLatest(anchor: Anchor, logs: readonly BackupSet[], part: Partition): RestoreChain {
  const base = anchorOf(anchor);
  const reach = reachFrom(base, logs);
  const end = furthest(reach);
  const path = end ? pathTo(end, reach) : [];
  const lastLsn = end ? end.lastLsn : base.lastLsn;
  const later = logs.some((l) => l.lastLsn > lastLsn);
  const brokenAfter = later ? describeGap(end ?? base, lastLsn, logs, part.excluded) : null;
  return assemble(anchor, path, null, brokenAfter, part, []);
}

type Attempt = { ok: true; chain: RestoreChain } | { ok: false; reason: string; gap: LsnGap | null };

function attemptPointInTime(
  anchor: Anchor,
  at: number,
  logs: readonly BackupSet[],
  part: Partition,
  fellBackFrom: RestoreChain['fellBackFrom'],
): Attempt {
  const base = anchorOf(anchor);
  if (base.finish === at) return { ok: true, chain: assemble(anchor, [], null, null, part, fellBackFrom) };
  const reach = reachFrom(base, logs);
  let holder: BackupSet | null = null;
  for (const log of reach.reachable.keys()) {
    if (log.finish >= at && (!holder || byLsn(log, holder) < 0)) holder = log;
  }
  if (!holder) {
    const end = furthest(reach);
    const gap = describeGap(end ?? base, end ? end.lastLsn : base.lastLsn, logs, part.excluded);
    const newest = end ?? base;
    const reason = gap.after
      ? gap.text
      : `no log backup reaches the target yet: the newest continuous backup, ${describeBackup(newest)}, ends before it (take a tail-log backup to reach it)`;
    return { ok: false, reason, gap: gap.after ? gap : null };
  }
  const path = pathTo(holder, reach);
  if (holder.hasBulkLoggedData && at < holder.finish) {
    const previous = path.length > 1 ? path[path.length - 2]! : base;
    return {
      ok: false,
      reason:
        `${describeBackup(holder)} contains bulk-logged operations, so a restore cannot stop inside it: ` +
        `choose its end (${new Date(holder.finish).toISOString()}) or the end of ${describeBackup(previous)} ` +
        `(${new Date(previous.finish).toISOString()})`,
      gap: null,
    };
  }
  const stopAt = at < holder.finish ? at : null;
  return { ok: true, chain: assemble(anchor, path, stopAt, null, part, fellBackFrom) };
}

/**
 * Builds the restore sequence to a target from one database's backup history (docs/architecture.md 3):
 * one incarnation, the newest anchor (full, or full + its differential) that reaches the target,
 * then LSN-continuous logs, falling back to older anchors when a newer one cannot get there.
 */
export function buildRestoreChain(
  history: readonly BackupSet[],
  target: RestoreTarget,
  incarnation: Incarnation = newestIncarnation(history),
): ChainResult {
  const part = partition(history, incarnation);
  const logs = part.usable.filter((b) => b.type === 'L');
  const notAfter = target.kind === 'latest' ? Number.POSITIVE_INFINITY : target.at;
  const candidates = anchors(part, notAfter);
  if (candidates.length === 0) {
    const unusableFulls = part.excluded.filter(({ backup }) => backup.type === 'D');
    const why =
      unusableFulls.length > 0
        ? `; ${unusableFulls.length} full backup(s) left out: ${[...new Set(unusableFulls.map((u) => u.reason))].join(', ')}`
        : '';
    const when = target.kind === 'latest' ? '' : ` finished by ${new Date(target.at).toISOString()}`;
    return { ok: false, reason: `no restorable full backup${when}${why}`, gap: null };
  }
  if (target.kind === 'latest') {
    return { ok: true, chain: attemptLatest(candidates[0]!, logs, part) };
  }
  const fellBackFrom: RestoreChain['fellBackFrom'] = [];
  let firstFailure: Attempt | null = null;
  for (const anchor of candidates) {
    const attempt = attemptPointInTime(anchor, target.at, logs, part, [...fellBackFrom]);
    if (attempt.ok) return attempt;
    firstFailure ??= attempt;
    if (!fellBackFrom.some((f) => f.backup === anchor.full)) {
      fellBackFrom.push({ backup: anchor.full, reason: attempt.reason });
    }
  }
  return firstFailure as Attempt;
}

/**
 * The log backups that carry a chain on past `from` (the last backup a plan restores), as far as they
 * reach: the same rules as a chain's (usable, this incarnation, each starting where the one before ended).
 * Empty when none continues it.
 */
export function logsContinuing(from: BackupSet, history: readonly BackupSet[], incarnation: Incarnation): BackupSet[] {
  const part = partition(history, incarnation);
  const reach = reachFrom(from, part.usable.filter((b) => b.type === 'L'));
  const end = furthest(reach);
  return end ? pathTo(end, reach) : [];
}
