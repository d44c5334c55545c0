import type { SqlType } from '../tds/types.js';

export { majorVersion } from '../../domain/version.js';

/**
 * The system objects the simulator serves, as Microsoft documents them: every column with its type,
 * whether it can be NULL, and the SQL Server version that introduced it. The simulator resolves each
 * name a query uses against this list (Msg 207 for a column, 208 for an object) and answers with these
 * types, so a query that reads a column SQL Server does not have fails here as it fails there.
 *
 * Source: the Microsoft Learn page named in each object's `doc` (the sql-docs repository's reference
 * pages for msdb's system tables, catalog views, dynamic management views and functions). Versions are
 * SQL Server's major version numbers: 10.5 = 2008 R2, 11 = 2012, 12 = 2014, 13 = 2016, 14 = 2017,
 * 15 = 2019, 16 = 2022. A column is nullable where its page says "Can be NULL" or "NULL =", or where
 * msdb stores history that older versions or upgrades leave empty; identity and key columns are not.
 * Objects list the columns rpotop or an operator's probe reads and the rest of the documented ones
 * that the model can answer; see docs/simulator.md for what is left out.
 */

/** Which permission reading the object needs; what a login without it gets is in sql/permissions.ts. */
export type Permission = 'public' | 'view-server-state' | 'select-msdb-history' | 'own-requests' | 'cms-reader' | 'select-msdb-agent';

export interface ColumnDef {
  name: string;
  type: SqlType;
  nullable: boolean;
  /** The first version that has the column (default: the object's). */
  since?: number;
  /** The type older versions give it, before `version` (sys.dm_exec_requests.command was nvarchar(16) to 2008 R2). */
  earlier?: { version: number; type: SqlType };
}

export interface ObjectDef {
  /** Schema-qualified name as written in SQL Server: `dbo.backupset`, `sys.databases`. */
  schema: 'dbo' | 'sys';
  name: string;
  /** msdb's tables live in msdb only; sys views answer from any database. */
  database: 'msdb' | null;
  /** A table-valued function takes arguments (APPLY sys.dm_os_volume_stats(db, file)). */
  kind: 'table' | 'view' | 'function';
  parameters?: SqlType[];
  since: number;
  doc: string;
  permission: Permission;
  columns: ColumnDef[];
}

const INT: SqlType = { kind: 'int' };
const SMALLINT: SqlType = { kind: 'smallint' };
const TINYINT: SqlType = { kind: 'tinyint' };
const BIGINT: SqlType = { kind: 'bigint' };
const BIT: SqlType = { kind: 'bit' };
const REAL: SqlType = { kind: 'real' };
const DATETIME: SqlType = { kind: 'datetime' };
const GUID: SqlType = { kind: 'uniqueidentifier' };
const SYSNAME: SqlType = { kind: 'nvarchar', length: 128 };
const LSN: SqlType = { kind: 'numeric', precision: 25, scale: 0 };
const BYTES: SqlType = { kind: 'numeric', precision: 20, scale: 0 };
const nvarchar = (length: number | 'max'): SqlType => ({ kind: 'nvarchar', length });
const varchar = (length: number): SqlType => ({ kind: 'varchar', length });
const char = (length: number): SqlType => ({ kind: 'char', length });
const varbinary = (length: number): SqlType => ({ kind: 'varbinary', length });

/** [name, type, nullable, since?, earlier?] */
type Row = [string, SqlType, boolean, number?, ColumnDef['earlier']?];
const cols = (rows: Row[]): ColumnDef[] =>
  rows.map(([name, type, nullable, since, earlier]) => ({
    name,
    type,
    nullable,
    ...(since !== undefined ? { since } : {}),
    ...(earlier ? { earlier } : {}),
  }));
const N = true;
const NN = false;

export const systemObjects: ObjectDef[] = [
  {
    schema: 'dbo',
    name: 'backupset',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'backupset (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['backup_set_id', INT, NN],
      ['backup_set_uuid', GUID, NN],
      ['media_set_id', INT, NN],
      ['first_family_number', TINYINT, N],
      ['first_media_number', SMALLINT, N],
      ['last_family_number', TINYINT, N],
      ['last_media_number', SMALLINT, N],
      ['catalog_family_number', TINYINT, N],
      ['catalog_media_number', SMALLINT, N],
      ['position', INT, N],
      ['expiration_date', DATETIME, N],
      ['software_vendor_id', INT, N],
      ['name', SYSNAME, N],
      ['description', nvarchar(255), N],
      ['user_name', SYSNAME, N],
      ['software_major_version', TINYINT, N],
      ['software_minor_version', TINYINT, N],
      ['software_build_version', SMALLINT, N],
      ['time_zone', SMALLINT, N],
      ['mtf_minor_version', TINYINT, N],
      ['first_lsn', LSN, N],
      ['last_lsn', LSN, N],
      ['checkpoint_lsn', LSN, N],
      ['database_backup_lsn', LSN, N],
      ['database_creation_date', DATETIME, N],
      ['backup_start_date', DATETIME, N],
      ['backup_finish_date', DATETIME, N],
      ['type', char(1), N],
      ['sort_order', SMALLINT, N],
      ['code_page', SMALLINT, N],
      ['compatibility_level', TINYINT, N],
      ['database_version', INT, N],
      ['backup_size', BYTES, N],
      ['database_name', SYSNAME, N],
      ['server_name', SYSNAME, N],
      ['machine_name', SYSNAME, N],
      ['flags', INT, N],
      ['unicode_locale', INT, N],
      ['unicode_compare_style', INT, N],
      ['collation_name', SYSNAME, N],
      ['is_password_protected', BIT, N],
      ['recovery_model', nvarchar(60), N],
      ['has_bulk_logged_data', BIT, N],
      ['is_snapshot', BIT, N],
      ['is_readonly', BIT, N],
      ['is_single_user', BIT, N],
      ['has_backup_checksums', BIT, N],
      ['is_damaged', BIT, N],
      ['begins_log_chain', BIT, N],
      ['has_incomplete_metadata', BIT, N],
      ['is_force_offline', BIT, N],
      ['is_copy_only', BIT, N],
      ['first_recovery_fork_guid', GUID, N],
      ['last_recovery_fork_guid', GUID, N],
      ['fork_point_lsn', LSN, N],
      ['database_guid', GUID, N],
      ['family_guid', GUID, N],
      ['differential_base_lsn', LSN, N],
      ['differential_base_guid', GUID, N],
      ['compressed_backup_size', BYTES, N],
      // Backup encryption came with SQL Server 2014.
      ['key_algorithm', nvarchar(32), N, 12],
      ['encryptor_thumbprint', varbinary(20), N, 12],
      ['encryptor_type', nvarchar(32), N, 12],
      ['last_valid_restore_time', DATETIME, N, 16],
      ['compression_algorithm', nvarchar(32), N, 16],
    ]),
  },
  {
    schema: 'dbo',
    name: 'backupmediaset',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'backupmediaset (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['media_set_id', INT, NN],
      ['media_uuid', GUID, N],
      ['media_family_count', TINYINT, N],
      ['name', SYSNAME, N],
      ['description', nvarchar(255), N],
      ['software_name', SYSNAME, N],
      ['software_vendor_id', INT, N],
      ['MTF_major_version', TINYINT, N],
      ['mirror_count', TINYINT, N],
      ['is_password_protected', BIT, N],
      ['is_compressed', BIT, N],
      ['is_encrypted', BIT, N, 12],
    ]),
  },
  {
    schema: 'dbo',
    name: 'backupmediafamily',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'backupmediafamily (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['media_set_id', INT, NN],
      ['family_sequence_number', TINYINT, NN],
      ['media_family_id', GUID, N],
      ['media_count', INT, N],
      ['logical_device_name', SYSNAME, N],
      ['physical_device_name', nvarchar(260), N],
      ['device_type', TINYINT, N],
      ['physical_block_size', INT, N],
      ['mirror', TINYINT, NN],
    ]),
  },
  {
    schema: 'dbo',
    name: 'backupfile',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'backupfile (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['backup_set_id', INT, NN],
      ['first_family_number', TINYINT, N],
      ['first_media_number', SMALLINT, N],
      ['filegroup_name', SYSNAME, N],
      ['page_size', INT, N],
      ['file_number', { kind: 'numeric', precision: 10, scale: 0 }, NN],
      ['backed_up_page_count', { kind: 'numeric', precision: 10, scale: 0 }, N],
      ['file_type', char(1), N],
      ['source_file_block_size', { kind: 'numeric', precision: 10, scale: 0 }, N],
      ['file_size', BYTES, N],
      ['logical_name', SYSNAME, N],
      ['physical_drive', nvarchar(260), N],
      ['physical_name', nvarchar(260), N],
      ['state', TINYINT, N],
      ['state_desc', nvarchar(64), N],
      ['create_lsn', LSN, N],
      ['drop_lsn', LSN, N],
      ['file_guid', GUID, N],
      ['read_only_lsn', LSN, N],
      ['read_write_lsn', LSN, N],
      ['differential_base_lsn', LSN, N],
      ['differential_base_guid', GUID, N],
      ['backup_size', BYTES, N],
      ['filegroup_guid', GUID, N],
      ['is_readonly', BIT, N],
      ['is_present', BIT, N],
    ]),
  },
  {
    schema: 'dbo',
    name: 'restorehistory',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'restorehistory (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['restore_history_id', INT, NN],
      ['restore_date', DATETIME, N],
      ['destination_database_name', SYSNAME, N],
      ['user_name', SYSNAME, N],
      ['backup_set_id', INT, NN],
      ['restore_type', char(1), N],
      ['replace', BIT, N],
      ['recovery', BIT, N],
      ['restart', BIT, N],
      ['stop_at', DATETIME, N],
      ['device_count', TINYINT, N],
      ['stop_at_mark_name', SYSNAME, N],
      ['stop_before', BIT, N],
    ]),
  },
  {
    // A Central Management Server's groups: built-in roots per server type (is_system_object 1), the
    // folders under them. Readable by msdb's ServerGroupReaderRole. Columns from the view's definition in msdb.
    schema: 'dbo',
    name: 'sysmanagement_shared_server_groups',
    database: 'msdb',
    kind: 'view',
    since: 10,
    doc: 'sysmanagement_shared_server_groups (Transact-SQL)',
    permission: 'cms-reader',
    columns: cols([
      ['server_group_id', INT, NN],
      ['name', SYSNAME, NN],
      ['description', nvarchar(2048), NN],
      ['server_type', INT, NN],
      ['parent_id', INT, N],
      ['is_system_object', BIT, N],
      ['num_server_group_children', INT, N],
      ['num_registered_server_children', INT, N],
    ]),
  },
  {
    // The servers registered in a Central Management Server: a display name, the name to connect to
    // (host, host\\instance or host,port) and its group. server_type 0 is the Database Engine.
    schema: 'dbo',
    name: 'sysmanagement_shared_registered_servers',
    database: 'msdb',
    kind: 'view',
    since: 10,
    doc: 'sysmanagement_shared_registered_servers (Transact-SQL)',
    permission: 'cms-reader',
    columns: cols([
      ['server_id', INT, NN],
      ['server_group_id', INT, N],
      ['name', SYSNAME, NN],
      ['server_name', SYSNAME, NN],
      ['description', nvarchar(2048), NN],
      ['server_type', INT, NN],
    ]),
  },
  {
    // SQL Server Agent's jobs. msdb grants no SELECT on its Agent tables to public: a monitoring login needs
    // a GRANT (or sysadmin) and gets Msg 229 without it. Columns as dbo.sysjobs (Transact-SQL) lists them.
    schema: 'dbo',
    name: 'sysjobs',
    database: 'msdb',
    kind: 'table',
    since: 10,
    doc: 'dbo.sysjobs (Transact-SQL)',
    permission: 'select-msdb-agent',
    columns: cols([
      ['job_id', GUID, NN],
      ['originating_server_id', INT, NN],
      ['name', SYSNAME, NN],
      ['enabled', TINYINT, NN],
      ['description', nvarchar(512), N],
      ['start_step_id', INT, NN],
      ['category_id', INT, NN],
      ['date_created', DATETIME, NN],
      ['date_modified', DATETIME, NN],
      ['version_number', INT, NN],
    ]),
  },
  {
    // Each job's steps: what it runs (command, nvarchar(max)), with which subsystem, in which database.
    schema: 'dbo',
    name: 'sysjobsteps',
    database: 'msdb',
    kind: 'table',
    since: 10,
    doc: 'dbo.sysjobsteps (Transact-SQL)',
    permission: 'select-msdb-agent',
    columns: cols([
      ['job_id', GUID, NN],
      ['step_id', INT, NN],
      ['step_name', SYSNAME, NN],
      ['subsystem', nvarchar(40), NN],
      ['command', nvarchar('max'), N],
      ['database_name', SYSNAME, N],
      ['on_success_action', TINYINT, NN],
      ['on_fail_action', TINYINT, NN],
      ['last_run_outcome', INT, NN],
      ['last_run_date', INT, NN],
      ['last_run_time', INT, NN],
    ]),
  },
  {
    // When each job runs next (yyyyMMdd, HHmmss on the server's clock; 0 when nothing is due). Agent
    // refreshes it every 20 minutes, so it can lag the schedule.
    schema: 'dbo',
    name: 'sysjobschedules',
    database: 'msdb',
    kind: 'table',
    since: 10,
    doc: 'dbo.sysjobschedules (Transact-SQL)',
    permission: 'select-msdb-agent',
    columns: cols([
      ['schedule_id', INT, NN],
      ['job_id', GUID, NN],
      ['next_run_date', INT, NN],
      ['next_run_time', INT, NN],
    ]),
  },
  {
    // Agent's record of runs: per run a row per step and the job's outcome (step_id 0); run_status 0
    // failed, 1 succeeded, 2 retry, 3 canceled, 4 in progress; the step's error in message.
    schema: 'dbo',
    name: 'sysjobhistory',
    database: 'msdb',
    kind: 'table',
    since: 10,
    doc: 'dbo.sysjobhistory (Transact-SQL)',
    permission: 'select-msdb-agent',
    columns: cols([
      ['instance_id', INT, NN],
      ['job_id', GUID, NN],
      ['step_id', INT, NN],
      ['step_name', SYSNAME, NN],
      ['sql_message_id', INT, NN],
      ['sql_severity', INT, NN],
      ['message', nvarchar(4000), N],
      ['run_status', INT, NN],
      ['run_date', INT, NN],
      ['run_time', INT, NN],
      ['run_duration', INT, NN],
      ['retries_attempted', INT, NN],
      ['server', SYSNAME, NN],
    ]),
  },
  {
    // Agent's jobs now: a row per job and Agent session (syssessions, readable by sysadmin only), with the
    // start and stop of its last run; a run going on has a start and no stop. Columns as dbo.sysjobactivity
    // (Transact-SQL) lists them; run_requested_source is a sysname holding a number.
    schema: 'dbo',
    name: 'sysjobactivity',
    database: 'msdb',
    kind: 'table',
    since: 10,
    doc: 'dbo.sysjobactivity (Transact-SQL)',
    permission: 'select-msdb-agent',
    columns: cols([
      ['session_id', INT, NN],
      ['job_id', GUID, NN],
      ['run_requested_date', DATETIME, N],
      ['run_requested_source', SYSNAME, N],
      ['queued_date', DATETIME, N],
      ['start_execution_date', DATETIME, N],
      ['last_executed_step_id', INT, N],
      ['last_executed_step_date', DATETIME, N],
      ['stop_execution_date', DATETIME, N],
      ['job_history_id', INT, N],
      ['next_scheduled_run_date', DATETIME, N],
    ]),
  },
  {
    schema: 'dbo',
    name: 'logmarkhistory',
    database: 'msdb',
    kind: 'table',
    since: 10.5,
    doc: 'logmarkhistory (Transact-SQL)',
    permission: 'select-msdb-history',
    columns: cols([
      ['database_name', SYSNAME, NN],
      ['mark_name', SYSNAME, NN],
      ['description', nvarchar(255), N],
      ['user_name', SYSNAME, N],
      ['lsn', LSN, NN],
      ['mark_time', DATETIME, NN],
    ]),
  },
  {
    schema: 'sys',
    name: 'databases',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.databases (Transact-SQL)',
    permission: 'public',
    columns: cols([
      ['name', SYSNAME, NN],
      ['database_id', INT, NN],
      ['source_database_id', INT, N],
      ['owner_sid', varbinary(85), N],
      ['create_date', DATETIME, NN],
      ['compatibility_level', TINYINT, NN],
      ['collation_name', SYSNAME, N],
      ['user_access', TINYINT, N],
      ['user_access_desc', nvarchar(60), N],
      ['is_read_only', BIT, N],
      ['is_auto_close_on', BIT, NN],
      ['is_auto_shrink_on', BIT, N],
      ['state', TINYINT, N],
      ['state_desc', nvarchar(60), N],
      ['is_in_standby', BIT, N],
      ['is_cleanly_shutdown', BIT, N],
      ['recovery_model', TINYINT, N],
      ['recovery_model_desc', nvarchar(60), N],
      ['page_verify_option', TINYINT, N],
      ['page_verify_option_desc', nvarchar(60), N],
      ['log_reuse_wait', TINYINT, N],
      ['log_reuse_wait_desc', nvarchar(60), N],
      ['is_encrypted', BIT, N],
      ['replica_id', GUID, N, 11],
      ['group_database_id', GUID, N, 11],
      ['delayed_durability_desc', nvarchar(60), N, 12],
      ['is_accelerated_database_recovery_on', BIT, N, 15],
    ]),
  },
  {
    schema: 'sys',
    name: 'database_recovery_status',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.database_recovery_status (Transact-SQL)',
    permission: 'public',
    columns: cols([
      ['database_id', INT, NN],
      ['database_guid', GUID, N],
      ['family_guid', GUID, N],
      ['last_log_backup_lsn', LSN, N],
      ['recovery_fork_guid', GUID, N],
      ['first_recovery_fork_guid', GUID, N],
      ['fork_point_lsn', LSN, N],
    ]),
  },
  {
    schema: 'sys',
    name: 'master_files',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.master_files (Transact-SQL)',
    permission: 'public',
    columns: cols([
      ['database_id', INT, NN],
      ['file_id', INT, NN],
      ['file_guid', GUID, N],
      ['type', TINYINT, NN],
      ['type_desc', nvarchar(60), N],
      ['data_space_id', INT, NN],
      ['name', SYSNAME, NN],
      ['physical_name', nvarchar(260), NN],
      ['state', TINYINT, N],
      ['state_desc', nvarchar(60), N],
      ['size', INT, NN],
      ['max_size', INT, NN],
      ['growth', INT, NN],
      ['is_read_only', BIT, NN],
      ['is_percent_growth', BIT, NN],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_os_volume_stats',
    database: null,
    kind: 'function',
    parameters: [INT, INT],
    since: 10.5,
    doc: 'sys.dm_os_volume_stats (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['database_id', INT, NN],
      ['file_id', INT, NN],
      ['volume_mount_point', nvarchar(512), N],
      ['volume_id', nvarchar(512), N],
      ['logical_volume_name', nvarchar(512), N],
      ['file_system_type', nvarchar(512), N],
      ['total_bytes', BIGINT, NN],
      ['available_bytes', BIGINT, NN],
      ['supports_compression', BIT, NN],
      ['supports_alternate_streams', BIT, NN],
      ['supports_sparse_files', BIT, NN],
      ['is_read_only', BIT, NN],
      ['is_compressed', BIT, NN],
    ]),
  },
  {
    // The instance's services, SQL Server Agent's among them ("SQL Server Agent (MSSQLSERVER)"): status 1
    // Stopped, 4 Running. 2008 R2 SP1 and later (rpotop sends it from 2012 on: an RTM 2008 R2 lacks it).
    schema: 'sys',
    name: 'dm_server_services',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.dm_server_services (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['servicename', nvarchar(256), NN],
      ['startup_type', INT, N],
      ['status', INT, N],
      ['status_desc', nvarchar(256), NN],
      ['process_id', INT, NN],
      ['service_account', nvarchar(256), NN],
      ['filename', nvarchar(256), NN],
      ['is_clustered', nvarchar(1), NN],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_exec_connections',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.dm_exec_connections (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['session_id', INT, N],
      ['most_recent_session_id', INT, N],
      ['connect_time', DATETIME, NN],
      ['net_transport', nvarchar(40), NN],
      ['protocol_type', nvarchar(40), N],
      ['protocol_version', INT, N],
      ['endpoint_id', INT, N],
      ['encrypt_option', nvarchar(40), NN],
      ['auth_scheme', nvarchar(40), NN],
      ['node_affinity', SMALLINT, NN],
      ['num_reads', INT, N],
      ['num_writes', INT, N],
      ['last_read', DATETIME, N],
      ['last_write', DATETIME, N],
      ['net_packet_size', INT, N],
      ['client_net_address', varchar(48), N],
      ['client_tcp_port', INT, N],
      ['local_net_address', varchar(48), N],
      ['local_tcp_port', INT, N],
      ['connection_id', GUID, NN],
      ['parent_connection_id', GUID, N],
      ['most_recent_sql_handle', varbinary(64), N],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_exec_requests',
    database: null,
    kind: 'view',
    since: 10.5,
    doc: 'sys.dm_exec_requests (Transact-SQL)',
    // Without VIEW SERVER STATE a login sees its own requests only (no error).
    permission: 'own-requests',
    columns: cols([
      ['session_id', SMALLINT, NN],
      ['request_id', INT, NN],
      ['start_time', DATETIME, NN],
      ['status', nvarchar(30), NN],
      // nvarchar(16) on the SQL Server 2008 and 2008 R2 pages, nvarchar(32) from 2012.
      ['command', nvarchar(32), NN, undefined, { version: 11, type: nvarchar(16) }],
      ['sql_handle', varbinary(64), N],
      ['database_id', SMALLINT, NN],
      ['blocking_session_id', SMALLINT, N],
      ['wait_type', nvarchar(60), N],
      ['wait_time', INT, NN],
      ['percent_complete', REAL, NN],
      ['estimated_completion_time', BIGINT, NN],
      ['cpu_time', INT, NN],
      ['total_elapsed_time', INT, NN],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_exec_sql_text',
    database: null,
    kind: 'function',
    parameters: [varbinary(64)],
    since: 10.5,
    doc: 'sys.dm_exec_sql_text (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['dbid', SMALLINT, N],
      ['objectid', INT, N],
      ['number', SMALLINT, N],
      ['encrypted', BIT, NN],
      ['text', nvarchar('max'), N],
    ]),
  },
  {
    schema: 'sys',
    name: 'availability_groups',
    database: null,
    kind: 'view',
    since: 11,
    doc: 'sys.availability_groups (Transact-SQL)',
    permission: 'public',
    columns: cols([
      ['group_id', GUID, NN],
      ['name', SYSNAME, N],
      ['resource_id', nvarchar(40), N],
      ['resource_group_id', nvarchar(40), N],
      ['failure_condition_level', INT, N],
      ['health_check_timeout', INT, N],
      ['automated_backup_preference', TINYINT, N],
      ['automated_backup_preference_desc', nvarchar(60), N],
    ]),
  },
  {
    schema: 'sys',
    name: 'availability_replicas',
    database: null,
    kind: 'view',
    since: 11,
    doc: 'sys.availability_replicas (Transact-SQL)',
    permission: 'public',
    columns: cols([
      ['replica_id', GUID, NN],
      ['group_id', GUID, NN],
      ['replica_metadata_id', INT, N],
      ['replica_server_name', nvarchar(256), N],
      ['owner_sid', varbinary(85), N],
      ['endpoint_url', nvarchar(128), N],
      ['availability_mode', TINYINT, N],
      ['availability_mode_desc', nvarchar(60), N],
      ['failover_mode', TINYINT, N],
      ['failover_mode_desc', nvarchar(60), N],
      ['session_timeout', INT, N],
      ['primary_role_allow_connections', TINYINT, N],
      ['primary_role_allow_connections_desc', nvarchar(60), N],
      ['secondary_role_allow_connections', TINYINT, N],
      ['secondary_role_allow_connections_desc', nvarchar(60), N],
      ['create_date', DATETIME, N],
      ['modify_date', DATETIME, N],
      ['backup_priority', INT, N],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_hadr_database_replica_states',
    database: null,
    kind: 'view',
    since: 11,
    doc: 'sys.dm_hadr_database_replica_states (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['database_id', INT, NN],
      ['group_id', GUID, NN],
      ['replica_id', GUID, NN],
      ['group_database_id', GUID, NN],
      ['is_local', BIT, NN],
      ['is_primary_replica', BIT, N, 12],
      ['synchronization_state_desc', nvarchar(60), N],
      ['synchronization_health_desc', nvarchar(60), N],
      ['database_state_desc', nvarchar(60), N],
      ['last_hardened_lsn', LSN, N],
      ['last_commit_time', DATETIME, N],
    ]),
  },
  {
    schema: 'sys',
    name: 'dm_hadr_availability_replica_states',
    database: null,
    kind: 'view',
    since: 11,
    doc: 'sys.dm_hadr_availability_replica_states (Transact-SQL)',
    permission: 'view-server-state',
    columns: cols([
      ['replica_id', GUID, NN],
      ['group_id', GUID, NN],
      ['is_local', BIT, NN],
      ['role', TINYINT, N],
      ['role_desc', nvarchar(60), N],
      ['operational_state_desc', nvarchar(60), N],
      ['connected_state_desc', nvarchar(60), N],
      ['synchronization_health_desc', nvarchar(60), N],
    ]),
  },
];

/** Scalar functions that exist only from some version on (built-ins not listed exist in every supported one). */
export const versionedFunctions: Record<string, { since: number; doc: string }> = {
  'sys.fn_hadr_backup_is_preferred_replica': { since: 11, doc: 'sys.fn_hadr_backup_is_preferred_replica (Transact-SQL)' },
};

export function findObject(schema: string, name: string, version: number): ObjectDef | undefined {
  const s = schema.toLowerCase();
  const n = name.toLowerCase();
  return systemObjects.find((o) => o.schema === s && o.name.toLowerCase() === n && o.since <= version);
}

export function columnsAt(object: ObjectDef, version: number): ColumnDef[] {
  return object.columns
    .filter((c) => (c.since ?? object.since) <= version)
    .map((c) => (c.earlier && version < c.earlier.version ? { ...c, type: c.earlier.type } : c));
}
