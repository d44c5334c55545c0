import { createHash } from 'node:crypto';
import type { Session } from '../engine.js';
import { activeRequests, liveSessions } from '../engine.js';
import type { BackupSetRow, SimDatabase, SimFile, SimInstance } from '../model.js';
import type { SqlValue } from '../tds/types.js';
import { majorVersion } from './system-objects.js';
import { serverServices, sysjobactivity, sysjobhistory, sysjobs, sysjobschedules, sysjobsteps } from './agent-sources.js';

/**
 * Where each system object's rows come from in the simulator's model. A source gives the rows and, per
 * column, how to read it from a row; a column without a reader is the row's property of the same
 * name, or NULL where the model keeps nothing for it (a documented nullable column).
 */
export interface Source<R = unknown> {
  rows(session: Session, args: readonly SqlValue[], seesAllSessions: boolean): readonly R[];
  read?: Partial<Record<string, (row: R, session: Session) => SqlValue>>;
  /** The rows whose column equals a value, without a scan: msdb's indexes, which joins on them use. */
  index?: Partial<Record<string, (session: Session, value: SqlValue) => readonly R[]>>;
  /** The rows whose column is at least a value, without a scan: a clustered index's range seek (column > or >= value). */
  atLeast?: Partial<Record<string, (session: Session, value: SqlValue) => readonly R[]>>;
  /** The first or last row in the order of a column's clustered index, without reading the rest (MIN or MAX of it). */
  edge?: Partial<Record<string, (session: Session, edge: 'first' | 'last') => R | undefined>>;
}

const STATE_CODE: Record<string, number> = { ONLINE: 0, RESTORING: 1, RECOVERING: 2, RECOVERY_PENDING: 3, SUSPECT: 4, EMERGENCY: 5, OFFLINE: 6 };
const MODEL_CODE: Record<string, number> = { FULL: 1, BULK_LOGGED: 2, SIMPLE: 3 };
/** A database that is offline or will not start reports NULL identifiers (sys.database_recovery_status). */
const STARTED = new Set(['ONLINE', 'RESTORING', 'RECOVERING', 'EMERGENCY']);
const TiB = 1024 ** 4;

/** A GUID that stays the same for the same text: replica and group ids the model does not store. */
function stableGuid(text: string): string {
  const h = createHash('md5').update(text).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const replicaId = (inst: SimInstance, ag: string): string => stableGuid(`replica:${ag}:${inst.name.toLowerCase()}`);
const groupId = (ag: string): string => stableGuid(`group:${ag.toLowerCase()}`);

function userDatabases(session: Session): SimDatabase[] {
  const now = session.instance.clock.now();
  for (const d of session.instance.databases) d.advanceTo(now);
  return session.instance.databases;
}

const backupset: Source<BackupSetRow> = {
  rows: (s) => s.instance.backupset,
  edge: { backup_set_id: (s, edge) => s.instance.backupSetAtEdge(edge) },
  index: {
    // The clustered key: restorehistory joins its backup set on it. (A value of another type converts as the
    // comparison will: every row is a candidate and the condition decides.)
    backup_set_id: (s, id) => {
      if (typeof id !== 'number') return s.instance.backupset;
      const b = s.instance.backupSetById(id);
      return b ? [b] : [];
    },
    database_name: (s, name) => (typeof name === 'string' ? s.instance.backupSetsOf(name) : []),
    backup_set_uuid: (s, uuid) => {
      const b = typeof uuid === 'string' ? s.instance.backupSetByUuid(uuid) : undefined;
      return b ? [b] : [];
    },
  },
  // backup_set_id is the clustered key: a poll for the rows since the last reads only those.
  // (A value of another type converts as the comparison will: those rows are scanned and the condition decides.)
  atLeast: { backup_set_id: (s, id) => (id === null ? [] : typeof id === 'number' ? s.instance.backupSetsFrom(id) : s.instance.backupset) },
  read: {
    // msdb spells it BULK-LOGGED, sys.databases BULK_LOGGED.
    recovery_model: (b) => (b.recovery_model === 'BULK_LOGGED' ? 'BULK-LOGGED' : b.recovery_model),
    backup_size: (b) => BigInt(b.backup_size),
    compressed_backup_size: (b) => BigInt(b.compressed_backup_size),
    is_password_protected: () => false,
    is_readonly: () => false,
    is_single_user: () => false,
    key_algorithm: () => 'NO_Encryption',
  },
};

interface MediaSetRow {
  media_set_id: number;
  media_family_count: number;
  compressed: boolean;
}

function mediaSet(inst: SimInstance, b: BackupSetRow): MediaSetRow {
  return {
    media_set_id: b.media_set_id,
    media_family_count: inst.mediaFamilyCount(b.media_set_id),
    compressed: b.compressed_backup_size < b.backup_size,
  };
}

const backupmediaset: Source<MediaSetRow> = {
  rows: (s) => s.instance.backupset.map((b) => mediaSet(s.instance, b)),
  index: {
    media_set_id: (s, id) => {
      const b = typeof id === 'number' ? s.instance.backupSetOfMedia(id) : undefined;
      return b ? [mediaSet(s.instance, b)] : [];
    },
  },
  read: {
    media_uuid: (m) => stableGuid(`media:${m.media_set_id}`),
    software_name: () => 'Microsoft SQL Server',
    software_vendor_id: () => 4608,
    MTF_major_version: () => 1,
    mirror_count: () => 1,
    is_password_protected: () => false,
    is_compressed: (m) => m.compressed,
    is_encrypted: () => false,
  },
};

const backupmediafamily: Source<SimInstance['mediafamily'][number]> = {
  rows: (s) => s.instance.mediafamily,
  index: { media_set_id: (s, id) => (typeof id === 'number' ? s.instance.familiesOf(id) : []) },
  read: { media_count: () => 1, physical_block_size: () => 512 },
};

interface BackupFileRow {
  backup: BackupSetRow;
  file: SimFile;
}

const backupfile: Source<BackupFileRow> = {
  rows: (s) =>
    s.instance.backupset.flatMap((backup) =>
      (s.instance.findDatabase(backup.database_name)?.files ?? []).map((file) => ({ backup, file })),
    ),
  read: {
    backup_set_id: (r) => r.backup.backup_set_id,
    page_size: () => 8192,
    file_number: (r) => BigInt(r.file.fileId),
    file_type: (r) => (r.file.type === 'ROWS' ? 'D' : 'L'),
    filegroup_name: (r) => (r.file.type === 'ROWS' ? 'PRIMARY' : null),
    file_size: (r) => BigInt(r.file.sizeBytes),
    logical_name: (r) => r.file.logicalName,
    physical_drive: (r) => r.file.volume,
    physical_name: (r) => r.file.physicalName,
    state: () => 0,
    state_desc: () => 'ONLINE',
    backup_size: (r) => BigInt(r.file.type === 'ROWS' ? r.backup.backup_size : 0),
    is_readonly: () => false,
    is_present: () => true,
  },
};

const restorehistory: Source<SimInstance['restorehistory'][number]> = {
  rows: (s) => s.instance.restorehistory,
  read: { restart: () => false, device_count: () => 1 },
};

interface ServerGroupRow {
  server_group_id: number;
  name: string;
  description: string;
  server_type: number;
  parent_id: number | null;
  is_system_object: boolean;
  num_server_group_children: number;
  num_registered_server_children: number;
}

interface RegisteredServerRow {
  server_id: number;
  server_group_id: number;
  name: string;
  server_name: string;
  description: string;
  server_type: number;
}

/** The built-in roots of a Central Management Server, one per server type (SQL Server Management Studio's Registered Servers). */
const CMS_ROOTS = ['DatabaseEngineServerGroup', 'AnalysisServicesServerGroup', 'ReportingServicesServerGroup', 'IntegrationServicesServerGroup', 'SqlServerCompactEditionServerGroup'];

/** The registrations as msdb's two views show them: the roots, a group per folder path, a server per registration. */
function cms(inst: SimInstance): { groups: ServerGroupRow[]; servers: RegisteredServerRow[] } {
  const groups: ServerGroupRow[] = CMS_ROOTS.map((name, i) => ({
    server_group_id: i + 1,
    name,
    description: '',
    server_type: i,
    parent_id: null,
    is_system_object: true,
    num_server_group_children: 0,
    num_registered_server_children: 0,
  }));
  const byPath = new Map<string, ServerGroupRow>([['', groups[0]!]]);
  const servers = inst.registeredServers.map((r, i) => {
    let parent = groups[0]!;
    for (let depth = 1; depth <= r.group.length; depth++) {
      const key = r.group.slice(0, depth).join('\u0000');
      let g = byPath.get(key);
      if (!g) {
        g = { server_group_id: groups.length + 1, name: r.group[depth - 1]!, description: '', server_type: 0, parent_id: parent.server_group_id, is_system_object: false, num_server_group_children: 0, num_registered_server_children: 0 };
        groups.push(g);
        byPath.set(key, g);
        parent.num_server_group_children++;
      }
      parent = g;
    }
    parent.num_registered_server_children++;
    return { server_id: i + 1, server_group_id: parent.server_group_id, name: r.name, server_name: r.serverName, description: r.description, server_type: 0 };
  });
  return { groups, servers };
}

const serverGroups: Source<ServerGroupRow> = { rows: (s) => cms(s.instance).groups };
const registeredServers: Source<RegisteredServerRow> = { rows: (s) => cms(s.instance).servers };

const logmarkhistory: Source<SimInstance['logmarkhistory'][number]> = {
  rows: (s) => s.instance.logmarkhistory,
};

const databases: Source<SimDatabase> = {
  rows: userDatabases,
  read: {
    name: (d) => d.name,
    database_id: (d) => d.databaseId,
    create_date: (d) => d.createdAt,
    compatibility_level: (_d, s) => Math.floor(majorVersion(s.instance.options.version) * 10),
    collation_name: () => 'SQL_Latin1_General_CP1_CI_AS',
    user_access: (d) => (d.userAccess === 'SINGLE_USER' ? 1 : 0),
    user_access_desc: (d) => d.userAccess,
    is_read_only: (d) => d.isReadOnly,
    is_auto_close_on: () => false,
    is_auto_shrink_on: () => false,
    state: (d) => STATE_CODE[d.state] ?? null,
    state_desc: (d) => d.state,
    is_in_standby: (d) => d.isInStandby,
    is_cleanly_shutdown: () => false,
    recovery_model: (d) => MODEL_CODE[d.recoveryModel] ?? null,
    recovery_model_desc: (d) => d.recoveryModel,
    page_verify_option: () => 2,
    page_verify_option_desc: () => 'CHECKSUM',
    log_reuse_wait: () => 0,
    log_reuse_wait_desc: () => 'NOTHING',
    is_encrypted: () => false,
    replica_id: (d, s) => (d.ag ? replicaId(s.instance, d.ag.name) : null),
    group_database_id: (d) => (d.ag ? stableGuid(`group-database:${d.ag.name}:${d.name.toLowerCase()}`) : null),
    delayed_durability_desc: () => 'DISABLED',
    is_accelerated_database_recovery_on: () => false,
  },
};

const databaseRecoveryStatus: Source<SimDatabase> = {
  rows: userDatabases,
  read: {
    database_id: (d) => d.databaseId,
    database_guid: (d) => (STARTED.has(d.state) ? d.databaseGuid : null),
    family_guid: (d) => (STARTED.has(d.state) ? d.familyGuid : null),
    last_log_backup_lsn: (d) => (d.state === 'ONLINE' || d.state === 'RESTORING' ? d.chainEnd : null),
    recovery_fork_guid: (d) => (STARTED.has(d.state) ? d.recoveryForkGuid : null),
    first_recovery_fork_guid: (d) => (STARTED.has(d.state) ? d.recoveryForkGuid : null),
    fork_point_lsn: () => null,
  },
};

interface FileRow {
  db: SimDatabase;
  file: SimFile;
}

const filesOf = (s: Session): FileRow[] => s.instance.databases.flatMap((db) => db.files.map((file) => ({ db, file })));
const pages = (bytes: number): number => Math.ceil(bytes / 8192);

const masterFiles: Source<FileRow> = {
  rows: filesOf,
  read: {
    database_id: (r) => r.db.databaseId,
    file_id: (r) => r.file.fileId,
    type: (r) => (r.file.type === 'ROWS' ? 0 : 1),
    type_desc: (r) => r.file.type,
    data_space_id: (r) => (r.file.type === 'ROWS' ? 1 : 0),
    name: (r) => r.file.logicalName,
    physical_name: (r) => r.file.physicalName,
    state: () => 0,
    state_desc: () => 'ONLINE',
    size: (r) => pages(r.file.sizeBytes),
    max_size: () => -1,
    growth: () => 8192,
    is_read_only: () => false,
    is_percent_growth: () => false,
  },
};

interface VolumeRow {
  file: FileRow;
  used: number;
}

/** Each volume holds 1 TiB; what is free is what the model's files on it leave. */
const volumeStats: Source<VolumeRow> = {
  rows: (s, [databaseId, fileId]) => {
    const all = filesOf(s);
    const file = all.find((r) => r.db.databaseId === Number(databaseId) && r.file.fileId === Number(fileId));
    if (!file) return [];
    const used = all.filter((r) => r.file.volume === file.file.volume).reduce((sum, r) => sum + r.file.sizeBytes, 0);
    return [{ file, used }];
  },
  read: {
    database_id: (v) => v.file.db.databaseId,
    file_id: (v) => v.file.file.fileId,
    volume_mount_point: (v) => v.file.file.volume,
    volume_id: (v) => stableGuid(`volume:${v.file.file.volume}`),
    logical_volume_name: () => '',
    file_system_type: () => 'NTFS',
    total_bytes: () => BigInt(TiB),
    available_bytes: (v) => BigInt(Math.max(0, TiB - v.used)),
    supports_compression: () => true,
    supports_alternate_streams: () => true,
    supports_sparse_files: () => true,
    is_read_only: () => false,
    is_compressed: () => false,
  },
};

const connections: Source<Session> = {
  rows: (s) => [...(liveSessions.get(s.instance) ?? [s])],
  read: {
    session_id: (x) => x.spid,
    most_recent_session_id: (x) => x.spid,
    connect_time: (x) => x.connectedAt ?? x.instance.localNow(),
    net_transport: () => 'TCP',
    protocol_type: () => 'TSQL',
    protocol_version: () => 0x74000004,
    encrypt_option: (x) => (x.encrypted ? 'TRUE' : 'FALSE'),
    auth_scheme: () => 'SQL',
    node_affinity: () => 0,
    net_packet_size: () => 4096,
    client_net_address: () => '127.0.0.1',
    local_net_address: () => '127.0.0.1',
    connection_id: (x) => stableGuid(`connection:${x.instance.name}:${x.spid}`),
  },
};

interface RequestRow {
  sessionId: number;
  command: string;
  text: string;
  startedAt: number;
  percent: number;
  estimatedMs: number;
  status: string;
}

const sqlHandle = (r: { sessionId: number; startedAt: number }): Buffer => Buffer.from(`rpotop-sql:${r.sessionId}:${r.startedAt}`, 'latin1');

/** The statements running now: BACKUP and RESTORE in progress, and the asking session's own request. */
function requests(session: Session): RequestRow[] {
  const own: RequestRow = {
    sessionId: session.spid,
    command: 'SELECT',
    text: session.batchText ?? '',
    startedAt: session.instance.localNow(),
    percent: 0,
    estimatedMs: 0,
    status: 'running',
  };
  return [own, ...[...(activeRequests.get(session.instance) ?? [])].map((r) => ({ ...r, status: 'suspended' }))];
}

const execRequests: Source<RequestRow> = {
  rows: (s, _args, seesAll) => requests(s).filter((r) => seesAll || r.sessionId === s.spid),
  read: {
    session_id: (r) => r.sessionId,
    request_id: () => 0,
    start_time: (r) => r.startedAt,
    status: (r) => r.status,
    command: (r) => r.command,
    sql_handle: sqlHandle,
    database_id: () => 1,
    wait_time: () => 0,
    percent_complete: (r) => r.percent,
    estimated_completion_time: (r) => BigInt(r.estimatedMs),
    cpu_time: () => 0,
    total_elapsed_time: () => 0,
  },
};

const sqlText: Source<RequestRow> = {
  rows: (s, [handle]) => {
    if (!Buffer.isBuffer(handle)) return [];
    return requests(s).filter((r) => sqlHandle(r).equals(handle));
  },
  read: { dbid: () => null, objectid: () => null, number: () => null, encrypted: () => false, text: (r) => r.text },
};

interface AgRow {
  inst: SimInstance;
  db: SimDatabase;
}

function agDatabases(s: Session): AgRow[] {
  return userDatabases(s)
    .filter((db) => db.ag?.roles.has(s.instance.name))
    .map((db) => ({ inst: s.instance, db }));
}

/** One row per group this instance is a replica of. */
function distinctGroups(s: Session): AgRow[] {
  const seen = new Set<string>();
  return agDatabases(s).filter((r) => !seen.has(r.db.ag!.name.toLowerCase()) && seen.add(r.db.ag!.name.toLowerCase()));
}

const availabilityGroups: Source<AgRow> = {
  rows: distinctGroups,
  read: {
    group_id: (r) => groupId(r.db.ag!.name),
    name: (r) => r.db.ag!.name,
    failure_condition_level: () => 3,
    health_check_timeout: () => 30000,
    automated_backup_preference: () => 1,
    automated_backup_preference_desc: () => 'secondary',
  },
};

/** This instance's replica of each group (the model keeps no row for the partner's). */
const availabilityReplicas: Source<AgRow> = {
  rows: distinctGroups,
  read: {
    replica_id: (r) => replicaId(r.inst, r.db.ag!.name),
    group_id: (r) => groupId(r.db.ag!.name),
    replica_server_name: (r) => r.inst.name,
    availability_mode: () => 1,
    availability_mode_desc: () => 'SYNCHRONOUS_COMMIT',
    failover_mode: () => 0,
    failover_mode_desc: () => 'AUTOMATIC',
    backup_priority: (r) => (r.db.ag!.preferredBackupReplica.toLowerCase() === r.inst.name.toLowerCase() ? 100 : 50),
  },
};

const databaseReplicaStates: Source<AgRow> = {
  rows: agDatabases,
  read: {
    database_id: (r) => r.db.databaseId,
    group_id: (r) => groupId(r.db.ag!.name),
    replica_id: (r) => replicaId(r.inst, r.db.ag!.name),
    group_database_id: (r) => stableGuid(`group-database:${r.db.ag!.name}:${r.db.name.toLowerCase()}`),
    is_local: () => true,
    is_primary_replica: (r) => r.db.ag!.roles.get(r.inst.name) === 'PRIMARY',
    synchronization_state_desc: (r) => (r.db.ag!.roles.get(r.inst.name) === 'PRIMARY' ? 'SYNCHRONIZED' : 'SYNCHRONIZING'),
    synchronization_health_desc: () => 'HEALTHY',
    database_state_desc: (r) => r.db.state,
  },
};

const availabilityReplicaStates: Source<AgRow> = {
  rows: distinctGroups,
  read: {
    replica_id: (r) => replicaId(r.inst, r.db.ag!.name),
    group_id: (r) => groupId(r.db.ag!.name),
    is_local: () => true,
    role: (r) => (r.db.ag!.roles.get(r.inst.name) === 'PRIMARY' ? 1 : 2),
    role_desc: (r) => r.db.ag!.roles.get(r.inst.name) ?? null,
    operational_state_desc: () => 'ONLINE',
    connected_state_desc: () => 'CONNECTED',
    synchronization_health_desc: () => 'HEALTHY',
  },
};

/** By `schema.name` (lower case), as system-objects.ts names them. */
export const sources: Record<string, Source<never>> = {
  'dbo.backupset': backupset,
  'dbo.backupmediaset': backupmediaset,
  'dbo.backupmediafamily': backupmediafamily,
  'dbo.backupfile': backupfile,
  'dbo.restorehistory': restorehistory,
  'dbo.logmarkhistory': logmarkhistory,
  'dbo.sysmanagement_shared_server_groups': serverGroups,
  'dbo.sysmanagement_shared_registered_servers': registeredServers,
  'dbo.sysjobs': sysjobs,
  'dbo.sysjobsteps': sysjobsteps,
  'dbo.sysjobschedules': sysjobschedules,
  'dbo.sysjobhistory': sysjobhistory,
  'dbo.sysjobactivity': sysjobactivity,
  'sys.dm_server_services': serverServices,
  'sys.databases': databases,
  'sys.database_recovery_status': databaseRecoveryStatus,
  'sys.master_files': masterFiles,
  'sys.dm_os_volume_stats': volumeStats,
  'sys.dm_exec_connections': connections,
  'sys.dm_exec_requests': execRequests,
  'sys.dm_exec_sql_text': sqlText,
  'sys.availability_groups': availabilityGroups,
  'sys.availability_replicas': availabilityReplicas,
  'sys.dm_hadr_database_replica_states': databaseReplicaStates,
  'sys.dm_hadr_availability_replica_states': availabilityReplicaStates,
} as unknown as Record<string, Source<never>>;
