import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import type { DatabaseRow, HistoryRow, ServerRow } from '../../src/sql/rows.js';
import { buildSnapshot, type FleetSnapshot } from '../../src/fleet/snapshot.js';
import { InstanceTracker } from '../../src/fleet/tracker.js';
import { selectHistory } from '../../src/sim/catalog-handlers.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory } from '../../src/sim/demo.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';

/**
 * A snapshot of the seeds scenario for component tests, made from the simulator's model without
 * sockets: the same rows the catalog handlers would send, fed to the real tracker and snapshot.
 * (The driver path is covered by test/fleet; here speed matters.)
 */
export function fixtureSnapshot(now = Date.now()): FleetSnapshot {
  const scenario = loadScenario('seeds');
  const fleet = new SimFleet({ scenario, clock: new SimClock(() => now), manualClock: true });
  const endpoints = [...fleet.instances.values()].map((i, n) => ({ name: i.name, host: '127.0.0.1', port: 40000 + n, login: 'rpotop', password: 'x' }));
  const inventory = resolveInventory(configSchema.parse(demoInventory(scenario, endpoints)));
  const trackers = inventory.config.instances.map((cfg) => {
    const inst = fleet.instance(cfg.name);
    const t = new InstanceTracker(cfg, 8);
    const server: ServerRow = {
      server_name: inst.name, product_version: inst.options.version, edition: 'Developer Edition (64-bit)', local_now: inst.localNow(now),
      utc_offset_minutes: inst.options.timeZoneMinutes, encrypt_option: 'FALSE', has_view_server_state: 1, has_msdb_access: 1,
      msdb_min_backup_set_id: 1, msdb_max_backup_set_id: inst.backupset.length,
    };
    const history: HistoryRow[] = selectHistory(inst.backupset, 0, 8, inst.localNow(now)).flatMap((b) =>
      inst.devicesOf(b).map((m) => ({
        backup_set_id: b.backup_set_id, backup_set_uuid: b.backup_set_uuid, media_set_id: b.media_set_id, database_name: b.database_name,
        database_guid: b.database_guid, family_guid: b.family_guid, type: b.type, recovery_model: b.recovery_model,
        first_lsn: String(b.first_lsn), last_lsn: String(b.last_lsn), checkpoint_lsn: String(b.checkpoint_lsn),
        database_backup_lsn: b.database_backup_lsn === null ? null : String(b.database_backup_lsn),
        differential_base_lsn: b.differential_base_lsn === null ? null : String(b.differential_base_lsn),
        differential_base_guid: b.differential_base_guid, first_recovery_fork_guid: b.first_recovery_fork_guid, last_recovery_fork_guid: b.last_recovery_fork_guid,
        is_copy_only: b.is_copy_only, is_damaged: b.is_damaged, is_snapshot: b.is_snapshot, has_bulk_logged_data: b.has_bulk_logged_data,
        begins_log_chain: b.begins_log_chain, has_backup_checksums: b.has_backup_checksums, is_force_offline: b.is_force_offline,
        has_incomplete_metadata: b.has_incomplete_metadata, backup_start_date: b.backup_start_date, backup_finish_date: b.backup_finish_date,
        time_zone: b.time_zone, backup_size: b.backup_size, compressed_backup_size: b.compressed_backup_size,
        family_count: inst.devicesOf(b).length, family_sequence_number: m.family_sequence_number, physical_device_name: m.physical_device_name, device_type: m.device_type,
      })),
    );
    const databases: DatabaseRow[] = inst.databases
      .filter((d) => d.databaseId !== 2)
      .map((d) => ({
        database_id: d.databaseId, name: d.name, state_desc: d.state, recovery_model_desc: d.recoveryModel, is_read_only: d.isReadOnly,
        is_in_standby: d.isInStandby, user_access_desc: d.userAccess, database_guid: d.databaseGuid, recovery_fork_guid: d.recoveryForkGuid,
        last_log_backup_lsn: d.chainEnd === null ? null : String(d.chainEnd), ag_name: d.ag?.name ?? null, ag_role: d.ag?.roles.get(inst.name) ?? null,
        is_preferred_backup_replica: d.ag ? d.ag.preferredBackupReplica === inst.name : null,
      }));
    t.apply({ server, databases, files: [], history }, now, 5, true);
    return t;
  });
  return buildSnapshot(trackers, { inventory, now, staleAfterMs: 60_000 });
}
