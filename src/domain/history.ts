import type { Lsn } from './lsn.js';
import { utcOffsetLabel } from './time.js';

/**
 * msdb.dbo.backupset.type: D full, I differential, L log, F file/filegroup, G file differential,
 * P partial, Q partial differential. Only D, I and L take part in database restore chains.
 */
export type BackupType = 'D' | 'I' | 'L' | 'F' | 'G' | 'P' | 'Q';

export type RecoveryModel = 'FULL' | 'BULK_LOGGED' | 'SIMPLE';

/** One row of msdb.dbo.backupmediafamily (mirror 0 only reaches the domain; see history parsing). */
export interface MediaFamily {
  familySequenceNumber: number;
  physicalDeviceName: string;
  /** backupmediafamily.device_type: 2 disk, 5 tape, 7 virtual device (VSS, third-party tools), 9 URL. */
  deviceType: number | null;
}

/**
 * The columns of msdb.dbo.backupset that decide what can be restored. Times are UTC instants (ms),
 * converted from the server's wall clock with the row's own time_zone (see time.ts).
 */
export interface BackupSet {
  backupSetId: number;
  backupSetUuid: string;
  mediaSetId: number;
  /** The set's place on its media: RESTORE needs FILE = position when several share a file. */
  position: number;
  /** Where this row was read: instances in an availability group each record only their own backups. */
  recordedOn: string;
  databaseName: string;
  databaseGuid: string;
  familyGuid: string | null;
  type: BackupType;
  recoveryModel: RecoveryModel;
  firstLsn: Lsn;
  lastLsn: Lsn;
  checkpointLsn: Lsn;
  databaseBackupLsn: Lsn | null;
  differentialBaseLsn: Lsn | null;
  differentialBaseGuid: string | null;
  firstRecoveryForkGuid: string | null;
  lastRecoveryForkGuid: string | null;
  isCopyOnly: boolean;
  isDamaged: boolean;
  isSnapshot: boolean;
  hasBulkLoggedData: boolean;
  beginsLogChain: boolean;
  hasBackupChecksums: boolean;
  /** is_force_offline: BACKUP LOG ... WITH NORECOVERY, the usual tail-log backup. */
  isForceOffline: boolean;
  /** has_incomplete_metadata: a tail taken WITH NO_TRUNCATE / CONTINUE_AFTER_ERROR from a damaged database. */
  hasIncompleteMetadata: boolean;
  start: number;
  finish: number;
  /** The server's offset from UTC when the backup ran (msdb's time_zone x 15 min); null or absent when unknown. */
  utcOffsetMinutes?: number | null;
  backupSize: number;
  compressedBackupSize: number | null;
  /** backupmediaset.media_family_count: how many stripes the media set should have. */
  familyCount: number;
  media: MediaFamily[];
  /**
   * Set only on a log backup the poller holds in place of the log backups before it (log-runs.ts): they
   * carried the chain without a break from `run.fromLsn` to this log and were not kept. msdb has no such
   * column: every row read from a server lacks it, and a restore plan, which reads the whole history,
   * never meets it.
   */
  run?: LogRun;
}

/** The log backups a held log stands for: `logs` of them, `bytes` in all, continuous from `fromLsn` on. */
export interface LogRun {
  fromLsn: Lsn;
  logs: number;
  bytes: number;
}

/** Where a log backup takes the chain up: its first_lsn, or for a held log standing for others, where they began. */
export function logStart(backup: BackupSet): Lsn {
  return backup.run ? backup.run.fromLsn : backup.firstLsn;
}

export const typeNames: Record<BackupType, string> = {
  D: 'full',
  I: 'differential',
  L: 'log',
  F: 'file',
  G: 'file differential',
  P: 'partial',
  Q: 'partial differential',
};

/** `BACKUP ... TO DISK = 'NUL'` is recorded like any backup but keeps nothing: it breaks the log chain. */
export function isNulDevice(name: string): boolean {
  return /^nul:?$/i.test(name.trim());
}

export function wentToNul(backup: BackupSet): boolean {
  return backup.media.some((m) => isNulDevice(m.physicalDeviceName));
}

/**
 * A short label an operator recognises: "log #812 finished 2026-11-27 14:05 (UTC+1), 2 stripes". On the
 * server's clock, as the tables and msdb show it, with the offset msdb recorded; in UTC when msdb has none.
 */
export function describeBackup(backup: BackupSet): string {
  const offset = backup.utcOffsetMinutes;
  const when =
    offset === null || offset === undefined
      ? `${new Date(backup.finish).toISOString().slice(0, 16).replace('T', ' ')} UTC`
      : `${new Date(backup.finish + offset * 60_000).toISOString().slice(0, 16).replace('T', ' ')} (${utcOffsetLabel(offset)})`;
  const copyOnly = backup.isCopyOnly ? ' copy-only' : '';
  const stripes = backup.media.length > 1 ? `, ${backup.media.length} stripes` : '';
  return `${typeNames[backup.type]}${copyOnly} #${backup.backupSetId} finished ${when}${stripes}`;
}

/**
 * Why a backup cannot take part in a restore, or null when it can. Missing stripes make a media set
 * unreadable just as a damaged flag does.
 */
export function unusableReason(backup: BackupSet): string | null {
  if (wentToNul(backup)) return 'written to NUL';
  if (backup.isDamaged) return 'marked damaged';
  const sequences = new Set(backup.media.map((m) => m.familySequenceNumber));
  if (backup.media.length === 0) return 'no media recorded';
  if (sequences.size < backup.familyCount) {
    return `only ${sequences.size} of ${backup.familyCount} stripes recorded`;
  }
  return null;
}

/** A backup set a finding names: kept while it is in the findings' window even when the chain has moved past it. */
export function isNotable(b: BackupSet): boolean {
  return unusableReason(b) !== null || b.isSnapshot || (b.type === 'L' && b.hasBulkLoggedData) || (b.type === 'D' && b.isCopyOnly);
}

/**
 * Why T-SQL cannot restore a backup although SQL Server recorded it as good: a VSS snapshot or a backup
 * through a virtual device (device type 7: snapshot tools and third-party backup software) is restored with
 * the tool that took it, never FROM DISK or URL.
 */
export function notTsqlRestorable(backup: BackupSet): string | null {
  if (backup.isSnapshot) return 'a VSS snapshot backup: restore it with the tool that took it';
  if (backup.media.some((m) => m.deviceType === 7)) return 'taken through a virtual device (a backup application): restore it with that application';
  return null;
}

/**
 * The server's offset from UTC in force around an instant, from the backup msdb recorded nearest to it
 * (its time_zone), else `fallback` (the offset today). A STOPAT before a daylight-saving change is
 * converted with that day's offset, not today's. Within the hour a clock is set back, the wall clock is
 * ambiguous: the nearest backup decides.
 */
export function offsetAround(history: readonly BackupSet[], utc: number, fallback: number): number {
  let best: BackupSet | null = null;
  for (const b of history) {
    if (b.utcOffsetMinutes === undefined || b.utcOffsetMinutes === null) continue;
    if (!best || Math.abs(b.finish - utc) < Math.abs(best.finish - utc)) best = b;
  }
  return best?.utcOffsetMinutes ?? fallback;
}

/** Orders by last_lsn then first_lsn (docs/architecture.md 3, step 3). */
export function byLsn(a: BackupSet, b: BackupSet): number {
  if (a.lastLsn !== b.lastLsn) return a.lastLsn < b.lastLsn ? -1 : 1;
  if (a.firstLsn !== b.firstLsn) return a.firstLsn < b.firstLsn ? -1 : 1;
  return a.backupSetId - b.backupSetId;
}
