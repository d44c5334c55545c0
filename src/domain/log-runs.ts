import { otherIncarnation, type Incarnation } from './chain.js';
import { byLsn, isNotable, logStart, type BackupSet } from './history.js';
import type { Lsn } from './lsn.js';

/**
 * A log backup past the anchor that status needs only as a link: usable, of this incarnation, regular (not
 * copy-only, not a tail), named by no finding. Anything else a chain or a finding could turn on is never
 * folded into a run.
 */
function plainLog(b: BackupSet, incarnation: Incarnation): boolean {
  return (
    b.type === 'L' &&
    !b.isCopyOnly &&
    !b.isForceOffline &&
    !b.hasIncompleteMetadata &&
    !isNotable(b) &&
    otherIncarnation(b, incarnation) === null
  );
}

/**
 * Folds the log backups that continue a chain past its anchor into the log that ends each continuous run
 * (docs/architecture.md 3a). Of msdb's 15-minute logs since the last differential, status needs only
 * where the chain ends, and that nothing breaks it on the way; the logs between are kept as a count and
 * their bytes (the restore estimate's statements) on the log that ends the run.
 *
 * A log is folded when it and its neighbours on both sides in LSN order are plain links and each starts
 * exactly where the one before it ended: the first log past the anchor, the logs on either side of a gap,
 * unusable, copy-only and tail backups, and the newest log all stay as they were, so a chain built on the
 * result reaches the same log, breaks at the same gap and names the same backups as on the rows given.
 * Applied again to its result plus newer logs, it folds on: a held run ending in a log that is no longer
 * the newest joins the next.
 */
export function foldLogRuns(rows: readonly BackupSet[], anchorLastLsn: Lsn, incarnation: Incarnation, keep: ReadonlySet<BackupSet>): BackupSet[] {
  const logs = rows.filter((b) => b.type === 'L' && b.lastLsn > anchorLastLsn).sort(byLsn);
  const links = logs.map((b, i) => {
    const before = logs[i - 1];
    return before !== undefined && plainLog(b, incarnation) && plainLog(before, incarnation) && before.lastLsn === logStart(b);
  });
  const folded = new Map<BackupSet, BackupSet | null>();
  let pending: { fromLsn: Lsn; logs: number; bytes: number } | null = null;
  for (let i = 0; i < logs.length; i++) {
    const b = logs[i]!;
    if (links[i] && links[i + 1] === true && !keep.has(b)) {
      pending ??= { fromLsn: logStart(b), logs: 0, bytes: 0 };
      pending.logs += 1 + (b.run?.logs ?? 0);
      pending.bytes += b.backupSize + (b.run?.bytes ?? 0);
      folded.set(b, null);
    } else if (pending) {
      folded.set(b, { ...b, run: { fromLsn: pending.fromLsn, logs: pending.logs + (b.run?.logs ?? 0), bytes: pending.bytes + (b.run?.bytes ?? 0) } });
      pending = null;
    }
  }
  if (folded.size === 0) return [...rows];
  const out: BackupSet[] = [];
  for (const b of rows) {
    const replaced = folded.get(b);
    if (replaced === undefined) out.push(b);
    else if (replaced !== null) out.push(replaced);
  }
  return out;
}

/** How many backups these are, counting the logs a held log stands for: the statements that restore them. */
export function backupsStoodFor(backups: readonly BackupSet[]): number {
  return backups.reduce((n, b) => n + 1 + (b.run?.logs ?? 0), 0);
}
