import { buildRestoreChain, incarnationOf, type Incarnation } from './chain.js';
import { isNotable, type BackupSet } from './history.js';
import { foldLogRuns } from './log-runs.js';

/**
 * Which of a database's backup sets its status and findings read (docs/architecture.md 3a). The rest of
 * msdb's history (days to months of log backups before the newest restore anchor) changes neither, so
 * the first poll reads only these rows and the tracker keeps only these; the whole history is read on
 * demand, for one database, when a screen or a plan needs it.
 *
 * The same rule runs on the server as the poll's statusHistoryQuery (src/sql/catalog.ts), and a test
 * holds the two to the same rows. From `history` (what msdb holds for the database) it keeps:
 * - the anchor of the chain to latest: its full and its differential;
 * - every backup set past the anchor (last_lsn beyond the anchor's): the logs that continue it, the gap
 *   that breaks it and the unusable backups that explain the gap;
 * - the newest backup set of each type;
 * - since `notableSince` (UTC ms): the newest full that is not copy-only, and every backup set the
 *   findings name (unusable, VSS snapshot, bulk-logged log, copy-only full);
 * - with no anchor at all: every backup set since `notableSince`, so the reason names what was left out.
 *
 * Applied again to its own result plus newer rows, later, it keeps what it would keep from the whole
 * history: what it drops can never become the anchor, follow it, or be newest again.
 */
export function statusRows(
  db: { databaseGuid: string | null; recoveryForkGuid: string | null },
  history: readonly BackupSet[],
  notableSince: number,
): BackupSet[] {
  return select(db, history, notableSince).rows;
}

/**
 * What the poller holds of a database (docs/architecture.md 3a): statusRows with the logs that continue
 * the chain past the anchor folded into the log that ends each continuous run (foldLogRuns). Status,
 * reasons, exposure and findings are the same on these rows as on the whole history; a restore plan reads
 * the whole history.
 */
export function heldStatusRows(
  db: { databaseGuid: string | null; recoveryForkGuid: string | null },
  history: readonly BackupSet[],
  notableSince: number,
): BackupSet[] {
  const { rows, anchor, incarnation, newest } = select(db, history, notableSince);
  return anchor ? foldLogRuns(rows, anchor.lastLsn, incarnation, newest) : rows;
}

function select(
  db: { databaseGuid: string | null; recoveryForkGuid: string | null },
  history: readonly BackupSet[],
  notableSince: number,
): { rows: BackupSet[]; anchor: BackupSet | null; incarnation: Incarnation; newest: Set<BackupSet> } {
  const keep = new Set<BackupSet>();
  const newestOfType = new Map<string, BackupSet>();
  let newestRegularFull: BackupSet | null = null;
  for (const b of history) {
    const current = newestOfType.get(b.type);
    if (!current || b.backupSetId > current.backupSetId) newestOfType.set(b.type, b);
    if (b.type === 'D' && !b.isCopyOnly && (!newestRegularFull || b.backupSetId > newestRegularFull.backupSetId)) newestRegularFull = b;
  }
  const newest = new Set(newestOfType.values());
  for (const b of newest) keep.add(b);
  if (newestRegularFull && newestRegularFull.finish >= notableSince) keep.add(newestRegularFull);

  const incarnation: Incarnation = incarnationOf(db, history);
  const built = buildRestoreChain(history, { kind: 'latest' }, incarnation);
  const anchor = built.ok ? built.chain.diff ?? built.chain.full : null;
  if (built.ok) {
    keep.add(built.chain.full);
    if (built.chain.diff) keep.add(built.chain.diff);
  }
  for (const b of history) {
    if (anchor ? b.lastLsn > anchor.lastLsn || (b.finish >= notableSince && isNotable(b)) : b.finish >= notableSince) keep.add(b);
  }
  return { rows: history.filter((b) => keep.has(b)), anchor, incarnation, newest };
}
