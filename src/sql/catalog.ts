/**
 * Every query rpotop sends to read a server, each with a stable id in a leading comment. The id
 * names the query in logs and errors, and the simulator answers by it; a test checks that every entry
 * has a simulator handler. The text is what a real SQL Server runs: change the id's version when the
 * result shape changes.
 *
 * LSNs are cast to varchar(25) on the server (numeric(25,0) exceeds 2^53), and the server's own clock
 * is read beside the history so times are compared on the server's clock.
 */
export interface CatalogQuery {
  id: string;
  text: string;
  /** Parameters and their T-SQL types, sent through sp_executesql. */
  params: Record<string, 'int' | 'nvarchar'>;
}

function query(id: string, body: string, params: CatalogQuery['params'] = {}): CatalogQuery {
  return { id, text: `-- rpotop:${id}\n${body.trim()}\n`, params };
}

export const serverQuery = query(
  'server.v1',
  `
SELECT
  CAST(@@SERVERNAME AS nvarchar(128)) AS server_name,
  CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
  CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
  GETDATE() AS local_now,
  DATEDIFF(minute, GETUTCDATE(), GETDATE()) AS utc_offset_minutes,
  (SELECT c.encrypt_option FROM sys.dm_exec_connections AS c WHERE c.session_id = @@SPID) AS encrypt_option,
  HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS has_view_server_state,
  HAS_DBACCESS('msdb') AS has_msdb_access,
  HAS_PERMS_BY_NAME(NULL, NULL, 'CREATE ANY DATABASE') AS can_create_database,
  (SELECT MIN(b.backup_set_id) FROM msdb.dbo.backupset AS b) AS msdb_min_backup_set_id,
  (SELECT MAX(b.backup_set_id) FROM msdb.dbo.backupset AS b) AS msdb_max_backup_set_id;`,
);

export const databasesQuery = query(
  'databases.v1',
  `
SELECT
  d.database_id,
  d.name,
  d.state_desc,
  d.recovery_model_desc,
  d.is_read_only,
  d.is_in_standby,
  d.user_access_desc,
  drs.database_guid,
  drs.recovery_fork_guid,
  CAST(drs.last_log_backup_lsn AS varchar(25)) AS last_log_backup_lsn,
  ag.name AS ag_name,
  ars.role_desc AS ag_role,
  CASE WHEN ag.name IS NULL THEN NULL ELSE sys.fn_hadr_backup_is_preferred_replica(d.name) END AS is_preferred_backup_replica,
  HAS_PERMS_BY_NAME(d.name, 'DATABASE', 'BACKUP LOG') AS can_backup_log
FROM sys.databases AS d
LEFT JOIN sys.database_recovery_status AS drs ON drs.database_id = d.database_id
LEFT JOIN sys.dm_hadr_database_replica_states AS hdrs ON hdrs.database_id = d.database_id AND hdrs.is_local = 1
LEFT JOIN sys.availability_groups AS ag ON ag.group_id = hdrs.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states AS ars ON ars.replica_id = hdrs.replica_id
WHERE d.database_id <> 2;`,
);

/** Data and log files with their volumes. They rarely change, so polls ask for them only now and then (@with_files). */
export const filesQuery = query(
  'files.v1',
  `
SELECT
  mf.database_id,
  mf.file_id,
  mf.type_desc,
  mf.name,
  mf.physical_name,
  CAST(mf.size AS bigint) * 8192 AS size_bytes,
  vs.volume_mount_point
FROM sys.master_files AS mf
OUTER APPLY sys.dm_os_volume_stats(mf.database_id, mf.file_id) AS vs
WHERE mf.database_id <> 2 AND @with_files = 1;`,
  { with_files: 'int' },
);

/**
 * Backup history, one row per media family (stripe) of each backup set. With @since_id = 0 (the first
 * poll) it reads the last @window_days days and, for every database, everything from its newest full
 * on, so a restore chain can be built whatever the window; later polls read only rows past @since_id,
 * so a poll's cost does not grow with msdb's size.
 */
export const historyQuery = query(
  'history.v2',
  `
SELECT
  bs.backup_set_id,
  bs.backup_set_uuid,
  bs.media_set_id,
  bs.position,
  bs.database_name,
  bs.database_guid,
  bs.family_guid,
  bs.type,
  bs.recovery_model,
  CAST(bs.first_lsn AS varchar(25)) AS first_lsn,
  CAST(bs.last_lsn AS varchar(25)) AS last_lsn,
  CAST(bs.checkpoint_lsn AS varchar(25)) AS checkpoint_lsn,
  CAST(bs.database_backup_lsn AS varchar(25)) AS database_backup_lsn,
  CAST(bs.differential_base_lsn AS varchar(25)) AS differential_base_lsn,
  bs.differential_base_guid,
  bs.first_recovery_fork_guid,
  bs.last_recovery_fork_guid,
  bs.is_copy_only,
  bs.is_damaged,
  bs.is_snapshot,
  bs.has_bulk_logged_data,
  bs.begins_log_chain,
  bs.has_backup_checksums,
  bs.is_force_offline,
  bs.has_incomplete_metadata,
  bs.backup_start_date,
  bs.backup_finish_date,
  bs.time_zone,
  CAST(bs.backup_size AS bigint) AS backup_size,
  CAST(bs.compressed_backup_size AS bigint) AS compressed_backup_size,
  ms.family_count,
  mf.family_sequence_number,
  mf.physical_device_name,
  mf.device_type
FROM msdb.dbo.backupset AS bs
JOIN msdb.dbo.backupmediaset AS ms ON ms.media_set_id = bs.media_set_id
JOIN msdb.dbo.backupmediafamily AS mf ON mf.media_set_id = bs.media_set_id AND mf.mirror = 0
WHERE bs.type IN ('D', 'I', 'L')
  AND bs.backup_set_id > @since_id
  AND (
    @since_id > 0
    OR bs.backup_finish_date >= DATEADD(day, -@window_days, GETDATE())
    OR bs.backup_set_id >= (
      SELECT MAX(f.backup_set_id) FROM msdb.dbo.backupset AS f
      WHERE f.database_name = bs.database_name AND f.type = 'D'
    )
  )
ORDER BY bs.backup_set_id, mf.family_sequence_number;`,
  { since_id: 'int', window_days: 'int' },
);

/**
 * The progress of one running BACKUP or RESTORE, found by its statement text (a request's session is
 * not known to the pool that sent it): the fallback when STATS messages do not arrive as they are sent.
 * CHARINDEX, not LIKE: the text holds [ ] and % that LIKE would take for patterns.
 */
export const progressQuery = query(
  'progress.v2',
  `
SELECT
  r.session_id,
  r.command,
  CAST(r.percent_complete AS float) AS percent_complete,
  r.estimated_completion_time,
  r.start_time
FROM sys.dm_exec_requests AS r
CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t
WHERE r.session_id <> @@SPID
  AND (r.command LIKE 'BACKUP%' OR r.command LIKE 'RESTORE%')
  AND CHARINDEX(@statement, t.text) > 0;`,
  { statement: 'nvarchar' },
);

export const catalog: readonly CatalogQuery[] = [serverQuery, databasesQuery, filesQuery, historyQuery, progressQuery];
