import { randomUUID } from 'node:crypto';
import type { DatabaseStateDesc } from '../domain/database.js';
import type { RecoveryModel } from '../domain/history.js';
import type { SimClock } from './clock.js';

/**
 * The simulated server's state: sys.databases, sys.database_recovery_status and msdb's backup history,
 * changed the way SQL Server changes them. Times in msdb rows are the server's wall clock ("local ms"),
 * as SQL Server stores them, with the offset in time_zone (15-minute units).
 */

/** LSN = vlf * 10^15 + block * 10^5 + slot; a VLF holds a bounded number of blocks before the next begins. */
const VLF = 10n ** 15n;
const BLOCK = 10n ** 5n;
const BLOCKS_PER_VLF = 4_000_000n;

export class LogPosition {
  constructor(
    public vlf: bigint,
    public block: bigint,
  ) {}
  get lsn(): bigint {
    return this.vlf * VLF + this.block * BLOCK + 1n;
  }
  write(blocks: bigint): void {
    this.block += blocks;
    while (this.block >= BLOCKS_PER_VLF) {
      this.block -= BLOCKS_PER_VLF;
      this.vlf += 1n;
    }
  }
  /** Moves to an LSN, as a restore does. */
  static at(lsn: bigint): LogPosition {
    return new LogPosition(lsn / VLF, (lsn % VLF) / BLOCK);
  }
}

export interface SimFile {
  fileId: number;
  type: 'ROWS' | 'LOG';
  logicalName: string;
  physicalName: string;
  volume: string;
  sizeBytes: number;
}

export interface BackupSetRow {
  backup_set_id: number;
  backup_set_uuid: string;
  media_set_id: number;
  /** Which set on its media it is (RESTORE ... WITH FILE = position): backups appended to one file count up. */
  position: number;
  name: string | null;
  database_name: string;
  database_guid: string;
  family_guid: string;
  type: 'D' | 'I' | 'L';
  recovery_model: RecoveryModel;
  first_lsn: bigint;
  last_lsn: bigint;
  checkpoint_lsn: bigint;
  database_backup_lsn: bigint | null;
  differential_base_lsn: bigint | null;
  differential_base_guid: string | null;
  first_recovery_fork_guid: string;
  last_recovery_fork_guid: string;
  fork_point_lsn: bigint | null;
  is_copy_only: boolean;
  is_damaged: boolean;
  is_snapshot: boolean;
  has_bulk_logged_data: boolean;
  begins_log_chain: boolean;
  has_backup_checksums: boolean;
  is_force_offline: boolean;
  has_incomplete_metadata: boolean;
  backup_start_date: number;
  backup_finish_date: number;
  time_zone: number;
  backup_size: number;
  compressed_backup_size: number;
  server_name: string;
  machine_name: string;
  user_name: string;
  software_major_version: number;
  /** Not an msdb column: the pages the database had damaged when it was backed up (what CHECKDB of a restore finds). */
  damagedPages: readonly number[];
}

export interface MediaFamilyRow {
  media_set_id: number;
  family_sequence_number: number;
  mirror: number;
  physical_device_name: string;
  device_type: number;
}

/**
 * msdb.dbo.logmarkhistory: one row per committed marked transaction (BEGIN TRANSACTION name WITH MARK),
 * written by the database's instance; lsn is where the mark sits in the log, mark_time the commit time on
 * the server's wall clock. (logmarkhistory (Transact-SQL), SQL Server 2008 documentation.)
 */
export interface LogMarkRow {
  database_name: string;
  mark_name: string;
  description: string | null;
  user_name: string | null;
  lsn: bigint;
  mark_time: number;
}

export interface RestoreHistoryRow {
  restore_history_id: number;
  restore_date: number;
  destination_database_name: string;
  user_name: string;
  backup_set_id: number;
  restore_type: 'D' | 'I' | 'L' | 'V';
  replace: boolean;
  recovery: boolean;
  stop_at: number | null;
  /** STOPATMARK / STOPBEFOREMARK: the mark's name, and whether the restore stopped before it. */
  stop_at_mark_name: string | null;
  stop_before: boolean;
}

export interface AgMembership {
  name: string;
  /** Role per instance name. */
  roles: Map<string, 'PRIMARY' | 'SECONDARY'>;
  /** Instance that backup preference points at (automated_backup_preference SECONDARY). */
  preferredBackupReplica: string;
}

/** What a database remembers while it is being restored (between NORECOVERY steps). */
export interface RestoreProgress {
  /** The full it was restored from; a differential must be based on it. */
  baseUuid: string;
  baseForkGuid: string;
  /** The LSN restored so far: the next log must include it. */
  redoneTo: bigint;
  /** The server wall-clock time that point corresponds to. */
  redoneToTime: number;
  /** A backup was restored (not only a tail taken): recovery then starts a new incarnation. */
  applied: boolean;
  databaseGuid: string;
}

export class SimDatabase {
  state: DatabaseStateDesc = 'ONLINE';
  isReadOnly = false;
  isInStandby = false;
  userAccess: 'MULTI_USER' | 'SINGLE_USER' = 'MULTI_USER';
  /** Other sessions using the database; RESTORE needs none. */
  sessions = 2;
  /** An application connects once the database is online: false for a copy restored under a new name. */
  appConnects = true;
  databaseGuid = randomUUID().toUpperCase();
  recoveryForkGuid = randomUUID().toUpperCase();
  familyGuid = randomUUID().toUpperCase();
  log: LogPosition;
  /** sys.database_recovery_status.last_log_backup_lsn: where the next log backup starts; null = impossible. */
  chainEnd: bigint | null = null;
  /** The last regular (not copy-only) full: the base of differentials. */
  lastFull: { uuid: string; checkpointLsn: bigint } | null = null;
  /** A bulk operation ran under BULK_LOGGED since the last log backup. */
  bulkSinceLog = false;
  /** The log has restarted since the last log backup (first log after a full or a recovery-model switch). */
  chainRestarted = true;
  restoring: RestoreProgress | null = null;
  ag: AgMembership | null = null;
  /** Pages DBCC CHECKDB finds damaged; backups carry them, so a restored copy has them too. */
  damagedPages: number[] = [];
  activityAt: number;
  /** Log blocks written per minute of activity. */
  blocksPerMinute: bigint;

  constructor(
    public name: string,
    public databaseId: number,
    public recoveryModel: RecoveryModel,
    public files: SimFile[],
    /** sys.databases.create_date, on the server's wall clock. */
    readonly createdAt: number,
    opts: { vlf?: bigint; blocksPerMinute?: number } = {},
  ) {
    this.log = new LogPosition(opts.vlf ?? 1_000n + BigInt(databaseId) * 37n, 10n);
    this.activityAt = createdAt;
    this.blocksPerMinute = BigInt(opts.blocksPerMinute ?? 400);
  }

  get dataBytes(): number {
    return this.files.filter((f) => f.type === 'ROWS').reduce((s, f) => s + f.sizeBytes, 0);
  }

  /** Writes the log that activity up to `now` produced (none while not ONLINE or read-only). */
  advanceTo(now: number): void {
    if (now <= this.activityAt) return;
    if (this.state === 'ONLINE' && !this.isReadOnly) {
      const minutes = BigInt(Math.floor((now - this.activityAt) / 60_000));
      this.log.write(minutes * this.blocksPerMinute + 1n);
    }
    this.activityAt = now;
  }

  setRecoveryModel(model: RecoveryModel): void {
    if (model === this.recoveryModel) return;
    // Leaving the log chain (to SIMPLE) breaks it: log backups are impossible until the next full or differential.
    if (model === 'SIMPLE' || this.recoveryModel === 'SIMPLE') {
      this.chainEnd = null;
      this.chainRestarted = true;
    }
    this.recoveryModel = model;
  }
}

export interface InstanceOptions {
  name: string;
  version: string;
  /** The server's offset from UTC in minutes. */
  timeZoneMinutes: number;
  login: string;
  password: string;
  machineName?: string;
  /** Bytes per second at which BACKUP and RESTORE statements run in real time over TDS. */
  statementThroughput?: number;
  /** A monitoring-only login: no BACKUP LOG, no CREATE ANY DATABASE. */
  readOnlyLogin?: boolean;
  /** What the login may do, where it differs from a sysadmin's (see sim/sql/permissions.ts). */
  permissions?: Partial<LoginPermissions>;
  /** SERVERPROPERTY('InstanceDefaultDataPath') and ('InstanceDefaultLogPath'), with their trailing separator. */
  defaultDataPath?: string;
  defaultLogPath?: string;
}

/** The permissions rpotop's work depends on; a scenario's login can lack any of them. */
export interface LoginPermissions {
  viewServerState: boolean;
  /** SELECT on msdb's backup and restore history tables. */
  selectMsdbHistory: boolean;
  backupLog: boolean;
  createAnyDatabase: boolean;
}

export class SimInstance {
  readonly databases: SimDatabase[] = [];
  readonly backupset: BackupSetRow[] = [];
  readonly mediafamily: MediaFamilyRow[] = [];
  /** backupmediafamily by media_set_id, as msdb's index on it serves joins. */
  private readonly mediaBySet = new Map<number, MediaFamilyRow[]>();
  /** media_set_ids by device name (lower case), in the order they were written. */
  private readonly mediaByDevice = new Map<string, number[]>();
  /** backupset by media_set_id (one set per media set here), as msdb's index on it serves joins. */
  private readonly setByMedia = new Map<number, BackupSetRow>();
  /** backupset by database_name (lower case): the simulator's own index, so a per-database query does not scan msdb. */
  private readonly setsByDatabase = new Map<string, BackupSetRow[]>();
  /** backupset by backup_set_uuid (lower case), as msdb's backupsetuuid index serves lookups on it. */
  private readonly setByUuid = new Map<string, BackupSetRow>();
  readonly mediaFamilyCount = new Map<number, number>();
  readonly restorehistory: RestoreHistoryRow[] = [];
  readonly logmarkhistory: LogMarkRow[] = [];
  private nextBackupSetId = 1;
  private nextRestoreId = 1;
  nextDatabaseId = 5;

  constructor(
    readonly options: InstanceOptions,
    readonly clock: SimClock,
  ) {}

  get name(): string {
    return this.options.name;
  }

  /** The server's wall clock as "local ms". */
  localNow(at = this.clock.now()): number {
    return at + this.options.timeZoneMinutes * 60_000;
  }

  findDatabase(name: string): SimDatabase | undefined {
    const lower = name.toLowerCase();
    return this.databases.find((d) => d.name.toLowerCase() === lower);
  }

  addDatabase(db: SimDatabase): SimDatabase {
    this.databases.push(db);
    return db;
  }

  /** Records a backup in msdb, as BACKUP does when it completes. */
  private readonly setsOnDevice = new Map<string, number>();

  recordBackup(row: Omit<BackupSetRow, 'backup_set_id' | 'media_set_id' | 'position'>, devices: string[], deviceType = 2): BackupSetRow {
    const id = this.nextBackupSetId++;
    // BACKUP appends to an existing file (NOINIT): the new set follows those already in it. Counted per
    // device as backups are recorded (a scan of msdb per backup made generating a fleet quadratic).
    const device = devices[0]!.toLowerCase();
    const position = (this.setsOnDevice.get(device) ?? 0) + 1;
    this.setsOnDevice.set(device, position);
    const full: BackupSetRow = { ...row, backup_set_id: id, media_set_id: id, position };
    this.backupset.push(full);
    this.setByMedia.set(id, full);
    this.index(full);
    this.mediaFamilyCount.set(id, devices.length);
    const families = devices.map((device, i) => ({
      media_set_id: id,
      family_sequence_number: i + 1,
      mirror: 0,
      physical_device_name: device,
      device_type: deviceType,
    }));
    this.mediafamily.push(...families);
    this.mediaBySet.set(id, families);
    this.indexFamilies(families);
    return full;
  }

  /**
   * A backup set another instance wrote, recorded here as RESTORE records what it read ("When a restore is
   * performed, backup history tables and restore history tables are modified": Backup History and Header
   * Information). The copy keeps the writer's server_name, LSNs and dates under this msdb's own ids, and is
   * what restorehistory.backup_set_id references. Restores of this instance's own backups reference the
   * original row here.
   */
  recordRestoredSet(source: BackupSetRow, families: readonly MediaFamilyRow[]): BackupSetRow {
    const id = this.nextBackupSetId++;
    const copy: BackupSetRow = { ...source, backup_set_id: id, media_set_id: id };
    this.backupset.push(copy);
    this.setByMedia.set(id, copy);
    this.index(copy);
    const own = families.map((f) => ({ ...f, media_set_id: id }));
    this.mediaFamilyCount.set(id, own.filter((f) => f.mirror === 0).length);
    this.mediafamily.push(...own);
    this.mediaBySet.set(id, own);
    this.indexFamilies(own);
    return copy;
  }

  recordRestore(row: Omit<RestoreHistoryRow, 'restore_history_id'>): void {
    this.restorehistory.push({ ...row, restore_history_id: this.nextRestoreId++ });
  }

  /**
   * A marked transaction committed in a database now: its mark takes a log record of its own, so the next
   * log backup holds it (first_lsn <= lsn < last_lsn).
   */
  recordMark(db: SimDatabase, name: string, at: number, description: string | null = null): LogMarkRow {
    const row: LogMarkRow = { database_name: db.name, mark_name: name, description, user_name: 'dbo', lsn: db.log.lsn, mark_time: this.localNow(at) };
    db.log.write(1n);
    this.logmarkhistory.push(row);
    return row;
  }

  /**
   * Instances whose backup files this one can read: an estate's replicas back up to shared storage, so a
   * file one of them wrote restores on another although only the writer's msdb records it.
   */
  sharesStorageWith: SimInstance[] = [];

  /** The backup sets in a file, from this msdb or from the msdb of the instance that wrote it. */
  backupFile(device: string): { writer: SimInstance; sets: BackupSetRow[] } {
    for (const writer of [this, ...this.sharesStorageWith]) {
      const sets = writer.backupsOnDevice(device);
      if (sets.length > 0) return { writer, sets };
    }
    return { writer: this, sets: [] };
  }

  /** Which backup sets msdb says a device name holds (several when backups were appended: FILE = n). */
  backupsOnDevice(device: string): BackupSetRow[] {
    const sets = this.mediaByDevice.get(device.toLowerCase()) ?? [];
    return sets.flatMap((id) => this.setByMedia.get(id) ?? []);
  }

  /** Indexes a media set's families by device name: a restore looks a file up in msdb, not through it. */
  private indexFamilies(families: readonly MediaFamilyRow[]): void {
    for (const f of families) {
      const key = f.physical_device_name.toLowerCase();
      const ids = this.mediaByDevice.get(key);
      if (!ids) this.mediaByDevice.set(key, [f.media_set_id]);
      else if (!ids.includes(f.media_set_id)) ids.push(f.media_set_id);
    }
  }

  private index(b: BackupSetRow): void {
    this.setByUuid.set(b.backup_set_uuid.toLowerCase(), b);
    const key = b.database_name.toLowerCase();
    const list = this.setsByDatabase.get(key);
    if (list) list.push(b);
    else this.setsByDatabase.set(key, [b]);
  }

  /** The backup sets msdb records for a database name (compared as SQL Server's default collation does: case-insensitive). */
  backupSetsOf(databaseName: string): readonly BackupSetRow[] {
    return this.setsByDatabase.get(databaseName.toLowerCase()) ?? [];
  }

  /** The backup sets from this backup_set_id on (backupset is kept in id order, as its clustered index is). */
  backupSetsFrom(backupSetId: number): readonly BackupSetRow[] {
    let lo = 0;
    let hi = this.backupset.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.backupset[mid]!.backup_set_id < backupSetId) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? this.backupset : this.backupset.slice(lo);
  }

  /** The backup set with this backup_set_uuid, if msdb holds it. */
  backupSetByUuid(uuid: string): BackupSetRow | undefined {
    return this.setByUuid.get(uuid.toLowerCase());
  }

  /** Every family (mirrors too) of a media set: backupmediafamily's rows for one media_set_id. */
  familiesOf(mediaSetId: number): readonly MediaFamilyRow[] {
    return this.mediaBySet.get(mediaSetId) ?? [];
  }

  /** The backup set written to a media set, if msdb still holds it. */
  backupSetOfMedia(mediaSetId: number): BackupSetRow | undefined {
    return this.setByMedia.get(mediaSetId);
  }

  devicesOf(backup: BackupSetRow): MediaFamilyRow[] {
    return (this.mediaBySet.get(backup.media_set_id) ?? []).filter((m) => m.mirror === 0);
  }

  /** Deletes one backup set's rows from msdb (a test's way to have another server's msdb record a backup). */
  forgetBackupSet(backupSetId: number): void {
    this.keepOnly(this.backupset.filter((b) => b.backup_set_id !== backupSetId));
  }

  /** Deletes msdb history older than a date, as sp_delete_backuphistory does. */
  purgeHistory(beforeLocal: number): void {
    this.keepOnly(this.backupset.filter((b) => b.backup_finish_date >= beforeLocal));
  }

  /** Keeps these backup sets, with their media, and rebuilds the indexes on them. */
  private keepOnly(keep: BackupSetRow[]): void {
    const kept = new Set(keep.map((b) => b.media_set_id));
    this.backupset.splice(0, this.backupset.length, ...keep);
    const media = this.mediafamily.filter((m) => kept.has(m.media_set_id));
    this.mediafamily.splice(0, this.mediafamily.length, ...media);
    for (const id of [...this.mediaBySet.keys()]) if (!kept.has(id)) this.mediaBySet.delete(id);
    for (const id of [...this.setByMedia.keys()]) if (!kept.has(id)) this.setByMedia.delete(id);
    this.setsByDatabase.clear();
    this.setByUuid.clear();
    this.mediaByDevice.clear();
    for (const b of keep) this.index(b);
    this.indexFamilies(media);
  }
}
