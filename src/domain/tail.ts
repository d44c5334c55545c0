import type { RestoreChain } from './chain.js';
import type { DatabaseState } from './database.js';
import type { BackupSet } from './history.js';
import { formatLsn } from './lsn.js';

/**
 * Whether the tail of a database's log can be backed up and then restored after its chain, and how.
 * One rule for restore plans and the console's tail-log action, so that no plan offers a tail SQL Server
 * would refuse (BACKUP LOG fails with 4214, 4208, 262) or that could not be restored after the chain (4305).
 */
export type TailVariant = 'norecovery' | 'no_truncate' | 'continue_after_error';
/** `blocksLatest`: restoring "to the latest point" without the tail would silently lose backups taken elsewhere. */
export type TailDecision = { variant: TailVariant } | { none: string; blocksLatest?: boolean };

export function tailDecision(db: DatabaseState, history: readonly BackupSet[], chain: RestoreChain | null): TailDecision {
  if (db.canBackupLog === false) {
    return { none: `the login lacks the BACKUP LOG permission on ${db.name} (add it to db_backupoperator in that database, or grant BACKUP LOG)` };
  }
  if (db.recoveryModel === 'SIMPLE') return { none: 'SIMPLE recovery keeps no log to back up: a tail-log backup is impossible' };
  if (db.availabilityGroup) {
    return { none: `the database is in availability group ${db.availabilityGroup.name}, where SQL Server refuses BACKUP LOG WITH NORECOVERY and RESTORE over it` };
  }
  if (db.state === 'RESTORING') return { none: 'the database is already RESTORING (its tail may already be taken)' };
  if (db.lastLogBackupLsn === null && db.state === 'ONLINE') {
    return { none: 'no log backup is possible: no full or differential since the recovery model changed (BACKUP LOG would fail with 4214)' };
  }
  if (chain === null) return { none: 'there is no restorable chain for a tail to extend' };
  if (chain.brokenAfter) return { none: `the log chain is broken, so a tail would not restore after it (4305): ${chain.brokenAfter.text}` };
  let newestLog: bigint | null = null;
  for (const b of history) if (b.type === 'L' && (newestLog === null || b.lastLsn > newestLog)) newestLog = b.lastLsn;
  const known = newestLog !== null && newestLog > chain.lastLsn ? newestLog : chain.lastLsn;
  if (db.lastLogBackupLsn !== null && db.lastLogBackupLsn > known) {
    return {
      none: `log backups were taken where this msdb does not see them (the next log starts at LSN ${formatLsn(db.lastLogBackupLsn)}, past this chain): a tail would not restore after it (4305); add the replica or tool that took them to the inventory`,
      blocksLatest: true,
    };
  }
  if (db.state === 'SUSPECT') return { variant: 'continue_after_error' };
  if (db.state !== 'ONLINE') return { variant: 'no_truncate' };
  return { variant: 'norecovery' };
}
