import type { BackupSet, BackupType } from '../../src/domain/history.js';
import type { DatabaseState } from '../../src/domain/database.js';

/**
 * Writes a database's msdb history the way SQL Server would: one log position that only grows,
 * log backups that start where the previous (non-copy-only) log backup ended, differentials that name
 * the last regular full. LSNs start above 2^53 so any rounding through a JS number would show.
 */
export class HistoryBuilder {
  readonly rows: BackupSet[] = [];
  private pos = 1_234_000_000_567_800_001n;
  private logChainEnd: bigint;
  private lastFullCheckpoint: bigint | null = null;
  private lastRegularFull: BackupSet | null = null;
  private id = 100;
  databaseGuid = '6f9619ff-8b86-d011-b42d-00c04fc964ff';
  fork = 'a1111111-0000-0000-0000-000000000001';
  now: number;

  constructor(start = Date.UTC(2026, 10, 20, 0, 0, 0)) {
    this.now = start;
    this.logChainEnd = this.pos;
  }

  /** Moves the clock and writes some log. */
  advance(minutes: number, logBlocks = 100n): this {
    this.now += minutes * 60_000;
    this.pos += logBlocks * 100_000n;
    return this;
  }

  private row(type: BackupType, first: bigint, last: bigint, opts: BackupOptions): BackupSet {
    const id = this.id++;
    const stripes = opts.stripes ?? 1;
    const durationMs = (opts.durationMinutes ?? 1) * 60_000;
    const row: BackupSet = {
      backupSetId: id,
      backupSetUuid: `00000000-0000-0000-0000-${id.toString().padStart(12, '0')}`,
      position: 1,
    mediaSetId: id,
      recordedOn: opts.recordedOn ?? 'SQL01',
      databaseName: 'Sales',
      databaseGuid: this.databaseGuid,
      familyGuid: null,
      type,
      recoveryModel: 'FULL',
      firstLsn: first,
      lastLsn: last,
      checkpointLsn: type === 'L' ? first : last - 50_000n,
      databaseBackupLsn: this.lastFullCheckpoint,
      differentialBaseLsn: null,
      differentialBaseGuid: null,
      firstRecoveryForkGuid: this.fork,
      lastRecoveryForkGuid: this.fork,
      isCopyOnly: opts.copyOnly ?? false,
      isDamaged: opts.damaged ?? false,
      isSnapshot: opts.snapshot ?? false,
      hasBulkLoggedData: opts.bulk ?? false,
      beginsLogChain: false,
      hasBackupChecksums: opts.checksum ?? true,
      isForceOffline: opts.tail ?? false,
      hasIncompleteMetadata: false,
      start: this.now - durationMs,
      finish: this.now,
      backupSize: opts.size ?? 1024 * 1024 * 1024,
      compressedBackupSize: null,
      familyCount: opts.familyCount ?? stripes,
      media: Array.from({ length: stripes }, (_, i) => ({
        familySequenceNumber: i + 1,
        physicalDeviceName: opts.nul ? 'NUL' : opts.device ?? `B:\\Backup\\Sales_${type}_${id}_${i + 1}.bak`,
        deviceType: opts.snapshot ? 7 : 2,
      })),
    };
    this.rows.push(row);
    return row;
  }

  full(opts: BackupOptions = {}): BackupSet {
    this.advance(opts.after ?? 0, 10n);
    const row = this.row('D', this.pos - 500_000n, this.pos, opts);
    if (!row.isCopyOnly) {
      this.lastFullCheckpoint = row.checkpointLsn;
      this.lastRegularFull = row;
    }
    return row;
  }

  diff(opts: BackupOptions = {}): BackupSet {
    this.advance(opts.after ?? 0, 10n);
    const row = this.row('I', this.pos - 500_000n, this.pos, opts);
    row.differentialBaseGuid = this.lastRegularFull?.backupSetUuid ?? null;
    row.differentialBaseLsn = this.lastRegularFull?.checkpointLsn ?? null;
    return row;
  }

  log(opts: BackupOptions = {}): BackupSet {
    this.advance(opts.after ?? 0);
    const row = this.row('L', this.logChainEnd, this.pos, opts);
    if (!row.isCopyOnly) this.logChainEnd = this.pos;
    return row;
  }

  /** A full that runs for a while, with `during` called half way: a log backup may run meanwhile. */
  fullRunning(during: () => void, opts: BackupOptions = {}): BackupSet {
    const first = this.pos;
    const startedAt = this.now;
    during();
    this.advance(opts.after ?? 5);
    const row = this.row('D', first, this.pos, { ...opts, durationMinutes: (this.now - startedAt) / 60_000 });
    this.lastFullCheckpoint = first + 10_000n;
    row.checkpointLsn = first + 10_000n;
    this.lastRegularFull = row;
    return row;
  }

  /** RESTORE ... WITH RECOVERY: a new recovery fork begins. */
  newFork(guid: string): this {
    this.fork = guid;
    return this;
  }

  state(overrides: Partial<DatabaseState> = {}): DatabaseState {
    return {
      instance: 'SQL01',
      name: 'Sales',
      databaseId: 5,
      state: 'ONLINE',
      recoveryModel: 'FULL',
      isReadOnly: false,
      isInStandby: false,
      databaseGuid: this.databaseGuid,
      recoveryForkGuid: this.fork,
      lastLogBackupLsn: this.logChainEnd,
      availabilityGroup: null,
      files: [],
      ...overrides,
    };
  }
}

export interface BackupOptions {
  /** Minutes of activity before this backup finishes. */
  after?: number;
  copyOnly?: boolean;
  damaged?: boolean;
  snapshot?: boolean;
  bulk?: boolean;
  checksum?: boolean;
  nul?: boolean;
  tail?: boolean;
  stripes?: number;
  familyCount?: number;
  size?: number;
  device?: string;
  recordedOn?: string;
  durationMinutes?: number;
}

export const minutes = (n: number) => n * 60_000;
