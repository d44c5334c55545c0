import type { AgentBackupStep } from '../domain/agent.js';
import type { LogMark } from '../domain/marks.js';
import { z } from 'zod';
import type { DatabaseState, DatabaseStateDesc, DatabaseFile, RestoredBackup, StandbyCopy } from '../domain/database.js';
import type { IncompleteBackup } from '../domain/findings.js';
import type { BackupSet, BackupType, RecoveryModel } from '../domain/history.js';
import { parseLsn, parseOptionalLsn } from '../domain/lsn.js';
import { serverLocalToUtc, UNKNOWN_TIME_ZONE } from '../domain/time.js';

/**
 * Rows from the driver are checked here, at the boundary, and turned into domain values; nothing past
 * this file sees a raw row. A row that does not fit names the query id and the column.
 */
export class RowShapeError extends Error {
  constructor(
    readonly queryId: string,
    readonly column: string,
    detail: string,
  ) {
    super(`${queryId}: column ${column}: ${detail}`);
    this.name = 'RowShapeError';
  }
}

export function parseRows<T>(queryId: string, schema: z.ZodType<T>, rows: readonly unknown[]): T[] {
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new RowShapeError(queryId, String(issue.path[0] ?? '?'), issue.message);
  });
}

/*
 * The schemas check types only; values are converted where rows become domain values (toBackupSets,
 * toDatabaseStates). A transform per field made zod run a pipe per value: parsing 23,000 history rows
 * (a 500-instance first poll) took 580-960 ms with them and 100-320 ms without (measured in a throwaway script).
 */
const lsnText = z.string().regex(/^\d{1,25}$/, 'expected an LSN cast to varchar(25)');
const flag = z.boolean().nullable();
const guid = z.string().nullable();
/** The driver reads datetime as UTC: its UTC fields are the server's wall clock. */
const wallClock = z.date();
const bigintText = z.union([z.string(), z.number()]).nullable();

/**
 * tedious builds each uniqueidentifier by concatenation: a tree of small strings per value that lives as
 * long as the value does (1.2 million of them, 38 MB, for a 500-instance fleet's history). A flat copy
 * keeps 36 characters instead.
 */
function flatText(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}
function flatGuid(s: string | null): string | null {
  return s === null ? null : flatText(s);
}

export const serverRow = z.object({
  server_name: z.string().nullable(),
  product_version: z.string().nullable(),
  edition: z.string().nullable(),
  local_now: wallClock.transform((d) => d.getTime()),
  utc_offset_minutes: z.number().int(),
  encrypt_option: z.string().nullable(),
  has_view_server_state: z.number().nullable(),
  can_create_database: z.number().nullable(),
  msdb_min_backup_set_id: z.number().int().nullable(),
  msdb_max_backup_set_id: z.number().int().nullable(),
});
export type ServerRow = z.output<typeof serverRow>;

export const databaseRow = z.object({
  database_id: z.number().int(),
  name: z.string(),
  state_desc: z.string().nullable(),
  recovery_model_desc: z.enum(['FULL', 'BULK_LOGGED', 'SIMPLE']).nullable(),
  is_read_only: flag,
  is_in_standby: flag,
  user_access_desc: z.string().nullable(),
  database_guid: guid,
  recovery_fork_guid: guid,
  last_log_backup_lsn: lsnText.nullable(),
  ag_name: z.string().nullable(),
  ag_role: z.string().nullable(),
  is_preferred_backup_replica: z.boolean().nullable(),
  can_backup_log: z.number().nullable(),
});
export type DatabaseRow = z.output<typeof databaseRow>;

export const fileRow = z.object({
  database_id: z.number().int(),
  file_id: z.number().int(),
  type_desc: z.string().nullable(),
  name: z.string(),
  physical_name: z.string(),
  size_bytes: bigintText,
  volume_mount_point: z.string().nullable(),
});
export type FileRow = z.output<typeof fileRow>;

export const historyRow = z.object({
  backup_set_id: z.number().int(),
  backup_set_uuid: z.string(),
  media_set_id: z.number().int(),
  position: z.number().int().nullable(),
  database_name: z.string().nullable(),
  database_guid: guid,
  family_guid: guid,
  // msdb documents these as nullable: such a row is kept out of the chain with a finding, not a failed poll.
  type: z.enum(['D', 'I', 'L', 'F', 'G', 'P', 'Q']).nullable(),
  recovery_model: z.string().nullable(),
  first_lsn: lsnText.nullable(),
  last_lsn: lsnText.nullable(),
  checkpoint_lsn: lsnText.nullable(),
  database_backup_lsn: lsnText.nullable(),
  differential_base_lsn: lsnText.nullable(),
  differential_base_guid: guid,
  first_recovery_fork_guid: guid,
  last_recovery_fork_guid: guid,
  is_copy_only: flag,
  is_damaged: flag,
  is_snapshot: flag,
  has_bulk_logged_data: flag,
  begins_log_chain: flag,
  has_backup_checksums: flag,
  is_force_offline: flag,
  has_incomplete_metadata: flag,
  backup_start_date: wallClock.nullable(),
  backup_finish_date: wallClock.nullable(),
  time_zone: z.number().int().nullable(),
  backup_size: bigintText,
  compressed_backup_size: bigintText,
  media_family_count: z.number().int().nullable(),
  family_sequence_number: z.number().int(),
  physical_device_name: z.string().nullable(),
  device_type: z.number().int().nullable(),
  // history-status.v4 only: on the log that ends a run of logs the server folded (src/domain/log-runs.ts).
  run_from_lsn: lsnText.nullable().optional(),
  run_logs: z.number().int().nullable().optional(),
  run_bytes: bigintText.optional(),
});
export type HistoryRow = z.output<typeof historyRow>;

export const restoreRow = z.object({
  database_name: z.string(),
  restore_date: wallClock.nullable(),
  restore_type: z.string().nullable(),
  source_server: z.string().nullable(),
  source_database: z.string().nullable(),
  source_finish: wallClock.nullable(),
  source_time_zone: z.number().int().nullable(),
});
export type RestoreRow = z.output<typeof restoreRow>;

/**
 * The databases kept restoring from another server's backups (log shipping, a destination system), by
 * lower-case name. A copy restoring this server's own backups is not a standby: it is a restore under way.
 * restore_date is this server's wall clock; the backup's finish is its own server's, with its time_zone.
 */
export function toStandbyCopies(rows: readonly RestoreRow[], server: Pick<ServerRow, 'server_name' | 'utc_offset_minutes'>): Map<string, StandbyCopy> {
  const own = (server.server_name ?? '').toLowerCase();
  const copies = new Map<string, StandbyCopy>();
  for (const r of rows) {
    if (!r.source_server || r.source_server.toLowerCase() === own || !r.source_finish || !r.restore_date) continue;
    copies.set(r.database_name.toLowerCase(), {
      sourceServer: r.source_server,
      sourceDatabase: r.source_database ?? r.database_name,
      restoredAt: r.restore_date.getTime() - server.utc_offset_minutes * 60_000,
      holdsTo: serverLocalToUtc(r.source_finish.getTime(), r.source_time_zone, server.utc_offset_minutes),
      restoreType: r.restore_type === 'L' ? 'L' : r.restore_type === 'I' ? 'I' : 'D',
    });
  }
  return copies;
}

export const restoredRow = z.object({
  server_name: z.string().nullable(),
  database_name: z.string().nullable(),
  destination_database_name: z.string().nullable(),
  restore_date: wallClock.nullable(),
  user_name: z.string().nullable(),
});
export type RestoredRow = z.output<typeof restoredRow>;

/** The poll's full restores as facts: whose backup, restored where and as what, when (UTC), by whom. */
export function toRestoredBackups(instance: string, rows: readonly RestoredRow[], offsetMinutes: number): RestoredBackup[] {
  return rows.flatMap((r) =>
    r.server_name && r.database_name && r.restore_date
      ? [{ sourceServer: r.server_name, sourceDatabase: r.database_name, instance, as: r.destination_database_name ?? '?', at: r.restore_date.getTime() - offsetMinutes * 60_000, by: r.user_name }]
      : [],
  );
}

/** Agent's yyyyMMdd * 1000000 + HHmmss, as the bigint the driver hands over as text. */
const agentStamp = z.union([z.string().regex(/^\d{14}$/), z.number().int()]).nullable();

export const agentJobRow = z.object({
  job_id: z.string(),
  job_name: z.string(),
  enabled: z.number().int(),
  step_id: z.number().int(),
  command: z.string().nullable(),
  next_run: agentStamp,
  schedules: z.number().int().nullable(),
  last_run_status: z.number().int().nullable(),
  last_run: agentStamp,
  last_failure_message: z.string().nullable(),
  last_failure: agentStamp,
  failures_since_success: z.number().int().nullable(),
  failing_since: agentStamp,
  running_since: wallClock.nullable(),
});
export type AgentJobRow = z.output<typeof agentJobRow>;

export const agentServiceRow = z.object({ status: z.number().int().nullable(), status_desc: z.string() });
export type AgentServiceRow = z.output<typeof agentServiceRow>;

/** Agent's yyyyMMddHHmmss on the server's clock as UTC ms; null for none (0 is "not scheduled"). */
export function agentTime(stamp: string | number | null, offsetMinutes: number): number | null {
  if (stamp === null) return null;
  const t = String(stamp).padStart(14, '0');
  if (/^0+$/.test(t)) return null;
  const local = Date.UTC(Number(t.slice(0, 4)), Number(t.slice(4, 6)) - 1, Number(t.slice(6, 8)), Number(t.slice(8, 10)), Number(t.slice(10, 12)), Number(t.slice(12, 14)));
  return local - offsetMinutes * 60_000;
}

const RUN_STATUS: Record<number, AgentBackupStep['lastOutcome']> = { 0: 'failed', 1: 'succeeded', 2: 'retry', 3: 'canceled', 4: 'in progress' };

/** The poll's Agent rows as facts, times in UTC. */
export function toAgentSteps(rows: readonly AgentJobRow[], offsetMinutes: number): AgentBackupStep[] {
  return rows.map((r) => {
    const lastFailure = agentTime(r.last_failure, offsetMinutes);
    return {
      job: r.job_name,
      enabled: r.enabled === 1,
      command: r.command ?? '',
      schedules: r.schedules ?? 0,
      nextRun: agentTime(r.next_run, offsetMinutes),
      lastOutcome: r.last_run_status === null ? null : (RUN_STATUS[r.last_run_status] ?? null),
      lastRun: agentTime(r.last_run, offsetMinutes),
      lastFailure: lastFailure === null ? null : { at: lastFailure, message: r.last_failure_message ?? '' },
      failuresSinceSuccess: r.failures_since_success ?? 0,
      failingSince: agentTime(r.failing_since, offsetMinutes),
      // A datetime on the server's clock, read as if UTC: the offset makes it UTC.
      runningSince: r.running_since === null ? null : r.running_since.getTime() - offsetMinutes * 60_000,
    };
  });
}

export const defaultPathsRow = z.object({ data_path: z.string().nullable(), log_path: z.string().nullable() });

export const cmsGroupRow = z.object({ server_group_id: z.number().int(), parent_id: z.number().int().nullable(), name: z.string(), is_system_object: z.boolean().nullable() });
export const cmsServerRow = z.object({ server_group_id: z.number().int().nullable(), name: z.string(), server_name: z.string() });

export const chainEndRow = z.object({ last_log_backup_lsn: lsnText.nullable() });

export const markRow = z.object({
  database_name: z.string(),
  mark_name: z.string(),
  lsn: lsnText,
  mark_time: wallClock,
});
export type MarkRow = z.output<typeof markRow>;

/** A logmarkhistory row as the domain's mark: mark_time has no time zone column, so the server's offset now converts it. */
export function toLogMark(r: { mark_name: string; lsn: string; mark_time: Date; description?: string | null }, offsetMinutes: number): LogMark {
  return { name: r.mark_name, description: r.description ?? null, lsn: BigInt(r.lsn), time: r.mark_time.getTime() - offsetMinutes * 60_000 };
}

function recoveryModel(text: string | null): RecoveryModel {
  return text === 'SIMPLE' ? 'SIMPLE' : text === 'BULK-LOGGED' || text === 'BULK_LOGGED' ? 'BULK_LOGGED' : 'FULL';
}

const REQUIRED = ['type', 'first_lsn', 'last_lsn', 'backup_start_date', 'backup_finish_date'] as const;

/**
 * History rows (one per stripe) to backup sets, with times converted to UTC by each row's own
 * time_zone and the server's current offset as the fallback. A set without a type, LSNs or dates
 * (all documented as nullable in msdb) cannot take part in a chain: it is returned apart, as incomplete.
 */
export function toBackupSets(
  rows: readonly HistoryRow[],
  recordedOn: string,
  serverOffsetMinutes: number,
): { sets: BackupSet[]; incomplete: IncompleteBackup[] } {
  const sets = new Map<number, BackupSet>();
  const incomplete = new Map<number, IncompleteBackup>();
  // Every backup of a database repeats its database, family and fork GUIDs: hold one flat string for each.
  const seen = new Map<string, string>();
  const one = <T extends string | null>(s: T): T => {
    if (s === null) return s;
    let flat = seen.get(s);
    if (flat === undefined) seen.set(s, (flat = flatText(s)));
    return flat as T;
  };
  for (const r of rows) {
    const missing = REQUIRED.filter((c) => r[c] === null);
    if (missing.length > 0 || incomplete.has(r.backup_set_id)) {
      if (!incomplete.has(r.backup_set_id)) incomplete.set(r.backup_set_id, { backupSetId: r.backup_set_id, databaseName: r.database_name ?? '', missing });
      continue;
    }
    let set = sets.get(r.backup_set_id);
    if (!set) {
      set = {
        backupSetId: r.backup_set_id,
        backupSetUuid: flatText(r.backup_set_uuid),
        mediaSetId: r.media_set_id,
        position: r.position ?? 1,
        recordedOn,
        databaseName: r.database_name ?? '',
        databaseGuid: one(r.database_guid ?? ''),
        familyGuid: one(r.family_guid),
        type: r.type as BackupType,
        recoveryModel: recoveryModel(r.recovery_model),
        firstLsn: parseLsn(r.first_lsn!),
        lastLsn: parseLsn(r.last_lsn!),
        checkpointLsn: parseOptionalLsn(r.checkpoint_lsn) ?? 0n,
        databaseBackupLsn: parseOptionalLsn(r.database_backup_lsn),
        differentialBaseLsn: parseOptionalLsn(r.differential_base_lsn),
        differentialBaseGuid: one(r.differential_base_guid),
        firstRecoveryForkGuid: one(r.first_recovery_fork_guid),
        lastRecoveryForkGuid: one(r.last_recovery_fork_guid),
        isCopyOnly: r.is_copy_only ?? false,
        isDamaged: r.is_damaged ?? false,
        isSnapshot: r.is_snapshot ?? false,
        hasBulkLoggedData: r.has_bulk_logged_data ?? false,
        beginsLogChain: r.begins_log_chain ?? false,
        hasBackupChecksums: r.has_backup_checksums ?? false,
        isForceOffline: r.is_force_offline ?? false,
        hasIncompleteMetadata: r.has_incomplete_metadata ?? false,
        start: serverLocalToUtc(r.backup_start_date!.getTime(), r.time_zone, serverOffsetMinutes),
        finish: serverLocalToUtc(r.backup_finish_date!.getTime(), r.time_zone, serverOffsetMinutes),
        utcOffsetMinutes: r.time_zone === null || r.time_zone === UNKNOWN_TIME_ZONE ? null : r.time_zone * 15,
        backupSize: Number(r.backup_size ?? 0),
        compressedBackupSize: r.compressed_backup_size === null ? null : Number(r.compressed_backup_size),
        familyCount: r.media_family_count ?? 1,
        media: [],
      };
      if (r.run_logs && r.run_from_lsn) set.run = { fromLsn: parseLsn(r.run_from_lsn), logs: r.run_logs, bytes: Number(r.run_bytes ?? 0) };
      sets.set(r.backup_set_id, set);
    }
    set.media.push({
      familySequenceNumber: r.family_sequence_number,
      physicalDeviceName: r.physical_device_name ?? '',
      deviceType: r.device_type,
    });
  }
  return { sets: [...sets.values()], incomplete: [...incomplete.values()] };
}

const STATES: readonly DatabaseStateDesc[] = ['ONLINE', 'RESTORING', 'RECOVERING', 'RECOVERY_PENDING', 'SUSPECT', 'EMERGENCY', 'OFFLINE', 'COPYING', 'OFFLINE_SECONDARY'];

export function toDatabaseStates(
  instance: string,
  rows: readonly DatabaseRow[],
  files: readonly FileRow[],
  standbys: ReadonlyMap<string, StandbyCopy> = new Map(),
): DatabaseState[] {
  return rows.map((r) => ({
    instance,
    standbyOf: standbys.get(r.name.toLowerCase()) ?? null,
    name: r.name,
    databaseId: r.database_id,
    state: (STATES as readonly string[]).includes(r.state_desc ?? '') ? (r.state_desc as DatabaseStateDesc) : 'OFFLINE',
    recoveryModel: recoveryModel(r.recovery_model_desc),
    isReadOnly: r.is_read_only ?? false,
    isInStandby: r.is_in_standby ?? false,
    databaseGuid: flatGuid(r.database_guid),
    recoveryForkGuid: flatGuid(r.recovery_fork_guid),
    lastLogBackupLsn: parseOptionalLsn(r.last_log_backup_lsn),
    canBackupLog: r.can_backup_log === null ? null : r.can_backup_log === 1,
    availabilityGroup:
      r.ag_name === null
        ? null
        : {
            name: r.ag_name,
            role: r.ag_role === 'PRIMARY' ? 'PRIMARY' : 'SECONDARY',
            isPreferredBackupReplica: r.is_preferred_backup_replica ?? false,
          },
    files: files
      .filter((f) => f.database_id === r.database_id)
      .map(
        (f): DatabaseFile => ({
          type: f.type_desc === 'LOG' ? 'LOG' : f.type_desc === 'FILESTREAM' ? 'FILESTREAM' : f.type_desc === 'FULLTEXT' ? 'FULLTEXT' : 'ROWS',
          logicalName: f.name,
          physicalName: f.physical_name,
          volumeMountPoint: f.volume_mount_point,
        }),
      ),
  }));
}
