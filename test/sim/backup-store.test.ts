import { describe, expect, it } from 'vitest';
import { BackupStore, copyOfSet, fileStamp, type NewBackupSet } from '../../src/sim/backup-store.js';

const START = Date.UTC(2026, 10, 27, 9, 15, 0);

function set(over: Partial<NewBackupSet> = {}): NewBackupSet {
  return {
    name: null,
    database_name: "Sales ]Q'4 Björn",
    database_guid: 'DB-GUID',
    family_guid: 'FAMILY-GUID',
    type: 'L',
    recovery_model: 'FULL',
    first_lsn: 1_000_000_000_000_100_001n,
    last_lsn: 1_000_000_000_900_000_001n,
    checkpoint_lsn: 1_000_000_000_000_100_001n,
    database_backup_lsn: 999_000_000_000_000_001n,
    differential_base_lsn: null,
    differential_base_guid: null,
    first_recovery_fork_guid: 'FORK',
    last_recovery_fork_guid: 'FORK',
    fork_point_lsn: null,
    is_copy_only: false,
    is_damaged: false,
    is_snapshot: false,
    has_bulk_logged_data: false,
    begins_log_chain: false,
    has_backup_checksums: true,
    is_force_offline: false,
    has_incomplete_metadata: false,
    backup_start_date: START,
    backup_finish_date: START + 2000,
    time_zone: 4,
    backup_size: 52_428_800,
    compressed_backup_size: Math.round(52_428_800 * 0.31),
    server_name: 'SQL01',
    machine_name: 'SQL01',
    user_name: 'rpotop',
    software_major_version: 16,
    damagedPages: [],
    ...over,
  };
}

const path = (at: number, kind = 'LOG') => `B:\\Backup\\SQL01\\Sales\\${kind}\\SQL01_Sales_${kind}_${fileStamp(at)}.trn`;
const columns = (b: object) => Object.fromEntries(Object.keys(copyOfSet(b as never)).map((k) => [k, (b as Record<string, unknown>)[k]]));

describe('the simulated msdb in columns', () => {
  it('reads back every column as it was recorded, the unusual values too', () => {
    const store = new BackupStore();
    const plain = set();
    const unusual = set({
      name: 'nightly ]\n GO',
      type: 'D',
      checkpoint_lsn: 1_000_000_000_000_100_001n + 7n,
      compressed_backup_size: 1234,
      differential_base_guid: 'BASE',
      differential_base_lsn: 5n,
      damagedPages: [3, 9],
      is_damaged: true,
      is_copy_only: true,
      begins_log_chain: true,
      fork_point_lsn: 42n,
      backup_set_uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      recovery_model: 'BULK_LOGGED',
      time_zone: -20,
      backup_start_date: START + 60_000,
      backup_finish_date: START + 60_000 + 3_600_000,
    });
    const a = store.record(plain, [path(START)], 2);
    const b = store.record(unusual, ['\\\\share\\odd name ].bak', '\\\\share\\odd name ].bak2'], 9);
    const { backup_set_uuid: _, ...expected } = plain;
    expect(columns(a)).toEqual({ ...expected, backup_set_uuid: a.backup_set_uuid });
    expect(columns(b)).toEqual({ ...unusual, backup_set_uuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE' });
    expect([a.backup_set_id, b.backup_set_id, b.media_set_id]).toEqual([1, 2, 2]);
    expect(store.families(2).map((f) => [f.family_sequence_number, f.physical_device_name, f.device_type])).toEqual([
      [1, '\\\\share\\odd name ].bak', 9],
      [2, '\\\\share\\odd name ].bak2', 9],
    ]);
    expect(store.families(1)[0]!.physical_device_name).toBe(path(START));
  });

  it('finds a set by its GUID, its own or a copy kept under the writer GUID', () => {
    const store = new BackupStore();
    const own = store.record(set(), [path(START)], 2);
    const copy = store.record(set({ backup_set_uuid: '11111111-2222-3333-4444-555555555555' }), [path(START + 900_000)], 2);
    expect(own.backup_set_uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(store.byUuid(own.backup_set_uuid.toLowerCase())?.backup_set_id).toBe(1);
    expect(store.byUuid('11111111-2222-3333-4444-555555555555')?.backup_set_id).toBe(copy.backup_set_id);
    expect(store.byUuid('11111111-2222-3333-4444-555555555556')).toBeUndefined();
    expect(new BackupStore().byUuid(own.backup_set_uuid)).toBeUndefined();
  });

  it('finds the sets in a file by its name in any case, and counts appends to one file', () => {
    const store = new BackupStore();
    for (let k = 0; k < 5; k++) store.record(set({ backup_start_date: START + k * 900_000, backup_finish_date: START + k * 900_000 + 1000 }), [path(START + k * 900_000)], 2);
    store.record(set({ type: 'D' }), ['X:\\one.bak'], 2);
    store.record(set({ type: 'D' }), ['x:\\ONE.bak'], 2);
    // Two runs within one second name the same file: the second is appended (FILE = 2).
    store.record(set({ backup_start_date: START + 4 * 900_000 + 300, backup_finish_date: START + 4 * 900_000 + 900 }), [path(START + 4 * 900_000)], 2);
    expect(store.onDevice(path(START + 2 * 900_000).toUpperCase()).map((b) => b.backup_set_id)).toEqual([3]);
    expect(store.onDevice(path(START + 4 * 900_000)).map((b) => [b.backup_set_id, b.position])).toEqual([
      [5, 1],
      [8, 2],
    ]);
    expect(store.onDevice('X:\\ONE.BAK').map((b) => b.position)).toEqual([1, 2]);
    expect(store.onDevice(path(START + 60_000))).toEqual([]);
    expect(store.ofDatabase("SALES ]q'4 BJÖRN")).toHaveLength(8);
  });

  it('deletes history without reusing ids or file positions', () => {
    const store = new BackupStore();
    for (let k = 0; k < 4; k++) store.record(set({ type: 'D', backup_start_date: START + k * 1000, backup_finish_date: START + k * 1000 + 10 }), ['X:\\full.bak'], 2);
    store.keep((b) => b.backup_set_id > 2);
    expect(store.all().map((b) => b.backup_set_id)).toEqual([3, 4]);
    expect([store.edge('first')?.backup_set_id, store.edge('last')?.backup_set_id]).toEqual([3, 4]);
    expect(store.from(2).map((b) => b.backup_set_id)).toEqual([3, 4]);
    expect(store.byId(1)).toBeUndefined();
    expect(store.families(1)).toEqual([]);
    const next = store.record(set({ type: 'D' }), ['X:\\full.bak'], 2);
    expect([next.backup_set_id, next.position]).toEqual([5, 5]);
    expect(store.onDevice('X:\\full.bak').map((b) => b.position)).toEqual([3, 4, 5]);
  });

  it('takes later facts about a set: media found damaged, a device type, columns msdb allows to be NULL', () => {
    const store = new BackupStore();
    const row = store.record(set(), [path(START)], 2);
    row.is_damaged = true;
    store.families(1)[0]!.device_type = 7;
    store.blank(1, ['first_lsn', 'backup_start_date']);
    const again = store.byId(1)!;
    expect([again.is_damaged, store.families(1)[0]!.device_type, again.first_lsn, again.backup_start_date, again.last_lsn]).toEqual([true, 7, null, null, set().last_lsn]);
    store.blank(1, []);
    expect(store.byId(1)!.first_lsn).toBe(set().first_lsn);
  });
});
