import type { AgentJob } from './agent.js';
import { randomUUID } from 'node:crypto';
import type { DatabaseStateDesc } from '../domain/database.js';
import type { RecoveryModel } from '../domain/history.js';
import { BackupStore, copyOfSet, type BlankableColumn, type NewBackupSet } from './backup-store.js';
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

/** A server registered in a Central Management Server. */
export interface RegisteredServer {
  /** Folders under the Database Engine root, outermost first. */
  group: string[];
  name: string;
  serverName: string;
  description: string;
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
    let bytes = 0;
    for (const f of this.files) if (f.type === 'ROWS') bytes += f.sizeBytes;
    return bytes;
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
  /** Membership of msdb's ServerGroupReaderRole: reading a Central Management Server's registered servers. */
  readCms: boolean;
  /** SELECT on msdb's Agent tables (sysjobs, sysjobsteps, sysjobschedules, sysjobhistory): granted, not public. */
  selectMsdbAgent: boolean;
  backupLog: boolean;
  createAnyDatabase: boolean;
}

export class SimInstance {
  readonly databases: SimDatabase[] = [];
  /** msdb's backupset, backupmediaset and backupmediafamily, with the indexes msdb serves joins and seeks from. */
  private readonly history = new BackupStore();
  readonly restorehistory: RestoreHistoryRow[] = [];
  readonly logmarkhistory: LogMarkRow[] = [];
  /** Servers registered here when the instance is a Central Management Server, each under a folder path. */
  readonly registeredServers: RegisteredServer[] = [];
  /** SQL Server Agent's backup jobs on this instance (msdb's sysjobs and the rest, derived when read: agent.ts). */
  readonly agentJobs: AgentJob[] = [];
  /** When SQL Server Agent stopped (Infinity: it runs). */
  agentStoppedAt = Number.POSITIVE_INFINITY;
  private nextRestoreId = 1;
  nextDatabaseId = 5;

  private readonly hostName: string;
  /** The product's major version (16 for SQL Server 2022), as backupset.software_major_version records it. */
  readonly majorVersion: number;

  constructor(
    readonly options: InstanceOptions,
    readonly clock: SimClock,
  ) {
    this.hostName = options.name.split('\\')[0]!;
    this.majorVersion = Number(options.version.split('.')[0]);
  }

  get name(): string {
    return this.options.name;
  }

  /** SERVERPROPERTY('MachineName'): the host part of the instance name. */
  get machineName(): string {
    return this.options.machineName ?? this.hostName;
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

  /** Records a backup in msdb, as BACKUP does when it completes (NOINIT: a set on a file already used follows those in it). */
  recordBackup(row: NewBackupSet, devices: string[], deviceType = 2): BackupSetRow {
    return this.history.record(row, devices, deviceType);
  }

  /**
   * A backup set another instance wrote, recorded here as RESTORE records what it read ("When a restore is
   * performed, backup history tables and restore history tables are modified": Backup History and Header
   * Information). The copy keeps the writer's server_name, LSNs, dates and backup_set_uuid under this msdb's
   * own ids, and is what restorehistory.backup_set_id references. Restores of this instance's own backups
   * reference the original row here.
   */
  recordRestoredSet(source: BackupSetRow, families: readonly MediaFamilyRow[]): BackupSetRow {
    const devices = families.filter((f) => f.mirror === 0).map((f) => f.physical_device_name);
    return this.history.record(copyOfSet(source), devices, families[0]?.device_type ?? 2);
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

  /**
   * Backup files (lower case) deleted or moved from where this instance wrote them: msdb keeps their rows,
   * RESTORE cannot open them (an operator's clean-up, a share moved).
   */
  readonly removedFiles = new Set<string>();

  /** The backup sets in a file, from this msdb or from the msdb of the instance that wrote it; none if the file is gone. */
  backupFile(device: string): { writer: SimInstance; sets: BackupSetRow[] } {
    for (const writer of [this, ...this.sharesStorageWith]) {
      if (writer.removedFiles.has(device.toLowerCase())) continue;
      const sets = writer.backupsOnDevice(device);
      if (sets.length > 0) return { writer, sets };
    }
    return { writer: this, sets: [] };
  }

  /** Which backup sets msdb says a device name holds (several when backups were appended: FILE = n). */
  backupsOnDevice(device: string): BackupSetRow[] {
    return this.history.onDevice(device);
  }

  /** backupset, in backup_set_id order (the clustered index). */
  get backupset(): BackupSetRow[] {
    return this.history.all();
  }

  /** How many backup sets msdb holds, and the bytes the simulator keeps them in. */
  get backupSetCount(): { sets: number; bytes: number } {
    return { sets: this.history.count, bytes: this.history.bytes };
  }

  /** backupmediafamily, by media set. */
  get mediafamily(): MediaFamilyRow[] {
    return this.history.all().flatMap((b) => this.history.families(b.media_set_id));
  }

  /** The backup sets msdb records for a database name (compared as SQL Server's default collation does: case-insensitive). */
  backupSetsOf(databaseName: string): BackupSetRow[] {
    return this.history.ofDatabase(databaseName);
  }

  /** The backup sets from this backup_set_id on (the clustered index's range). */
  backupSetsFrom(backupSetId: number): BackupSetRow[] {
    return this.history.from(backupSetId);
  }

  /** The backup set with this backup_set_id, if msdb holds it: a seek on the clustered key. */
  backupSetById(backupSetId: number): BackupSetRow | undefined {
    return this.history.byId(backupSetId);
  }

  /** The oldest or newest backup set msdb holds: one end of the clustered index. */
  backupSetAtEdge(edge: 'first' | 'last'): BackupSetRow | undefined {
    return this.history.edge(edge);
  }

  /** The backup set with this backup_set_uuid, if msdb holds it. */
  backupSetByUuid(uuid: string): BackupSetRow | undefined {
    return this.history.byUuid(uuid);
  }

  /** Every family (mirrors too) of a media set: backupmediafamily's rows for one media_set_id. */
  familiesOf(mediaSetId: number): MediaFamilyRow[] {
    return this.history.families(mediaSetId);
  }

  /** backupmediaset.media_family_count. */
  mediaFamilyCount(mediaSetId: number): number {
    return this.history.familyCount(mediaSetId);
  }

  /** The backup set written to a media set, if msdb still holds it (one set per media set here). */
  backupSetOfMedia(mediaSetId: number): BackupSetRow | undefined {
    return this.history.byId(mediaSetId);
  }

  devicesOf(backup: BackupSetRow): MediaFamilyRow[] {
    return this.history.families(backup.media_set_id).filter((m) => m.mirror === 0);
  }

  /** Blanks columns of a backup set that msdb documents as nullable (none: restores them), as a test of the poll needs. */
  blankBackupSetColumns(backupSetId: number, columns: readonly BlankableColumn[]): void {
    this.history.blank(backupSetId, columns);
  }

  /** Deletes one backup set's rows from msdb (a test's way to have another server's msdb record a backup). */
  forgetBackupSet(backupSetId: number): void {
    this.history.keep((b) => b.backup_set_id !== backupSetId);
  }

  /** Deletes msdb history older than a date, as sp_delete_backuphistory does. */
  purgeHistory(beforeLocal: number): void {
    this.history.keep((b) => b.backup_finish_date >= beforeLocal);
  }
}
