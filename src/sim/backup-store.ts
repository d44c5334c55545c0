import { randomBytes } from 'node:crypto';
import type { BackupSetRow, MediaFamilyRow } from './model.js';

/**
 * One instance's msdb backup history (backupset, backupmediaset, backupmediafamily) held in columns.
 *
 * A real msdb keeps months of history: 40 databases with 15-minute logs add some 32,000 backup sets a
 * week to each instance, and a fleet of hundreds of instances holds tens of millions. An object per set
 * and per media family cost about 2 KB each; here a set costs some 80 bytes: numbers in typed arrays,
 * what repeats (the database, its GUIDs, the server) interned once, file names kept as a template around
 * the start time they were named after, and what is rare (a backup's name, a copy's GUID) in sparse maps.
 * Rows are read through views (`StoredSet`, `StoredFamily`) made on demand, so a query that reads one
 * database's rows makes objects for those rows only.
 */

/** The columns that repeat across a database's backup sets: interned as one profile. */
type Profile = Pick<
  BackupSetRow,
  | 'database_name'
  | 'database_guid'
  | 'family_guid'
  | 'recovery_model'
  | 'first_recovery_fork_guid'
  | 'last_recovery_fork_guid'
  | 'server_name'
  | 'machine_name'
  | 'user_name'
  | 'software_major_version'
  | 'time_zone'
>;

/** backupset columns msdb documents as nullable that the poll must survive without. */
export type BlankableColumn = 'first_lsn' | 'last_lsn' | 'backup_start_date' | 'backup_finish_date';

/** What BACKUP records: a row without the ids msdb assigns (and its GUID, which the store makes unless a copy keeps its writer's). */
export type NewBackupSet = Omit<BackupSetRow, 'backup_set_id' | 'media_set_id' | 'position' | 'backup_set_uuid'> & { backup_set_uuid?: string };

/** Every column of a set, as a copy of it records them (views read their columns on demand, so a spread would copy nothing). */
export function copyOfSet(b: BackupSetRow): NewBackupSet {
  return {
    backup_set_uuid: b.backup_set_uuid,
    name: b.name,
    database_name: b.database_name,
    database_guid: b.database_guid,
    family_guid: b.family_guid,
    type: b.type,
    recovery_model: b.recovery_model,
    first_lsn: b.first_lsn,
    last_lsn: b.last_lsn,
    checkpoint_lsn: b.checkpoint_lsn,
    database_backup_lsn: b.database_backup_lsn,
    differential_base_lsn: b.differential_base_lsn,
    differential_base_guid: b.differential_base_guid,
    first_recovery_fork_guid: b.first_recovery_fork_guid,
    last_recovery_fork_guid: b.last_recovery_fork_guid,
    fork_point_lsn: b.fork_point_lsn,
    is_copy_only: b.is_copy_only,
    is_damaged: b.is_damaged,
    is_snapshot: b.is_snapshot,
    has_bulk_logged_data: b.has_bulk_logged_data,
    begins_log_chain: b.begins_log_chain,
    has_backup_checksums: b.has_backup_checksums,
    is_force_offline: b.is_force_offline,
    has_incomplete_metadata: b.has_incomplete_metadata,
    backup_start_date: b.backup_start_date,
    backup_finish_date: b.backup_finish_date,
    time_zone: b.time_zone,
    backup_size: b.backup_size,
    compressed_backup_size: b.compressed_backup_size,
    server_name: b.server_name,
    machine_name: b.machine_name,
    user_name: b.user_name,
    software_major_version: b.software_major_version,
    damagedPages: b.damagedPages,
  };
}

const COPY_ONLY = 1;
const DAMAGED = 2;
const SNAPSHOT = 4;
const BULK = 8;
const BEGINS_CHAIN = 16;
const CHECKSUMS = 32;
const FORCE_OFFLINE = 64;
const INCOMPLETE = 128;
/** checkpoint_lsn = first_lsn (a log backup's); otherwise first_lsn + 100,000 as BACKUP DATABASE records it here, or in `checkpoints`. */
const CHECKPOINT_AT_FIRST = 256;
/** compressed_backup_size = 31% of backup_size (COMPRESSION); otherwise equal, or in `compressed`. */
const COMPRESSED = 512;
/** Deleted from msdb (sp_delete_backuphistory): ids are not reused. */
const GONE = 1024;

const TYPES = ['D', 'I', 'L'] as const;
const MAX_LSN = 2n ** 64n - 1n;
const CHECKPOINT_GAP = 100_000n;

/**
 * The YYYYMMDD_HHMMSS stamp backup jobs put in file names, of a server wall-clock time. Every read of a
 * file name derives it (a status query reads every set's), so the date part is kept per day and the time
 * is formatted by arithmetic.
 */
const stampDays = new Map<number, string>();
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
export function fileStamp(localMs: number): string {
  const second = Math.floor(localMs / 1000);
  const day = Math.floor(second / 86_400);
  let date = stampDays.get(day);
  if (date === undefined) {
    date = new Date(day * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    stampDays.set(day, date);
  }
  const t = second - day * 86_400;
  return `${date}_${two(Math.floor(t / 3600))}${two(Math.floor((t % 3600) / 60))}${two(t % 60)}`;
}

/** The second a file stamp names (NaN if it is not one). */
function stampSecond(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000 : Number.NaN;
}

/** A growable list of row numbers. */
class RowList {
  data = new Int32Array(8);
  length = 0;
  push(i: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, this.length * 2);
    this.data[this.length++] = i;
  }
  at(k: number): number {
    return this.data[k]!;
  }
  filter(keep: (i: number) => boolean): RowList {
    const out = new RowList();
    for (let k = 0; k < this.length; k++) if (keep(this.data[k]!)) out.push(this.data[k]!);
    return out;
  }
}

type Typed = Int32Array | Uint16Array | Uint8Array | Float64Array | BigUint64Array;
function grow<T extends Typed>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  (b as Typed).set(a as never);
  return b;
}

/** A file name with the backup's start time in it, kept as the text around the stamp. */
interface Template {
  before: string;
  after: string;
  beforeLower: string;
  afterLower: string;
}
type DeviceSet = { templates: Template[] } | { names: string[] };

/** Interns values, handing out small numbers. */
class Interned<T> {
  readonly values: T[] = [];
  private readonly ids = new Map<T, number>();
  id(value: T): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

export class BackupStore {
  private size = 0;
  private capacity = 1024;
  private profileCol = new Int32Array(this.capacity);
  private flagsCol = new Uint16Array(this.capacity);
  private typeCol = new Uint8Array(this.capacity);
  /** LSNs (numeric(25,0) in msdb) that fit 64 bits; the simulator's VLF numbers keep them there. */
  private firstCol = new BigUint64Array(this.capacity);
  private lastCol = new BigUint64Array(this.capacity);
  /** database_backup_lsn and differential_base_lsn, interned (-1: NULL). */
  private dbBackupCol = new Int32Array(this.capacity);
  private diffBaseCol = new Int32Array(this.capacity);
  private diffGuidCol = new Int32Array(this.capacity);
  private startCol = new Float64Array(this.capacity);
  private durationCol = new Int32Array(this.capacity);
  private sizeCol = new Float64Array(this.capacity);
  private positionCol = new Uint16Array(this.capacity);
  private deviceCol = new Int32Array(this.capacity);
  private deviceTypeCol = new Uint8Array(this.capacity);

  private readonly profiles: Profile[] = [];
  private readonly profileIds = new Map<string, number>();
  /** The last profile each database used, compared field by field before a key is built. */
  private readonly lastProfile = new Map<string, number>();
  private readonly lsns = new Interned<bigint>();
  private readonly strings = new Interned<string>();
  private readonly deviceSets: DeviceSet[] = [];
  private readonly deviceSetIds = new Map<string, number>();
  private readonly rowsOfDeviceSet = new Map<number, RowList>();
  private readonly recentTemplates = new Map<string, number[]>();
  /** Named devices (not templates): media by device name (lower case), in the order they were written. */
  private readonly rowsOfDevice = new Map<string, RowList>();
  /** Sets ever appended to each named device: positions are not reused when history is deleted. */
  private readonly appended = new Map<string, number>();
  private readonly rowsOfDatabase = new Map<string, RowList>();

  private readonly names = new Map<number, string>();
  private readonly damaged = new Map<number, readonly number[]>();
  private readonly checkpoints = new Map<number, bigint>();
  private readonly compressed = new Map<number, number>();
  private readonly forkPoints = new Map<number, bigint>();
  /** Columns msdb documents as nullable, blanked on a row (a set recorded without them). */
  private readonly blanked = new Map<number, ReadonlySet<BlankableColumn>>();
  /** GUIDs this store did not make (a copy of another instance's set keeps its writer's), and the index on them. */
  private readonly uuids = new Map<number, string>();
  private readonly uuidIndex = new Map<string, number>();
  /** This msdb's own GUIDs: a random prefix and the row number, so one is found again without an index. */
  private readonly uuidPrefix = randomBytes(10).toString('hex').toUpperCase();

  private gone = 0;

  /** The number of sets msdb holds. */
  get count(): number {
    return this.size - this.gone;
  }

  /** Bytes held in columns and indexes (what the simulator's history costs, for the benchmarks). */
  get bytes(): number {
    const lists = [...this.rowsOfDatabase.values(), ...this.rowsOfDeviceSet.values(), ...this.rowsOfDevice.values()];
    return Object.values(this).reduce((n: number, v) => n + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0) + lists.reduce((n, l) => n + l.data.byteLength, 0);
  }

  record(row: NewBackupSet, devices: readonly string[], deviceType: number): BackupSetRow {
    if (this.size === this.capacity) this.resize(Math.ceil(this.capacity * 1.5));
    const i = this.size++;
    this.profileCol[i] = this.profileId(row);
    this.typeCol[i] = TYPES.indexOf(row.type as (typeof TYPES)[number]);
    let flags = 0;
    if (row.is_copy_only) flags |= COPY_ONLY;
    if (row.is_damaged) flags |= DAMAGED;
    if (row.is_snapshot) flags |= SNAPSHOT;
    if (row.has_bulk_logged_data) flags |= BULK;
    if (row.begins_log_chain) flags |= BEGINS_CHAIN;
    if (row.has_backup_checksums) flags |= CHECKSUMS;
    if (row.is_force_offline) flags |= FORCE_OFFLINE;
    if (row.has_incomplete_metadata) flags |= INCOMPLETE;
    if (row.checkpoint_lsn === row.first_lsn) flags |= CHECKPOINT_AT_FIRST;
    else if (row.checkpoint_lsn !== row.first_lsn + CHECKPOINT_GAP) this.checkpoints.set(i, row.checkpoint_lsn);
    if (row.compressed_backup_size === Math.round(row.backup_size * 0.31) && row.compressed_backup_size !== row.backup_size) flags |= COMPRESSED;
    else if (row.compressed_backup_size !== row.backup_size) this.compressed.set(i, row.compressed_backup_size);
    this.flagsCol[i] = flags;
    if (row.first_lsn > MAX_LSN || row.last_lsn > MAX_LSN || row.first_lsn < 0n) throw new Error(`LSN ${row.last_lsn} of ${row.database_name} beyond what the simulated msdb stores`);
    this.firstCol[i] = row.first_lsn;
    this.lastCol[i] = row.last_lsn;
    this.dbBackupCol[i] = row.database_backup_lsn === null ? -1 : this.lsns.id(row.database_backup_lsn);
    this.diffBaseCol[i] = row.differential_base_lsn === null ? -1 : this.lsns.id(row.differential_base_lsn);
    this.diffGuidCol[i] = row.differential_base_guid === null ? -1 : this.strings.id(row.differential_base_guid);
    this.startCol[i] = row.backup_start_date;
    this.durationCol[i] = row.backup_finish_date - row.backup_start_date;
    if (this.durationCol[i] !== row.backup_finish_date - row.backup_start_date) throw new Error(`a backup of ${row.database_name} that lasts longer than 24 days`);
    this.sizeCol[i] = row.backup_size;
    this.deviceTypeCol[i] = deviceType;
    if (row.name !== null) this.names.set(i, row.name);
    if (row.fork_point_lsn !== null) this.forkPoints.set(i, row.fork_point_lsn);
    if (row.damagedPages.length > 0) this.damaged.set(i, [...row.damagedPages]);
    if (row.backup_set_uuid !== undefined) {
      this.uuids.set(i, row.backup_set_uuid.toUpperCase());
      this.uuidIndex.set(row.backup_set_uuid.toLowerCase(), i);
    }
    this.placeOnDevices(i, devices, row.database_name);
    let list = this.rowsOfDatabase.get(row.database_name.toLowerCase());
    if (!list) this.rowsOfDatabase.set(row.database_name.toLowerCase(), (list = new RowList()));
    list.push(i);
    return new StoredSet(this, i);
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.profileCol = grow(this.profileCol, capacity);
    this.flagsCol = grow(this.flagsCol, capacity);
    this.typeCol = grow(this.typeCol, capacity);
    this.firstCol = grow(this.firstCol, capacity);
    this.lastCol = grow(this.lastCol, capacity);
    this.dbBackupCol = grow(this.dbBackupCol, capacity);
    this.diffBaseCol = grow(this.diffBaseCol, capacity);
    this.diffGuidCol = grow(this.diffGuidCol, capacity);
    this.startCol = grow(this.startCol, capacity);
    this.durationCol = grow(this.durationCol, capacity);
    this.sizeCol = grow(this.sizeCol, capacity);
    this.positionCol = grow(this.positionCol, capacity);
    this.deviceCol = grow(this.deviceCol, capacity);
    this.deviceTypeCol = grow(this.deviceTypeCol, capacity);
  }

  private profileId(row: NewBackupSet): number {
    const last = this.lastProfile.get(row.database_name);
    if (last !== undefined) {
      const p = this.profiles[last]!;
      if (
        p.database_guid === row.database_guid &&
        p.family_guid === row.family_guid &&
        p.recovery_model === row.recovery_model &&
        p.first_recovery_fork_guid === row.first_recovery_fork_guid &&
        p.last_recovery_fork_guid === row.last_recovery_fork_guid &&
        p.server_name === row.server_name &&
        p.machine_name === row.machine_name &&
        p.user_name === row.user_name &&
        p.software_major_version === row.software_major_version &&
        p.time_zone === row.time_zone
      ) {
        return last;
      }
    }
    const profile: Profile = {
      database_name: row.database_name,
      database_guid: row.database_guid,
      family_guid: row.family_guid,
      recovery_model: row.recovery_model,
      first_recovery_fork_guid: row.first_recovery_fork_guid,
      last_recovery_fork_guid: row.last_recovery_fork_guid,
      server_name: row.server_name,
      machine_name: row.machine_name,
      user_name: row.user_name,
      software_major_version: row.software_major_version,
      time_zone: row.time_zone,
    };
    const key = JSON.stringify(profile);
    let id = this.profileIds.get(key);
    if (id === undefined) {
      id = this.profiles.length;
      this.profiles.push(profile);
      this.profileIds.set(key, id);
    }
    this.lastProfile.set(row.database_name, id);
    return id;
  }

  /**
   * Keeps a set's file names (as templates when each holds the start-time stamp, as backup jobs name their
   * files) and its position: the sets already in its first file, plus one (BACKUP ... NOINIT appends).
   */
  private placeOnDevices(i: number, devices: readonly string[], database: string): void {
    const stamp = fileStamp(this.startCol[i]!);
    // A database's jobs name their files the same way each run: try the templates it used last first.
    const recent = this.recentTemplates.get(database) ?? [];
    let id = recent.find((r) => this.fits(r, devices, stamp));
    const templated = id !== undefined || devices.every((d) => d.includes(stamp));
    if (id === undefined) {
      const key = templated ? `t\u0001${devices.map((d) => d.replace(stamp, '\u0002')).join('\u0001')}` : `n\u0001${devices.join('\u0001')}`;
      id = this.deviceSetIds.get(key);
      if (id === undefined) {
        id = this.deviceSets.length;
        this.deviceSets.push(
          templated
            ? {
                templates: devices.map((d) => {
                  const at = d.indexOf(stamp);
                  const before = d.slice(0, at);
                  const after = d.slice(at + stamp.length);
                  return { before, after, beforeLower: before.toLowerCase(), afterLower: after.toLowerCase() };
                }),
              }
            : { names: [...devices] },
        );
        this.deviceSetIds.set(key, id);
      }
      if (templated) this.recentTemplates.set(database, [id, ...recent.slice(0, 7)]);
    }
    this.deviceCol[i] = id;
    let rows = this.rowsOfDeviceSet.get(id);
    if (!rows) this.rowsOfDeviceSet.set(id, (rows = new RowList()));
    let position = 1;
    if (templated) {
      // The same file again only when two backups start within the same second.
      const previous = rows.length > 0 ? rows.at(rows.length - 1) : -1;
      if (previous >= 0 && Math.floor(this.startCol[previous]! / 1000) === Math.floor(this.startCol[i]! / 1000)) position = this.positionCol[previous]! + 1;
    } else {
      const first = devices[0]!.toLowerCase();
      position = (this.appended.get(first) ?? 0) + 1;
      this.appended.set(first, position);
      for (const d of new Set(devices.map((x) => x.toLowerCase()))) {
        let onFile = this.rowsOfDevice.get(d);
        if (!onFile) this.rowsOfDevice.set(d, (onFile = new RowList()));
        onFile.push(i);
      }
    }
    rows.push(i);
    this.positionCol[i] = position;
  }

  /** Whether these files are a template's, named after this stamp. */
  private fits(id: number, devices: readonly string[], stamp: string): boolean {
    const set = this.deviceSets[id]!;
    if (!('templates' in set) || set.templates.length !== devices.length) return false;
    return set.templates.every((t, k) => {
      const d = devices[k]!;
      return d.length === t.before.length + stamp.length + t.after.length && d.startsWith(t.before) && d.endsWith(t.after) && d.indexOf(stamp) === t.before.length;
    });
  }

  live(i: number): boolean {
    return i >= 0 && i < this.size && (this.flagsCol[i]! & GONE) === 0;
  }

  private view(list: RowList | undefined): BackupSetRow[] {
    const out: BackupSetRow[] = [];
    if (!list) return out;
    for (let k = 0; k < list.length; k++) {
      const i = list.at(k);
      if ((this.flagsCol[i]! & GONE) === 0) out.push(new StoredSet(this, i));
    }
    return out;
  }

  /** Every set msdb holds, in backup_set_id order. */
  all(): BackupSetRow[] {
    return this.from(1);
  }

  /** The sets from this backup_set_id on: the clustered index's range. */
  from(backupSetId: number): BackupSetRow[] {
    const out: BackupSetRow[] = [];
    for (let i = Math.max(0, Math.ceil(backupSetId) - 1); i < this.size; i++) if ((this.flagsCol[i]! & GONE) === 0) out.push(new StoredSet(this, i));
    return out;
  }

  /** The first or last set msdb holds (the clustered index's ends). */
  edge(which: 'first' | 'last'): BackupSetRow | undefined {
    if (which === 'first') {
      for (let i = 0; i < this.size; i++) if ((this.flagsCol[i]! & GONE) === 0) return new StoredSet(this, i);
    } else {
      for (let i = this.size - 1; i >= 0; i--) if ((this.flagsCol[i]! & GONE) === 0) return new StoredSet(this, i);
    }
    return undefined;
  }

  ofDatabase(name: string): BackupSetRow[] {
    return this.view(this.rowsOfDatabase.get(name.toLowerCase()));
  }

  byId(backupSetId: number): BackupSetRow | undefined {
    const i = backupSetId - 1;
    return Number.isInteger(i) && this.live(i) ? new StoredSet(this, i) : undefined;
  }

  byUuid(uuid: string): BackupSetRow | undefined {
    const lower = uuid.toLowerCase();
    const own = this.ownRow(lower);
    const i = own ?? this.uuidIndex.get(lower);
    return i !== undefined && this.live(i) && this.uuidOf(i).toLowerCase() === lower ? new StoredSet(this, i) : undefined;
  }

  private ownRow(lower: string): number | undefined {
    const compact = lower.replace(/-/g, '');
    if (compact.length !== 32 || compact.slice(0, 20) !== this.uuidPrefix.toLowerCase()) return undefined;
    return Number.parseInt(compact.slice(20), 16);
  }

  /** The sets in a file: those whose media family has this device name, in the order they were written. */
  onDevice(device: string): BackupSetRow[] {
    const lower = device.toLowerCase();
    const found = new Set<number>();
    const named = this.rowsOfDevice.get(lower);
    for (let k = 0; named && k < named.length; k++) found.add(named.at(k));
    this.deviceSets.forEach((set, id) => {
      if (!('templates' in set)) return;
      for (const t of set.templates) {
        if (lower.length !== t.beforeLower.length + 15 + t.afterLower.length || !lower.startsWith(t.beforeLower) || !lower.endsWith(t.afterLower)) continue;
        const second = stampSecond(lower.slice(t.beforeLower.length, t.beforeLower.length + 15));
        const rows = this.rowsOfDeviceSet.get(id)!;
        for (let k = 0; k < rows.length; k++) if (Math.floor(this.startCol[rows.at(k)]! / 1000) === second) found.add(rows.at(k));
      }
    });
    return [...found].sort((a, b) => a - b).flatMap((i) => (this.live(i) ? [new StoredSet(this, i)] : []));
  }

  /** Every family of a media set (one per stripe; this model writes no mirrors). */
  families(mediaSetId: number): MediaFamilyRow[] {
    const i = mediaSetId - 1;
    if (!Number.isInteger(i) || !this.live(i)) return [];
    return this.deviceNames(i).map((_, k) => new StoredFamily(this, i, k));
  }

  familyCount(mediaSetId: number): number {
    const i = mediaSetId - 1;
    return Number.isInteger(i) && this.live(i) ? this.deviceNames(i).length : 0;
  }

  /** Marks rows deleted, as sp_delete_backuphistory deletes them (ids are not reused). */
  keep(keep: (row: BackupSetRow) => boolean): void {
    for (let i = 0; i < this.size; i++) {
      if ((this.flagsCol[i]! & GONE) === 0 && !keep(new StoredSet(this, i))) {
        this.flagsCol[i]! |= GONE;
        this.gone++;
      }
    }
    const live = (i: number) => (this.flagsCol[i]! & GONE) === 0;
    for (const [k, list] of this.rowsOfDatabase) this.rowsOfDatabase.set(k, list.filter(live));
    for (const [k, list] of this.rowsOfDevice) this.rowsOfDevice.set(k, list.filter(live));
  }

  /** Blanks (or, with none, restores) columns of a row that msdb documents as nullable. */
  blank(backupSetId: number, columns: readonly BlankableColumn[]): void {
    if (columns.length === 0) this.blanked.delete(backupSetId - 1);
    else this.blanked.set(backupSetId - 1, new Set(columns));
  }

  /** A column's value, or NULL where it was blanked (typed as the model's: only the poll's tests blank them). */
  private unlessBlank<T>(i: number, column: BlankableColumn, value: T): T {
    return this.blanked.size > 0 && this.blanked.get(i)?.has(column) ? (null as T) : value;
  }

  // Column readers for the views.
  profile(i: number): Profile {
    return this.profiles[this.profileCol[i]!]!;
  }
  type(i: number): 'D' | 'I' | 'L' {
    return TYPES[this.typeCol[i]!]!;
  }
  flag(i: number, bit: number): boolean {
    return (this.flagsCol[i]! & bit) !== 0;
  }
  setFlag(i: number, bit: number, on: boolean): void {
    if (on) this.flagsCol[i]! |= bit;
    else this.flagsCol[i]! &= ~bit;
  }
  firstLsn(i: number): bigint {
    return this.unlessBlank(i, 'first_lsn', this.firstCol[i]!);
  }
  lastLsn(i: number): bigint {
    return this.unlessBlank(i, 'last_lsn', this.lastCol[i]!);
  }
  checkpointLsn(i: number): bigint {
    const first = this.firstCol[i]!;
    return this.flag(i, CHECKPOINT_AT_FIRST) ? first : (this.checkpoints.get(i) ?? first + CHECKPOINT_GAP);
  }
  databaseBackupLsn(i: number): bigint | null {
    const id = this.dbBackupCol[i]!;
    return id < 0 ? null : this.lsns.values[id]!;
  }
  differentialBaseLsn(i: number): bigint | null {
    const id = this.diffBaseCol[i]!;
    return id < 0 ? null : this.lsns.values[id]!;
  }
  differentialBaseGuid(i: number): string | null {
    const id = this.diffGuidCol[i]!;
    return id < 0 ? null : this.strings.values[id]!;
  }
  start(i: number): number {
    return this.unlessBlank(i, 'backup_start_date', this.startCol[i]!);
  }
  finish(i: number): number {
    return this.unlessBlank(i, 'backup_finish_date', this.startCol[i]! + this.durationCol[i]!);
  }
  backupSize(i: number): number {
    return this.sizeCol[i]!;
  }
  compressedSize(i: number): number {
    const size = this.sizeCol[i]!;
    return this.flag(i, COMPRESSED) ? Math.round(size * 0.31) : (this.compressed.get(i) ?? size);
  }
  position(i: number): number {
    return this.positionCol[i]!;
  }
  name(i: number): string | null {
    return this.names.get(i) ?? null;
  }
  forkPoint(i: number): bigint | null {
    return this.forkPoints.get(i) ?? null;
  }
  damagedPages(i: number): readonly number[] {
    return this.damaged.get(i) ?? [];
  }
  uuidOf(i: number): string {
    const kept = this.uuids.get(i);
    if (kept) return kept;
    const hex = this.uuidPrefix + i.toString(16).toUpperCase().padStart(12, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  deviceNames(i: number): string[] {
    const set = this.deviceSets[this.deviceCol[i]!]!;
    if ('names' in set) return set.names;
    const stamp = fileStamp(this.startCol[i]!);
    return set.templates.map((t) => t.before + stamp + t.after);
  }
  deviceType(i: number): number {
    return this.deviceTypeCol[i]!;
  }
  setDeviceType(i: number, type: number): void {
    this.deviceTypeCol[i] = type;
  }
}

/** A backupset row read from the store's columns (is_damaged can be set: media found damaged later). */
class StoredSet implements BackupSetRow {
  constructor(
    private readonly store: BackupStore,
    private readonly i: number,
  ) {}
  get backup_set_id(): number {
    return this.i + 1;
  }
  get media_set_id(): number {
    return this.i + 1;
  }
  get position(): number {
    return this.store.position(this.i);
  }
  get backup_set_uuid(): string {
    return this.store.uuidOf(this.i);
  }
  get name(): string | null {
    return this.store.name(this.i);
  }
  get database_name(): string {
    return this.store.profile(this.i).database_name;
  }
  get database_guid(): string {
    return this.store.profile(this.i).database_guid;
  }
  get family_guid(): string {
    return this.store.profile(this.i).family_guid;
  }
  get type(): 'D' | 'I' | 'L' {
    return this.store.type(this.i);
  }
  get recovery_model(): BackupSetRow['recovery_model'] {
    return this.store.profile(this.i).recovery_model;
  }
  get first_lsn(): bigint {
    return this.store.firstLsn(this.i);
  }
  get last_lsn(): bigint {
    return this.store.lastLsn(this.i);
  }
  get checkpoint_lsn(): bigint {
    return this.store.checkpointLsn(this.i);
  }
  get database_backup_lsn(): bigint | null {
    return this.store.databaseBackupLsn(this.i);
  }
  get differential_base_lsn(): bigint | null {
    return this.store.differentialBaseLsn(this.i);
  }
  get differential_base_guid(): string | null {
    return this.store.differentialBaseGuid(this.i);
  }
  get first_recovery_fork_guid(): string {
    return this.store.profile(this.i).first_recovery_fork_guid;
  }
  get last_recovery_fork_guid(): string {
    return this.store.profile(this.i).last_recovery_fork_guid;
  }
  get fork_point_lsn(): bigint | null {
    return this.store.forkPoint(this.i);
  }
  get is_copy_only(): boolean {
    return this.store.flag(this.i, COPY_ONLY);
  }
  get is_damaged(): boolean {
    return this.store.flag(this.i, DAMAGED);
  }
  set is_damaged(on: boolean) {
    this.store.setFlag(this.i, DAMAGED, on);
  }
  get is_snapshot(): boolean {
    return this.store.flag(this.i, SNAPSHOT);
  }
  /** A test records a VSS snapshot's full this way: no T-SQL statement takes one. */
  set is_snapshot(on: boolean) {
    this.store.setFlag(this.i, SNAPSHOT, on);
  }
  get has_bulk_logged_data(): boolean {
    return this.store.flag(this.i, BULK);
  }
  get begins_log_chain(): boolean {
    return this.store.flag(this.i, BEGINS_CHAIN);
  }
  get has_backup_checksums(): boolean {
    return this.store.flag(this.i, CHECKSUMS);
  }
  get is_force_offline(): boolean {
    return this.store.flag(this.i, FORCE_OFFLINE);
  }
  get has_incomplete_metadata(): boolean {
    return this.store.flag(this.i, INCOMPLETE);
  }
  get backup_start_date(): number {
    return this.store.start(this.i);
  }
  get backup_finish_date(): number {
    return this.store.finish(this.i);
  }
  get time_zone(): number {
    return this.store.profile(this.i).time_zone;
  }
  get backup_size(): number {
    return this.store.backupSize(this.i);
  }
  get compressed_backup_size(): number {
    return this.store.compressedSize(this.i);
  }
  get server_name(): string {
    return this.store.profile(this.i).server_name;
  }
  get machine_name(): string {
    return this.store.profile(this.i).machine_name;
  }
  get user_name(): string {
    return this.store.profile(this.i).user_name;
  }
  get software_major_version(): number {
    return this.store.profile(this.i).software_major_version;
  }
  get damagedPages(): readonly number[] {
    return this.store.damagedPages(this.i);
  }
}

/** A backupmediafamily row (device_type can be set: a test's VSS snapshot). */
class StoredFamily implements MediaFamilyRow {
  constructor(
    private readonly store: BackupStore,
    private readonly i: number,
    private readonly k: number,
  ) {}
  get media_set_id(): number {
    return this.i + 1;
  }
  get family_sequence_number(): number {
    return this.k + 1;
  }
  get mirror(): number {
    return 0;
  }
  get physical_device_name(): string {
    return this.store.deviceNames(this.i)[this.k]!;
  }
  get device_type(): number {
    return this.store.deviceType(this.i);
  }
  set device_type(type: number) {
    this.store.setDeviceType(this.i, type);
  }
}
