import type { Lsn } from './lsn.js';
import type { RecoveryModel } from './history.js';

/** sys.databases.state_desc values. */
export type DatabaseStateDesc =
  | 'ONLINE'
  | 'RESTORING'
  | 'RECOVERING'
  | 'RECOVERY_PENDING'
  | 'SUSPECT'
  | 'EMERGENCY'
  | 'OFFLINE'
  | 'COPYING'
  | 'OFFLINE_SECONDARY';

export interface DatabaseFile {
  /** sys.master_files.type_desc */
  type: 'ROWS' | 'LOG' | 'FILESTREAM' | 'FULLTEXT';
  logicalName: string;
  physicalName: string;
  /** sys.dm_os_volume_stats.volume_mount_point, when the server could tell. */
  volumeMountPoint: string | null;
}

/**
 * A database kept RESTORING (or in STANDBY) from another server's backups: a log-shipping secondary or a
 * BizTalk destination system. What its newest restore applied, from this server's restorehistory.
 */
export interface StandbyCopy {
  /** The server and database whose backup it restored (backupset.server_name, database_name). */
  sourceServer: string;
  sourceDatabase: string;
  /** When the restore ran (UTC ms). */
  restoredAt: number;
  /** The restored backup's finish (UTC ms): the copy holds the source's data up to about then. */
  holdsTo: number;
  restoreType: 'D' | 'I' | 'L';
}

/**
 * A full restore some server recorded (restorehistory and the backupset row it wrote): whose backup, where
 * it was restored and under what name, when. Proof that a backup restored; not how fast (no duration).
 */
export interface RestoredBackup {
  sourceServer: string;
  sourceDatabase: string;
  /** The inventoried instance that restored it, and the name it restored it as. */
  instance: string;
  as: string;
  /** When (UTC ms), and the login that ran it. */
  at: number;
  by: string | null;
}

/** What the server says about a database right now (sys.databases, sys.database_recovery_status). */
export interface DatabaseState {
  instance: string;
  name: string;
  databaseId: number;
  state: DatabaseStateDesc;
  recoveryModel: RecoveryModel;
  isReadOnly: boolean;
  isInStandby: boolean;
  /** sys.database_recovery_status.database_guid: changes when the database is restored or recreated. */
  databaseGuid: string | null;
  /** sys.database_recovery_status.recovery_fork_guid: the current incarnation. */
  recoveryForkGuid: string | null;
  /**
   * sys.database_recovery_status.last_log_backup_lsn. NULL under FULL or BULK_LOGGED means the log
   * cannot be backed up: no full since the database entered that recovery model (pseudo-simple).
   */
  lastLogBackupLsn: Lsn | null;
  /** The login may run BACKUP LOG here (HAS_PERMS_BY_NAME); null when the server could not say. */
  canBackupLog?: boolean | null;
  /** Availability group membership, when the database is in one. */
  availabilityGroup: { name: string; role: 'PRIMARY' | 'SECONDARY'; isPreferredBackupReplica: boolean } | null;
  files: DatabaseFile[];
  /** Set when it is a standby copy of another server's database; absent or null otherwise. */
  standbyOf?: StandbyCopy | null;
}
