import { z } from 'zod';
import { DURATION_PATTERN } from '../config/duration.js';
import { presetIds } from '../config/presets.js';

/**
 * Scenarios are data: the instances of a simulated estate, their databases, the backup jobs that ran
 * on them over the history window, one-off events (a recovery-model switch, a log backup to NUL) and
 * the faults an instance shows. Relative times like "-2h30m" count back from the moment the fleet starts.
 */

const duration = z.string().regex(DURATION_PATTERN, 'a duration such as "15m", "6h", "1d"');
const relative = z.string().regex(/^-(?=\d)(\d+d)?(\d+h)?(\d+m)?$/, 'a time before now such as "-2h30m"');

const job = z.strictObject({
  type: z.enum(['full', 'diff', 'log']),
  every: duration,
  /** Phase within the period, e.g. a daily full at "1h30m" after midnight UTC. */
  offset: duration.optional(),
  copyOnly: z.boolean().default(false),
  nul: z.boolean().default(false),
  stripes: z.number().int().min(1).max(64).default(1),
  checksum: z.boolean().default(true),
  compression: z.boolean().default(true),
  /** The job runs but every run fails: nothing reaches msdb. */
  failing: z.boolean().default(false),
  /** Every run from then on fails (the backup share filled up), as Agent's history shows. */
  failsFrom: relative.optional(),
  /**
   * The run due at or after then starts and never ends (blocked, or writing to a share that stopped
   * answering): nothing reaches msdb, Agent records no outcome and starts no other run of the job.
   */
  hangsFrom: relative.optional(),
  from: relative.optional(),
  until: relative.optional(),
  /** For availability group databases: the replica the job runs on. */
  on: z.string().optional(),
  /**
   * Log jobs only: mark the log first, as the Backup BizTalk Server job does (a marked transaction across its
   * databases, named PREFIX_yyyy_MM_dd_HH_mm_ss_fff), so every database's log backup holds the same mark.
   */
  mark: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/).optional(),
  path: z.string().optional(),
});

const event = z.strictObject({
  at: relative,
  action: z.enum(['recovery-model', 'backup', 'bulk-operation', 'damage-last-backup']),
  recoveryModel: z.enum(['FULL', 'BULK_LOGGED', 'SIMPLE']).optional(),
  type: z.enum(['full', 'diff', 'log']).optional(),
  nul: z.boolean().optional(),
  copyOnly: z.boolean().optional(),
  on: z.string().optional(),
});

const database = z.strictObject({
  name: z.string().min(1),
  recovery: z.enum(['FULL', 'BULK_LOGGED', 'SIMPLE']),
  dataGb: z.number().positive().default(10),
  logGb: z.number().positive().default(2),
  dataPath: z.string().default('D:\\MSSQL\\Data'),
  logPath: z.string().default('L:\\MSSQL\\Log'),
  /** The RPO the demo inventory gives this database (the scenario's intent, not server state). */
  rpo: duration.optional(),
  /** Pages DBCC CHECKDB reports damaged (8928/8939); its backups carry them to every restored copy. */
  damagedPages: z.array(z.number().int().positive()).default([]),
  jobs: z.array(job).default([]),
  events: z.array(event).default([]),
});

const faults = z
  .strictObject({
    refuse: z.boolean().optional(),
    hangLogin: z.boolean().optional(),
    hangQuery: z.boolean().optional(),
    dropMidResult: z.boolean().optional(),
    slowPacketMs: z.number().int().min(0).optional(),
    transientLoginFailures: z.number().int().min(0).optional(),
    latencyMs: z.number().int().min(0).optional(),
  })
  .default({});

/** What the scenario's login may do, where it differs from a sysadmin's (a monitoring login, say). */
const permissions = z.strictObject({
  viewServerState: z.boolean().optional(),
  selectMsdbHistory: z.boolean().optional(),
  backupLog: z.boolean().optional(),
  createAnyDatabase: z.boolean().optional(),
  readCms: z.boolean().optional(),
  selectMsdbAgent: z.boolean().optional(),
});

/** A server registered when the instance is a Central Management Server, in a folder path such as "Production/ERP". */
const registeredServer = z.strictObject({
  group: z.string().default(''),
  name: z.string().min(1),
  serverName: z.string().min(1),
  description: z.string().default(''),
});

/**
 * Log shipping to this instance, as SQL Server's log shipping or BizTalk's destination system does it: the
 * primary's newest full restored WITH NORECOVERY, then each of its log backups in turn on the schedule, so
 * the copies stay RESTORING a little behind. `until` stops the restore job (a standby falling behind).
 */
const logShipping = z.strictObject({
  from: z.string(),
  databases: z.array(z.string().min(1)).min(1),
  every: duration.default('15m'),
  /** Phase within the period: after the primary's log backups, as a restore job is scheduled. */
  offset: duration.default('5m'),
  until: relative.optional(),
});

const instance = z.strictObject({
  name: z.string().min(1),
  /** SERVERPROPERTY('ProductVersion'): 10.50.x is 2008 R2, 11.0 2012, 12.0 2014, 13.0 2016, 14.0 2017, 15.0 2019, 16.0 2022. */
  version: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'a product version such as "16.0.4135.4"').default('16.0.4135.4'),
  permissions: permissions.optional(),
  timeZoneMinutes: z.number().int().default(0),
  /** SQL Server Agent stopped then (and not started since): no job runs after it (sys.dm_server_services says Stopped). */
  agentStoppedFrom: relative.optional(),
  description: z.string().optional(),
  /** How fast RESTORE, BACKUP and DBCC CHECKDB run here over TDS, in MB/s (the fleet's default otherwise). */
  throughputMBps: z.number().positive().optional(),
  /** SERVERPROPERTY('InstanceDefaultDataPath') and ('InstanceDefaultLogPath'), 2012 and later. */
  defaultDataPath: z.string().optional(),
  defaultLogPath: z.string().optional(),
  databases: z.array(database).default([]),
  faults,
  /** Faults that set in this long after the fleet starts: an instance that stops answering. */
  faultsLater: z.strictObject({ afterSeconds: z.number().min(0), faults }).optional(),
  logShipping: z.array(logShipping).default([]),
  /** Instances whose backup files this one can read (a shared backup share): a drill target's, say. */
  readsBackupsOf: z.array(z.string()).default([]),
  /** Makes the instance a Central Management Server holding these registrations. */
  registeredServers: z.array(registeredServer).default([]),
});

const availabilityGroup = z.strictObject({
  name: z.string().min(1),
  primary: z.string(),
  secondary: z.string(),
  preferredBackupReplica: z.string(),
  databases: z.array(database),
});

const group = z.strictObject({
  name: z.string(),
  preset: z.enum(presetIds).optional(),
  business: z.string().optional(),
  instance: z.string().optional(),
  rpo: duration.optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  historyHours: z.number().positive().default(192),
  instances: z.array(instance),
  availabilityGroups: z.array(availabilityGroup).default([]),
  groups: z.array(group).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioDatabase = Scenario['instances'][number]['databases'][number];
export type ScenarioJob = ScenarioDatabase['jobs'][number];
export type ScenarioEvent = ScenarioDatabase['events'][number];
export type ScenarioLogShipping = Scenario['instances'][number]['logShipping'][number];
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Parses "-2h30m" into milliseconds before the start (a negative offset). */
export function relativeMs(text: string): number {
  const m = /^-(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(text)!;
  return -((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}
