import { classifyDatabase, type Inventory } from '../config/resolve.js';
import type { DatabaseState, RestoredBackup } from '../domain/database.js';
import { findings as databaseFindings, incompleteHistoryFinding, rtoFinding, type Finding, type IncompleteBackup } from '../domain/findings.js';
import type { BackupSet } from '../domain/history.js';
import { estimateRto, type RtoEstimate } from '../domain/rto.js';
import { buildRestoreChain, incarnationOf, type ChainResult } from '../domain/chain.js';
import { assess, statusSeverity, worstStatus, type Assessment, type Status } from '../domain/status.js';
import type { ResolvedTargets } from '../domain/targets.js';
import type { InstanceConfig } from '../config/schema.js';
import type { InstanceTracker } from './tracker.js';
import { linkMode, type LinkMode } from '../config/schema.js';
import type { GroupAssessment } from '../domain/group.js';
import type { LogMark } from '../domain/marks.js';
import { assessGroups } from './groups.js';
import { drillable, drillFindings, drillKey, drillThroughput, type DrillRecord } from '../domain/drill.js';
import type { ThroughputSample } from '../domain/rto.js';
import { agentNote, type DatabaseJob } from '../domain/agent.js';
import { formatServerTime, utcOffsetLabel, utcToServerLocal } from '../domain/time.js';

export interface InstanceSnapshot {
  name: string;
  host: string;
  status: Status;
  /** Why it is UNKNOWN, with SQL Server's or the network's words. */
  error: string | null;
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  failures: number;
  /** Failed polls since the poller started. */
  pollErrors: number;
  pollMs: number | null;
  version: string | null;
  edition: string | null;
  utcOffsetMinutes: number | null;
  /** @@SERVERNAME: what msdb records as a backup's server_name, which a standby's restores name. */
  serverName: string | null;
  /** The server's clock at the last poll (UTC ms). */
  serverNow: number | null;
  /** mode: what the inventory asks for; configured: whether that is some TLS; inForce: what the server reports. */
  encryption: { mode: LinkMode; configured: boolean; inForce: boolean | null };
  /** Whether SQL Server Agent runs (sys.dm_server_services); null when not read (no VIEW SERVER STATE, 2008 R2, not yet). */
  agentRunning: boolean | null;
  /** The login may create (and so restore) databases; null when not known yet. */
  canCreateDatabase: boolean | null;
  readOnly: boolean;
  findings: Finding[];
  databaseCount: number;
}

/** Instances whose link is cleartext although the inventory asks for TLS: every surface names them. */
export function cleartextInstances(snapshot: Pick<FleetSnapshot, 'instances'>): InstanceSnapshot[] {
  return snapshot.instances.filter((i) => i.encryption.configured && i.encryption.inForce === false);
}

/** An instance's clock now (UTC ms): its time at the last poll, advanced by the time since; null before one. */
export function serverClock(i: InstanceSnapshot, now: number): number | null {
  return i.serverNow !== null && i.lastSuccessAt !== null ? i.serverNow + (now - i.lastSuccessAt) : null;
}

export interface DatabaseSnapshot {
  key: string;
  instance: string;
  name: string;
  inventoried: boolean;
  groups: string[];
  state: DatabaseState;
  targets: ResolvedTargets;
  assessment: Assessment;
  findings: Finding[];
  rto: RtoEstimate | null;
  history: readonly BackupSet[];
  /** Marked transactions of the last day (logmarkhistory), read now and then. */
  marks: readonly LogMark[];
  /** Replicas whose history was merged in (availability groups). */
  mergedFrom: string[];
  observedAt: number | null;
  /** The SQL Agent job steps that back it up; null when Agent's tables were not read (not yet, or no permission). */
  jobs: DatabaseJob[] | null;
  /** Its newest restore drill, from the drill log; null when never drilled (or not drillable: system, standby). */
  lastDrill: DrillRecord | null;
  /** The newest full restore of its backups any inventoried instance recorded (restorehistory), drill or not. */
  lastRestored: RestoredBackup | null;
}

export interface FleetSnapshot {
  fleet: string;
  takenAt: number;
  instances: InstanceSnapshot[];
  databases: DatabaseSnapshot[];
  counts: Record<Status, number>;
  /** The inventory's application groups: common recovery point, group exposure and restore time. */
  groups: GroupAssessment[];
  /** Worst status over inventoried databases, instances and groups. */
  worst: Status;
}

export interface SnapshotContext {
  inventory: Inventory;
  now: number;
  staleAfterMs: number;
  /** The drill log's newest drill per database (drillKey), when one is kept. */
  drills?: ReadonlyMap<string, DrillRecord>;
}

/**
 * Restores measured on each instance (drills whose copy was restored there), as the restore estimate's
 * evidence, with a key that changes when a new drill arrives.
 */
function restoreSamples(drills: ReadonlyMap<string, DrillRecord> | undefined): Map<string, { key: string; samples: ThroughputSample[] }> {
  const byInstance = new Map<string, { key: string; samples: ThroughputSample[] }>();
  for (const d of drills?.values() ?? []) {
    if (drillThroughput(d) === null) continue;
    const entry = byInstance.get(d.target) ?? { key: '', samples: [] };
    entry.samples.push({ kind: 'restore', bytes: d.bytes, seconds: d.restoreMs / 1000, measured: { at: d.finishedAt, on: d.target } });
    entry.key += `${d.id},`;
    byInstance.set(d.target, entry);
  }
  return byInstance;
}

/**
 * What depends on a database's history but not on the clock: its restore chain, findings and restore
 * estimate. Kept per history array (a tracker hands out the same array until new rows arrive), so a
 * snapshot taken every second rebuilds only exposures.
 */
interface HistoryDerived {
  guid: string | null;
  fork: string | null;
  filesAt: number;
  /** The drills measured on the instance when derived: a new one changes the restore estimate. */
  drillsKey: string;
  chain: ChainResult;
  findings: Finding[];
  rto: RtoEstimate | null;
}
const derivedCache = new WeakMap<readonly BackupSet[], HistoryDerived>();

function derive(
  db: DatabaseState,
  history: readonly BackupSet[],
  rtoMinutes: number,
  filesAt: number,
  measured: { key: string; samples: ThroughputSample[] } = { key: '', samples: [] },
): HistoryDerived {
  const cached = derivedCache.get(history);
  if (cached && cached.guid === db.databaseGuid && cached.fork === db.recoveryForkGuid && cached.filesAt === filesAt && cached.drillsKey === measured.key) return cached;
  const chain = buildRestoreChain(history, { kind: 'latest' }, incarnationOf(db, history));
  const samples: ThroughputSample[] = [
    ...measured.samples,
    ...history.filter((b) => b.finish > b.start).map((b) => ({ kind: 'backup' as const, bytes: b.backupSize, seconds: (b.finish - b.start) / 1000 })),
  ];
  const rto = chain.ok ? estimateRto(chain.chain, samples) : null;
  const found = databaseFindings(db, history);
  const slow = rto ? rtoFinding(rto, rtoMinutes) : null;
  if (slow) found.push(slow);
  const derived = { guid: db.databaseGuid, fork: db.recoveryForkGuid, filesAt, drillsKey: measured.key, chain, findings: found, rto };
  derivedCache.set(history, derived);
  return derived;
}

/** The derived findings, plus one for backup sets msdb recorded incompletely (rare: a new array only then). */
function withIncomplete(found: Finding[], incomplete: IncompleteBackup[]): Finding[] {
  const finding = incompleteHistoryFinding(incomplete);
  return finding ? [...found, finding] : found;
}

/** A value per owner and name, made on first use and kept while the owner lives. */
function perName<O extends object, V>(cache: WeakMap<O, Map<string, V>>, owner: O, name: string, make: () => V): V {
  let byName = cache.get(owner);
  if (!byName) cache.set(owner, (byName = new Map()));
  let value = byName.get(name);
  if (value === undefined) byName.set(name, (value = make()));
  return value;
}

/**
 * Classification depends only on the inventory and the names: computed once per database, kept on the
 * instance's entry of the inventory (an inventory's own object, so a new inventory classifies anew).
 */
const classifications = new WeakMap<InstanceConfig, Map<string, ReturnType<typeof classifyDatabase>>>();

/**
 * A database's key, the same string in every snapshot: the grid compares keys to break ties when it
 * sorts, and a string built afresh each snapshot would be flattened again on its first comparison.
 */
const keys = new WeakMap<InstanceTracker, Map<string, string>>();

function agKey(ag: string, database: string): string {
  return `${ag.toLowerCase()}\u0000${database.toLowerCase()}`;
}

/**
 * The fleet as the UI and reports read it: every inventoried instance and database with its status,
 * availability-group history merged across the replicas in the inventory.
 */
export function buildSnapshot(trackers: readonly InstanceTracker[], ctx: SnapshotContext): FleetSnapshot {
  // Availability group databases: every replica's history and the primary's state.
  const agHistory = new Map<string, { parts: (readonly BackupSet[])[]; replicas: string[]; primary: DatabaseState | null }>();
  for (const t of trackers) {
    for (const db of t.databases) {
      if (!db.availabilityGroup) continue;
      const key = agKey(db.availabilityGroup.name, db.name);
      const entry = agHistory.get(key) ?? { parts: [], replicas: [], primary: null };
      entry.parts.push(t.historyOf(db.name));
      entry.replicas.push(t.name);
      if (db.availabilityGroup.role === 'PRIMARY') entry.primary = db;
      agHistory.set(key, entry);
    }
  }

  const trackerOf = new Map(trackers.map((t) => [t.name, t]));
  const instances: InstanceSnapshot[] = [];
  const databases: DatabaseSnapshot[] = [];
  const measured = restoreSamples(ctx.drills);
  const restored = newestRestores(trackers);
  const drillMaxAgeDays = ctx.inventory.config.drills.maxAgeDays;
  for (const t of trackers) {
    const unreachable = t.lastError !== null && (t.lastAttemptAt ?? 0) >= (t.lastSuccessAt ?? 0) ? t.lastError : null;
    const stale = t.lastSuccessAt === null || ctx.now - t.lastSuccessAt > ctx.staleAfterMs;
    const instanceFindings: Finding[] = [];
    const inForce = t.server?.encrypt_option ? t.server.encrypt_option.toUpperCase() === 'TRUE' : null;
    const mode = linkMode(t.config.encrypt);
    if (mode !== 'off' && inForce === false) {
      instanceFindings.push(
        mode === 'prefer'
          ? {
              code: 'cleartext-link',
              severity: 'warning',
              text: 'cleartext link: the server does not offer TLS and "encrypt": "prefer" allows it, so the login crossed the network with its password only scrambled',
            }
          : {
              code: 'cleartext-link',
              severity: 'critical',
              text: 'the inventory requires encryption but this link is cleartext: the check before the login did not hold, and the password may have crossed in cleartext',
            },
      );
    }
    if (t.server && t.server.has_view_server_state === 0) {
      instanceFindings.push({
        code: 'missing-permission',
        severity: 'warning',
        text: "the login lacks VIEW SERVER STATE: link encryption, volumes, availability-group roles and sys.dm_exec_requests' restore progress are not read (GRANT VIEW SERVER STATE TO the login)",
      });
    }
    // A stopped Agent runs no backup job, whatever its jobs say.
    const agentDown = t.agentService && !t.agentService.running ? `SQL Server Agent is not running (${t.agentService.status}): no backup job runs until it is started` : null;
    if (agentDown) instanceFindings.push({ code: 'agent-stopped', severity: 'critical', text: `${agentDown} (start the SQL Server Agent service, and set it to start automatically)` });
    if (t.agentReadable === false) {
      instanceFindings.push({
        code: 'missing-permission',
        severity: 'warning',
        text: "the login may not read SQL Agent's job tables: whether a backup job is disabled or failing, and SQL Server's message, are not shown (USE msdb; GRANT SELECT ON dbo.sysjobs, dbo.sysjobsteps, dbo.sysjobschedules, dbo.sysjobhistory and dbo.sysjobactivity TO the login)",
      });
    }
    const serverNow = t.serverNowAtPoll;
    instances.push({
      name: t.name,
      host: t.config.instanceName ? `${t.config.host}\\${t.config.instanceName}` : `${t.config.host},${t.config.port ?? 1433}`,
      status: unreachable || stale ? 'UNKNOWN' : 'OK',
      error: unreachable ?? (t.lastSuccessAt === null ? 'not polled yet' : stale ? 'data is stale' : null),
      lastSuccessAt: t.lastSuccessAt,
      lastAttemptAt: t.lastAttemptAt,
      failures: t.failures,
      pollErrors: t.failedPolls,
      pollMs: t.lastPollMs,
      version: t.server?.product_version ?? null,
      edition: t.server?.edition ?? null,
      utcOffsetMinutes: t.server?.utc_offset_minutes ?? null,
      serverName: t.server?.server_name ?? null,
      serverNow,
      encryption: { mode, configured: mode !== 'off', inForce },
      agentRunning: t.agentService?.running ?? null,
      canCreateDatabase: t.server?.can_create_database == null ? null : t.server.can_create_database === 1,
      readOnly: t.config.readOnly || ctx.inventory.config.readOnly,
      findings: instanceFindings,
      databaseCount: t.databases.length,
    });

    for (const db of t.databases) {
      const ag = db.availabilityGroup ? agHistory.get(agKey(db.availabilityGroup.name, db.name)) : undefined;
      const history = ag ? merged(ag.parts) : t.historyOf(db.name);
      const state = ag?.primary && ag.primary !== db ? { ...db, lastLogBackupLsn: ag.primary.lastLogBackupLsn } : db;
      const classification = perName(classifications, t.config, db.name, () => classifyDatabase(ctx.inventory, t.name, db.name));
      const derived = derive(db, history, classification.targets.rtoMinutes, t.filesAt, measured.get(t.name));
      const lastDrill = drillable(db) ? (ctx.drills?.get(drillKey(t.name, db.name)) ?? null) : null;
      const lastRestored = restored.get(drillKey(t.server?.server_name ?? t.name, db.name)) ?? null;
      const drillNotes = drillable(db) && classification.inventoried ? drillFindings(lastDrill, ctx.now, drillMaxAgeDays, classification.targets.rtoMinutes * 60, lastRestored) : [];
      const assessment = assess(
        state,
        history,
        classification.targets,
        {
          serverNow: serverNow ?? ctx.now,
          observedAt: t.lastSuccessAt ?? 0,
          localNow: ctx.now,
          staleAfterMs: ctx.staleAfterMs,
          unreachable,
        },
        derived.chain,
      );
      // SQL Agent's word on its backups (read with the files): part of the reason where the status is not OK.
      const offset = t.server?.utc_offset_minutes ?? 0;
      const jobs = ag ? replicaJobs(db.name, ag.replicas, t.name, trackerOf) : t.jobsOf(db.name);
      const rpoMs = classification.targets.rpoMinutes * 60_000;
      const agentSays = jobs ? agentNote(db, assessment.lastFull !== null, jobs, serverNow ?? ctx.now, (utc) => `${formatServerTime(utcToServerLocal(utc, offset)).slice(0, 16)} (${utcOffsetLabel(offset)})`, rpoMs) : null;
      // A group's database may be backed up on another replica: its jobs there say whether this Agent matters.
      const why = agentDown && db.state === 'ONLINE' && !ag ? agentDown : agentSays;
      const explained = why && assessment.status !== 'OK' && assessment.status !== 'UNKNOWN' ? { ...assessment, reason: `${assessment.reason}; ${why}` } : assessment;
      databases.push({
        key: perName(keys, t, db.name, () => `${t.name}/${db.name}`),
        instance: t.name,
        name: db.name,
        inventoried: classification.inventoried,
        groups: classification.groups.map((g) => g.name),
        state: db,
        targets: classification.targets,
        assessment: explained,
        findings: [
          ...withIncomplete(derived.findings, t.incompleteOf(db.name)),
          ...drillNotes,
          ...(agentSays && classification.inventoried ? [{ code: 'backup-job' as const, severity: 'warning' as const, text: agentSays }] : []),
        ],
        jobs,
        rto: derived.rto,
        history,
        marks: t.marksOf(db.name),
        mergedFrom: ag ? ag.replicas.filter((r) => r !== t.name) : [],
        observedAt: t.lastSuccessAt,
        lastDrill,
        lastRestored,
      });
    }
  }

  const counts: Record<Status, number> = { OK: 0, WARN: 0, BREACH: 0, UNPROTECTED: 0, UNKNOWN: 0 };
  for (const d of databases) if (d.inventoried) counts[d.assessment.status]++;
  const clocks = new Map(instances.map((i) => [i.name, serverClock(i, ctx.now) ?? ctx.now]));
  const groups = assessGroups(ctx.inventory, databases, instances, ctx.now, clocks);
  const worst = worstStatus([
    ...databases.filter((d) => d.inventoried).map((d) => d.assessment.status),
    ...instances.map((i) => i.status),
    ...groups.map((g) => g.status),
  ]);
  databases.sort(
    (a, b) =>
      statusSeverity[b.assessment.status] - statusSeverity[a.assessment.status] ||
      (b.assessment.exposureMs ?? Infinity) - (a.assessment.exposureMs ?? Infinity) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  return { fleet: ctx.inventory.config.fleet, takenAt: ctx.now, instances, databases, counts, groups, worst };
}

/** The newest full restore of each server's database's backups across the fleet, by source @@SERVERNAME and name. */
function newestRestores(trackers: readonly InstanceTracker[]): Map<string, RestoredBackup> {
  const newest = new Map<string, RestoredBackup>();
  for (const t of trackers) {
    for (const r of t.restored) {
      const key = drillKey(r.sourceServer, r.sourceDatabase);
      const current = newest.get(key);
      if (!current || r.at > current.at) newest.set(key, r);
    }
  }
  return newest;
}

/** Merged histories by their first replica's array: the same merged array while no replica's rows change. */
const mergedCache = new WeakMap<readonly BackupSet[], { parts: (readonly BackupSet[])[]; rows: readonly BackupSet[] }>();

/** An availability group database's history over its replicas, each backup set once (by its uuid). */
function merged(parts: (readonly BackupSet[])[]): readonly BackupSet[] {
  const cached = mergedCache.get(parts[0]!);
  if (cached && cached.parts.length === parts.length && cached.parts.every((p, i) => p === parts[i])) return cached.rows;
  const seen = new Map<string, BackupSet>();
  for (const part of parts) for (const b of part) seen.set(b.backupSetUuid.toLowerCase(), b);
  const rows = [...seen.values()];
  mergedCache.set(parts[0]!, { parts, rows });
  return rows;
}

/**
 * The Agent jobs of every replica of an availability group's database, each named with its replica when it
 * is not this instance and marked when that replica's Agent is stopped. Null when a replica's Agent tables
 * were not read: a job there could be the one that backs it up.
 */
function replicaJobs(database: string, replicas: readonly string[], self: string, trackerOf: ReadonlyMap<string, InstanceTracker>): DatabaseJob[] | null {
  const all: DatabaseJob[] = [];
  for (const name of replicas) {
    const r = trackerOf.get(name);
    const jobs = r?.jobsOf(database);
    if (!r || !jobs) return null;
    const agentStopped = r.agentService !== null && !r.agentService.running;
    for (const j of jobs) all.push({ ...j, ...(name !== self ? { replica: name } : {}), ...(agentStopped ? { agentStopped } : {}) });
  }
  return all;
}
