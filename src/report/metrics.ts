import { Counter, Gauge, Registry } from 'prom-client';
import { STATUSES, type Status } from '../domain/status.js';
import { visible } from '../domain/visible.js';
import type { FleetSnapshot } from '../fleet/snapshot.js';

/**
 * The fleet's state as Prometheus metrics (README: "Prometheus exporter"), read from the newest snapshot
 * at every scrape: nothing is kept between scrapes but the registry. Names follow Prometheus conventions
 * (base units, `_seconds`, `_timestamp_seconds`, `_total`, `_info`); a status is a state set (one series
 * per status, 1 for the current one). Label values from servers go through `visible`, so a name with a
 * control character cannot drive the terminal of someone reading /metrics; nothing secret is a label.
 */

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

interface Series {
  labels: Record<string, string>;
  value: number | null;
}

/** A gauge whose series are computed from the snapshot at each scrape (series that are gone disappear). */
function gauge(registry: Registry, name: string, help: string, labelNames: string[], read: (s: FleetSnapshot) => Series[], snapshot: () => FleetSnapshot): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of read(snapshot())) if (s.value !== null && Number.isFinite(s.value)) this.set(s.labels, s.value);
    },
  });
}

/** One series per status, 1 for the current one: a state-set, so `== 1` selects and alerts read the status. */
function stateSet(labels: Record<string, string>, current: Status): Series[] {
  return STATUSES.map((status) => ({ labels: { ...labels, status }, value: status === current ? 1 : 0 }));
}

export function fleetMetrics(snapshot: () => FleetSnapshot, build: { version: string }): Registry {
  const registry = new Registry();
  const inst = (name: string) => ({ instance_name: visible(name) });
  const db = (d: FleetSnapshot['databases'][number]) => ({ instance_name: visible(d.instance), database: visible(d.name) });
  const group = (name: string) => ({ group: visible(name) });

  gauge(registry, 'rpotop_build_info', 'rpotop build: version and the Node.js running it.', ['version', 'node_version'], () => [{ labels: { version: build.version, node_version: process.version }, value: 1 }], snapshot);

  gauge(registry, 'rpotop_instance_up', 'Whether the instance answered its last poll and its data is fresh (0: UNKNOWN).', ['instance_name'], (s) => s.instances.map((i) => ({ labels: inst(i.name), value: i.status === 'UNKNOWN' ? 0 : 1 })), snapshot);
  gauge(
    registry,
    'rpotop_instance_agent_running',
    'Whether SQL Server Agent runs on the instance (sys.dm_server_services; absent where not read: no VIEW SERVER STATE, 2008 R2).',
    ['instance_name'],
    (s) => s.instances.filter((i) => i.agentRunning !== null).map((i) => ({ labels: inst(i.name), value: i.agentRunning ? 1 : 0 })),
    snapshot,
  );
  gauge(registry, 'rpotop_instance_poll_duration_seconds', 'How long the last successful poll of the instance took (one round trip).', ['instance_name'], (s) => s.instances.map((i) => ({ labels: inst(i.name), value: seconds(i.pollMs) })), snapshot);
  gauge(registry, 'rpotop_instance_last_poll_success_timestamp_seconds', 'When the instance last answered a poll (Unix time).', ['instance_name'], (s) => s.instances.map((i) => ({ labels: inst(i.name), value: seconds(i.lastSuccessAt) })), snapshot);
  new Counter({
    name: 'rpotop_poll_errors_total',
    help: 'Polls of the instance that failed since the exporter started.',
    labelNames: ['instance_name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const i of snapshot().instances) this.inc(inst(i.name), i.pollErrors);
    },
  });

  gauge(registry, 'rpotop_database_status', 'The database status as a state set: 1 for its current status (OK, WARN, BREACH, UNPROTECTED, UNKNOWN).', ['instance_name', 'database', 'status'], (s) => s.databases.flatMap((d) => stateSet(db(d), d.assessment.status)), snapshot);
  gauge(registry, 'rpotop_database_exposure_seconds', 'Data that a restore now would lose: time since the newest restorable point.', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: seconds(d.assessment.exposureMs) })), snapshot);
  gauge(registry, 'rpotop_database_rpo_seconds', 'The recovery point objective the inventory sets for the database.', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: d.targets.rpoMinutes * 60 })), snapshot);
  gauge(registry, 'rpotop_database_rto_seconds', 'The recovery time objective the inventory sets for the database.', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: d.targets.rtoMinutes * 60 })), snapshot);
  gauge(
    registry,
    'rpotop_database_last_backup_timestamp_seconds',
    'When the newest backup of each type finished (Unix time).',
    ['instance_name', 'database', 'type'],
    (s) =>
      s.databases.flatMap((d) => [
        { labels: { ...db(d), type: 'full' }, value: seconds(d.assessment.lastFull?.finish ?? null) },
        { labels: { ...db(d), type: 'diff' }, value: seconds(d.assessment.lastDiff?.finish ?? null) },
        { labels: { ...db(d), type: 'log' }, value: seconds(d.assessment.lastLog?.finish ?? null) },
      ]),
    snapshot,
  );
  gauge(registry, 'rpotop_database_restorable_to_timestamp_seconds', 'The newest point the database can be restored to from its backups (Unix time).', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: seconds(d.assessment.chain?.restorableTo ?? null) })), snapshot);
  gauge(registry, 'rpotop_database_estimated_restore_seconds', 'How long a restore of the database is estimated to take.', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: d.rto?.seconds ?? null })), snapshot);
  gauge(registry, 'rpotop_database_last_drill_timestamp_seconds', 'When the newest restore drill of the database finished (Unix time).', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: d.lastDrill ? Date.parse(d.lastDrill.finishedAt) / 1000 : null })), snapshot);
  gauge(registry, 'rpotop_database_last_drill_passed', 'Whether the newest restore drill passed (1) or not (0: CHECKDB errors, a failed or interrupted restore).', ['instance_name', 'database'], (s) => s.databases.map((d) => ({ labels: db(d), value: d.lastDrill ? (d.lastDrill.result === 'passed' ? 1 : 0) : null })), snapshot);
  gauge(registry, 'rpotop_database_group_info', 'Which application group a database belongs to (one series per group), to join on.', ['instance_name', 'database', 'group'], (s) => s.databases.flatMap((d) => d.groups.map((g) => ({ labels: { ...db(d), ...group(g) }, value: 1 }))), snapshot);

  gauge(registry, 'rpotop_group_status', 'The application group status as a state set: 1 for its current status.', ['group', 'status'], (s) => s.groups.flatMap((g) => stateSet(group(g.name), g.status)), snapshot);
  gauge(registry, 'rpotop_group_common_recovery_point_timestamp_seconds', 'The latest instant every member of the group can be restored to together (Unix time).', ['group'], (s) => s.groups.map((g) => ({ labels: group(g.name), value: seconds(g.commonPoint) })), snapshot);
  gauge(registry, 'rpotop_group_exposure_seconds', 'Data a restore of the whole group now would lose.', ['group'], (s) => s.groups.map((g) => ({ labels: group(g.name), value: seconds(g.exposureMs) })), snapshot);
  gauge(registry, 'rpotop_group_rpo_seconds', 'The recovery point objective of the group.', ['group'], (s) => s.groups.map((g) => ({ labels: group(g.name), value: g.targets.rpoMinutes * 60 })), snapshot);
  gauge(registry, 'rpotop_group_estimated_restore_seconds', 'How long a restore of the whole group is estimated to take.', ['group'], (s) => s.groups.map((g) => ({ labels: group(g.name), value: g.rto?.seconds ?? null })), snapshot);
  return registry;
}
