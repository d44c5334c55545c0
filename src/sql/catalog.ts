/**
 * Every query rpotop sends to read a server, each with a stable id in a leading comment. The id names
 * the query in logs and errors; the simulator ignores it and runs the text against the system views of
 * the simulated version (src/sim/sql), so a name SQL Server does not have fails in the tests as it
 * would in production. Change the id's version when the result shape changes.
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

/**
 * What a poll may read on this server: its major version (10.5 = 2008 R2 ... 16 = 2022) and whether the
 * login holds VIEW SERVER STATE, which every DMV needs. Read once per connection by `probeQuery`, then
 * the poll batch is built from the variants below: a variant per case, each with its own id, so a 2008 R2
 * instance is never sent the availability-group views it lacks and a monitoring login without VIEW
 * SERVER STATE is never sent a DMV it would be refused (Msg 300).
 */
export interface ServerCapabilities {
  major: number;
  viewServerState: boolean;
  /** SELECT on the five msdb Agent tables the poll reads (sysjobs and the rest): granted, or the login is sysadmin. */
  readAgent: boolean;
}

/** The msdb tables the Agent query reads: each needs its own GRANT (msdb grants public none of them). */
export const AGENT_TABLES = ['sysjobs', 'sysjobsteps', 'sysjobschedules', 'sysjobhistory', 'sysjobactivity'] as const;

/**
 * Needs no permission beyond connecting: SERVERPROPERTY and HAS_PERMS_BY_NAME answer every login. The Agent
 * query is sent only when every table it reads may be read: one missing GRANT would fail the whole batch (229).
 */
export const probeQuery = query(
  'probe.v3',
  `
SELECT
  CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
  HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS has_view_server_state,
  CASE WHEN ${AGENT_TABLES.map((t) => `HAS_PERMS_BY_NAME(N'msdb.dbo.${t}', N'OBJECT', N'SELECT') = 1`).join('\n    AND ')}
    THEN 1 ELSE 0 END AS can_read_agent;`,
);

/** The oldest version rpotop polls: SQL Server 2008 R2. */
export const MIN_MAJOR_VERSION = 10.5;

function serverText(encryptOption: string): string {
  return `
SELECT
  CAST(@@SERVERNAME AS nvarchar(128)) AS server_name,
  CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
  CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
  GETDATE() AS local_now,
  DATEDIFF(minute, GETUTCDATE(), GETDATE()) AS utc_offset_minutes,
  ${encryptOption} AS encrypt_option,
  HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS has_view_server_state,
  HAS_PERMS_BY_NAME(NULL, NULL, 'CREATE ANY DATABASE') AS can_create_database,
  (SELECT MIN(b.backup_set_id) FROM msdb.dbo.backupset AS b) AS msdb_min_backup_set_id,
  (SELECT MAX(b.backup_set_id) FROM msdb.dbo.backupset AS b) AS msdb_max_backup_set_id;`;
}

export const serverQuery = query(
  'server.v2',
  serverText('(SELECT c.encrypt_option FROM sys.dm_exec_connections AS c WHERE c.session_id = @@SPID)'),
);
/** Without VIEW SERVER STATE the link's encryption cannot be read (sys.dm_exec_connections). */
export const serverQueryNoView = query('server.v2-noview', serverText('CAST(NULL AS nvarchar(40))'));

function databasesText(ag: { columns: string; joins: string }): string {
  return `
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
  ${ag.columns},
  HAS_PERMS_BY_NAME(d.name, 'DATABASE', 'BACKUP LOG') AS can_backup_log
FROM sys.databases AS d
LEFT JOIN sys.database_recovery_status AS drs ON drs.database_id = d.database_id${ag.joins}
WHERE d.database_id <> 2;`;
}

const PREFERRED = 'CASE WHEN ag.name IS NULL THEN NULL ELSE sys.fn_hadr_backup_is_preferred_replica(d.name) END AS is_preferred_backup_replica';

export const databasesQuery = query(
  'databases.v1',
  databasesText({
    columns: `ag.name AS ag_name,
  ars.role_desc AS ag_role,
  ${PREFERRED}`,
    joins: `
LEFT JOIN sys.dm_hadr_database_replica_states AS hdrs ON hdrs.database_id = d.database_id AND hdrs.is_local = 1
LEFT JOIN sys.availability_groups AS ag ON ag.group_id = hdrs.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states AS ars ON ars.replica_id = hdrs.replica_id`,
  }),
);

/** The group from catalog views (sys.databases.replica_id, 2012+), which need no VIEW SERVER STATE; the role needs a DMV. */
export const databasesQueryNoView = query(
  'databases.v1-noview',
  databasesText({
    columns: `ag.name AS ag_name,
  CAST(NULL AS nvarchar(60)) AS ag_role,
  ${PREFERRED}`,
    joins: `
LEFT JOIN sys.availability_replicas AS ar ON ar.replica_id = d.replica_id
LEFT JOIN sys.availability_groups AS ag ON ag.group_id = ar.group_id`,
  }),
);

/** SQL Server 2008 R2 has no availability groups, nor their views and functions. */
export const databasesQuery2008R2 = query(
  'databases.v1-2008r2',
  databasesText({
    columns: `CAST(NULL AS nvarchar(128)) AS ag_name,
  CAST(NULL AS nvarchar(60)) AS ag_role,
  CAST(NULL AS bit) AS is_preferred_backup_replica`,
    joins: '',
  }),
);

function filesText(volume: { column: string; apply: string }): string {
  return `
SELECT
  mf.database_id,
  mf.file_id,
  mf.type_desc,
  mf.name,
  mf.physical_name,
  CAST(mf.size AS bigint) * 8192 AS size_bytes,
  ${volume.column} AS volume_mount_point
FROM sys.master_files AS mf${volume.apply}
WHERE mf.database_id <> 2 AND @with_files = 1;`;
}

/** Data and log files with their volumes. They rarely change, so polls ask for them only now and then (@with_files). */
export const filesQuery = query(
  'files.v1',
  filesText({ column: 'vs.volume_mount_point', apply: '\nOUTER APPLY sys.dm_os_volume_stats(mf.database_id, mf.file_id) AS vs' }),
  { with_files: 'int' },
);
/** sys.dm_os_volume_stats needs VIEW SERVER STATE: without it, files without their volumes. */
export const filesQueryNoView = query('files.v1-noview', filesText({ column: 'CAST(NULL AS nvarchar(512))', apply: '' }), { with_files: 'int' });

/** One row per media family (stripe) of each backup set: the history rows every history query returns. */
const HISTORY_COLUMNS = `
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
  ms.media_family_count,
  mf.family_sequence_number,
  mf.physical_device_name,
  mf.device_type`;

const HISTORY_JOINS = `
JOIN msdb.dbo.backupmediaset AS ms ON ms.media_set_id = bs.media_set_id
JOIN msdb.dbo.backupmediafamily AS mf ON mf.media_set_id = bs.media_set_id AND mf.mirror = 0`;

/**
 * src/domain/history.ts unusableReason in T-SQL, for backup set `b` of media set `m`: recorded whole (type,
 * LSNs and dates), not marked damaged, no family written to NUL, and every stripe of the media set recorded.
 */
function usable(b: string, m: string): string {
  return `${b}.first_lsn IS NOT NULL AND ${b}.last_lsn IS NOT NULL
    AND ${b}.backup_start_date IS NOT NULL AND ${b}.backup_finish_date IS NOT NULL
    AND COALESCE(${b}.is_damaged, 0) = 0
    AND NOT EXISTS (
      SELECT 1 FROM msdb.dbo.backupmediafamily AS nul
      WHERE nul.media_set_id = ${b}.media_set_id AND nul.mirror = 0 AND LTRIM(RTRIM(nul.physical_device_name)) IN (N'NUL', N'NUL:')
    )
    AND (
      SELECT COUNT(DISTINCT fam.family_sequence_number) FROM msdb.dbo.backupmediafamily AS fam
      WHERE fam.media_set_id = ${b}.media_set_id AND fam.mirror = 0
    ) >= COALESCE(${m}.media_family_count, 1)`;
}

/**
 * src/domain/chain.ts partition in T-SQL: backup set `b` belongs to the database's incarnation, the one
 * sys.database_recovery_status reports (drs) or, when it reports none, that of the newest backup (nw).
 */
function inIncarnation(b: string): string {
  const fork = 'COALESCE(drs.recovery_fork_guid, nw.last_recovery_fork_guid)';
  return `${b}.database_guid = COALESCE(drs.database_guid, nw.database_guid)
    AND ${b}.last_recovery_fork_guid = ${fork}
    AND (${b}.type <> 'D' OR ${b}.first_recovery_fork_guid = ${fork})`;
}

/**
 * usable(b, m) for a row joined to its own media family `f` (mirror 0): a media set of one family is decided
 * by that family alone (its device not NUL; one family recorded, as many as the set has), without the two
 * lookups in backupmediafamily; a set of several stripes takes them. The same rule, said twice: the first
 * disjunct implies the second wherever msdb records a set's families as it records their count.
 */
function usableOwnFamily(b: string, m: string, f: string): string {
  // COALESCE as usable() has them, so that this disjunct is never UNKNOWN where usable() is FALSE.
  return `(COALESCE(${m}.media_family_count, 1) = 1
      AND ${b}.first_lsn IS NOT NULL AND ${b}.last_lsn IS NOT NULL
      AND ${b}.backup_start_date IS NOT NULL AND ${b}.backup_finish_date IS NOT NULL
      AND COALESCE(${b}.is_damaged, 0) = 0
      AND LTRIM(RTRIM(COALESCE(${f}.physical_device_name, N''))) NOT IN (N'NUL', N'NUL:')
    OR ${usable(b, m)})`;
}

/** Backup set `b` (of media set `m`, on its family `f`'s row) is one a finding names (src/domain/status-rows.ts isNotable). */
function notable(b: string, m: string, f: string): string {
  return `COALESCE(${b}.is_snapshot, 0) = 1
      OR ${b}.type = 'L' AND COALESCE(${b}.has_bulk_logged_data, 0) = 1
      OR ${b}.type = 'D' AND COALESCE(${b}.is_copy_only, 0) = 1
      OR NOT ${usableOwnFamily(b, m, f)}`;
}

/**
 * src/domain/log-runs.ts foldLogRuns in T-SQL, for the status row `bs`: of the database's logs past the anchor
 * `a`, in LSN order, a plain link (usable, this incarnation, regular, named by no finding) that starts where a
 * plain link before it ended, and is continued so by the next, is folded (f.folded = 1); the log that ends a
 * run of folded ones carries their count, bytes and the LSN the first began at. LAG, LEAD and SUM with ORDER
 * BY need SQL Server 2012 (11.x). The groups: each log counts the unfolded logs from it on, so a run's folded
 * logs share the count of the log that ends it. An availability group database's logs are never folded: its
 * chain runs across the replicas, and its polled history is its whole history.
 */
function foldedRuns(): string {
  const order = 'rt.last_lsn, rt.first_lsn, rt.backup_set_id';
  return `
OUTER APPLY (
  SELECT fr.folded, fr.run_from, fr.run_logs, fr.run_bytes
  FROM (
    SELECT rv.backup_set_id, rv.folded,
      MIN(CASE WHEN rv.folded = 1 THEN rv.first_lsn END) OVER (PARTITION BY rv.grp) AS run_from,
      SUM(rv.folded) OVER (PARTITION BY rv.grp) AS run_logs,
      SUM(CASE WHEN rv.folded = 1 THEN rv.backup_size END) OVER (PARTITION BY rv.grp) AS run_bytes
    FROM (
      SELECT ru.backup_set_id, ru.first_lsn, ru.backup_size, ru.folded,
        SUM(1 - ru.folded) OVER (ORDER BY ru.last_lsn DESC, ru.first_lsn DESC, ru.backup_set_id DESC) AS grp
      FROM (
        SELECT rt.backup_set_id, rt.first_lsn, rt.last_lsn, rt.backup_size,
          CASE WHEN rt.plain = 1 AND rt.backup_set_id <> rt.newest
            AND LAG(rt.plain) OVER (ORDER BY ${order}) = 1 AND LAG(rt.last_lsn) OVER (ORDER BY ${order}) = rt.first_lsn
            AND LEAD(rt.plain) OVER (ORDER BY ${order}) = 1 AND LEAD(rt.first_lsn) OVER (ORDER BY ${order}) = rt.last_lsn
          THEN 1 ELSE 0 END AS folded
        FROM (
          SELECT l.backup_set_id, l.first_lsn, l.last_lsn, l.backup_size,
            CASE WHEN COALESCE(l.is_copy_only, 0) = 0 AND COALESCE(l.is_force_offline, 0) = 0
              AND COALESCE(l.has_incomplete_metadata, 0) = 0 AND COALESCE(l.is_snapshot, 0) = 0
              AND COALESCE(l.has_bulk_logged_data, 0) = 0
              AND ${usable('l', 'lm')}
              AND ${inIncarnation('l')}
            THEN 1 ELSE 0 END AS plain,
            (SELECT MAX(n.backup_set_id) FROM msdb.dbo.backupset AS n WHERE n.database_name = d.name AND n.type = 'L') AS newest
          FROM msdb.dbo.backupset AS l
          JOIN msdb.dbo.backupmediaset AS lm ON lm.media_set_id = l.media_set_id
          WHERE l.database_name = d.name AND l.type = 'L' AND l.last_lsn > a.last_lsn
        ) AS rt
      ) AS ru
    ) AS rv
  ) AS fr
  WHERE bs.type = 'L' AND bs.last_lsn > a.last_lsn AND d.replica_id IS NULL AND fr.backup_set_id = bs.backup_set_id
) AS f`;
}

/** Backup set `b` is the newest of its database with this condition. */
function newestWhere(b: string, alias: string, condition: string): string {
  return `${b}.backup_set_id = (SELECT MAX(${alias}.backup_set_id) FROM msdb.dbo.backupset AS ${alias} WHERE ${alias}.database_name = d.name AND ${condition})`;
}

/**
 * The first poll's history: per database, only the rows its status and findings read
 * (src/domain/status-rows.ts, whose rule this is in T-SQL; a test holds the two to the same rows), so the
 * first poll reads a few rows per database, not msdb's days of log backups. The anchor is the newest
 * usable full, or differential on a usable full that is not copy-only, of the database's incarnation (the
 * differential's base may be of an earlier one, of the same database by family_guid: chain.ts anchors),
 * ordered as the domain orders anchors (last_lsn, first_lsn, backup_set_id). Availability group
 * databases read the window and everything from their newest full on: their chain runs across replicas,
 * and one replica's msdb cannot tell where it starts. A backup set recorded without LSNs or dates is
 * always read, so that it is reported.
 */
function statusHistoryText(ag: boolean, fold: boolean): string {
  const window = 'bs.backup_finish_date >= DATEADD(day, -@window_days, GETDATE())';
  const runColumns = fold
    ? `,
  CAST(CASE WHEN f.run_logs > 0 THEN f.run_from END AS varchar(25)) AS run_from_lsn,
  CASE WHEN f.run_logs > 0 THEN f.run_logs END AS run_logs,
  CAST(CASE WHEN f.run_logs > 0 THEN f.run_bytes END AS bigint) AS run_bytes`
    : '';
  const agRows = ag
    ? `
    OR d.replica_id IS NOT NULL AND (${window} OR ${newestWhere('bs', 'nf', "nf.type = 'D'").replace('bs.backup_set_id =', 'bs.backup_set_id >=')})`
    : '';
  return `
SELECT${HISTORY_COLUMNS}${runColumns}
FROM sys.databases AS d
LEFT JOIN sys.database_recovery_status AS drs ON drs.database_id = d.database_id
OUTER APPLY (
  SELECT TOP (1) n.database_guid, n.last_recovery_fork_guid
  FROM msdb.dbo.backupset AS n
  WHERE n.database_name = d.name AND n.type IN ('D', 'I', 'L')
  ORDER BY n.backup_set_id DESC
) AS nw
OUTER APPLY (
  SELECT TOP (1) c.backup_set_id, c.type, c.last_lsn, c.differential_base_guid
  FROM msdb.dbo.backupset AS c
  JOIN msdb.dbo.backupmediaset AS cm ON cm.media_set_id = c.media_set_id
  WHERE c.database_name = d.name
    AND (c.type = 'D' OR c.type = 'I' AND EXISTS (
      SELECT 1
      FROM msdb.dbo.backupset AS f
      JOIN msdb.dbo.backupmediaset AS fm ON fm.media_set_id = f.media_set_id
      WHERE f.backup_set_uuid = c.differential_base_guid AND f.database_name = d.name
        AND f.type = 'D' AND COALESCE(f.is_copy_only, 0) = 0 AND f.last_lsn < c.last_lsn
        AND ${usable('f', 'fm')}
        AND (${inIncarnation('f')} OR f.family_guid = c.family_guid)
    ))
    AND ${usable('c', 'cm')}
    AND ${inIncarnation('c')}
  ORDER BY c.last_lsn DESC, c.first_lsn DESC, c.backup_set_id DESC
) AS a
JOIN msdb.dbo.backupset AS bs ON bs.database_name = d.name${HISTORY_JOINS}${fold ? foldedRuns() : ''}
WHERE d.database_id <> 2
  AND bs.type IN ('D', 'I', 'L')${fold ? '\n  AND COALESCE(f.folded, 0) = 0' : ''}
  AND (
    bs.backup_set_id = a.backup_set_id
    OR a.type = 'I' AND bs.backup_set_uuid = a.differential_base_guid
    OR bs.last_lsn > a.last_lsn
    OR ${newestWhere('bs', 'nt', 'nt.type = bs.type')}
    OR ${window} AND (
      a.backup_set_id IS NULL
      OR bs.type = 'D' AND COALESCE(bs.is_copy_only, 0) = 0 AND ${newestWhere('bs', 'nr', "nr.type = 'D' AND COALESCE(nr.is_copy_only, 0) = 0")}
      OR ${notable('bs', 'ms', 'mf')}
    )
    OR bs.first_lsn IS NULL OR bs.last_lsn IS NULL OR bs.backup_start_date IS NULL OR bs.backup_finish_date IS NULL${agRows}
  )
ORDER BY bs.backup_set_id, mf.family_sequence_number;`;
}

export const statusHistoryQuery = query('history-status.v4', statusHistoryText(true, true), { window_days: 'int' });
/**
 * SQL Server 2008 R2 has no availability groups, nor sys.databases.replica_id, nor LAG, LEAD or SUM with ORDER
 * BY: it sends the logs past the anchor unfolded, and the tracker folds them (heldStatusRows).
 */
export const statusHistoryQuery2008R2 = query('history-status.v3-2008r2', statusHistoryText(false, false), { window_days: 'int' });

/** Later polls: the rows msdb recorded since the highest backup_set_id already seen, so a poll's cost does not grow with msdb. */
export const historyQuery = query(
  'history.v4',
  `
SELECT${HISTORY_COLUMNS}
FROM msdb.dbo.backupset AS bs${HISTORY_JOINS}
WHERE bs.type IN ('D', 'I', 'L') AND bs.backup_set_id > @since_id
ORDER BY bs.backup_set_id, mf.family_sequence_number;`,
  { since_id: 'int' },
);

/**
 * One database's whole history, read on demand for its detail view and its restore plans: the last
 * @window_days days and everything from its newest full on.
 */
export const databaseHistoryQuery = query(
  'history-database.v1',
  `
SELECT${HISTORY_COLUMNS}
FROM msdb.dbo.backupset AS bs${HISTORY_JOINS}
WHERE bs.database_name = @database
  AND bs.type IN ('D', 'I', 'L')
  AND (
    bs.backup_finish_date >= DATEADD(day, -@window_days, GETDATE())
    OR bs.backup_set_id >= (
      SELECT MAX(f.backup_set_id) FROM msdb.dbo.backupset AS f
      WHERE f.database_name = @database AND f.type = 'D'
    )
  )
ORDER BY bs.backup_set_id, mf.family_sequence_number;`,
  { database: 'nvarchar', window_days: 'int' },
);


/**
 * SQL Server Agent's backup jobs, read with the files (now and then, not every poll): each T-SQL step that
 * backs up (a BACKUP statement, or Ola Hallengren's DatabaseBackup), its job's state, next run, last outcome,
 * its failures since the last success with the newest failure's message, and the start of a run going on now.
 * Times are Agent's yyyyMMdd * 1000000 + HHmmss on the server's clock, but running_since, a datetime on it.
 * Agent keeps a bounded history (1000 rows, 100 a job by default), so "failures since" counts what it still
 * holds. A run going on is the job's sysjobactivity row of Agent's current session (the highest session_id;
 * syssessions itself is readable by sysadmin only) with a start and no stop, as Microsoft's example for
 * dbo.sysjobactivity reads it. Needs SELECT on the Agent tables (capabilities.readAgent); without it the poll
 * sends the empty variant and says so.
 */
export const agentJobsQuery = query(
  'agent-jobs.v2',
  `
SELECT
  j.job_id,
  j.name AS job_name,
  j.enabled,
  st.step_id,
  st.command,
  nx.next_run,
  nx.schedules,
  lo.run_status AS last_run_status,
  CAST(lo.run_date AS bigint) * 1000000 + lo.run_time AS last_run,
  lf.message AS last_failure_message,
  CAST(lf.run_date AS bigint) * 1000000 + lf.run_time AS last_failure,
  fs.failures_since_success,
  fs.failing_since,
  ra.running_since
FROM msdb.dbo.sysjobs AS j
JOIN msdb.dbo.sysjobsteps AS st ON st.job_id = j.job_id
OUTER APPLY (
  SELECT MIN(CASE WHEN s.next_run_date > 0 THEN CAST(s.next_run_date AS bigint) * 1000000 + s.next_run_time END) AS next_run, COUNT(*) AS schedules
  FROM msdb.dbo.sysjobschedules AS s
  WHERE s.job_id = j.job_id
) AS nx
OUTER APPLY (
  SELECT TOP (1) h.run_status, h.run_date, h.run_time
  FROM msdb.dbo.sysjobhistory AS h
  WHERE h.job_id = j.job_id AND h.step_id = 0
  ORDER BY h.instance_id DESC
) AS lo
OUTER APPLY (
  SELECT TOP (1) h.message, h.run_date, h.run_time
  FROM msdb.dbo.sysjobhistory AS h
  WHERE h.job_id = j.job_id AND h.step_id = st.step_id AND h.run_status = 0
  ORDER BY h.instance_id DESC
) AS lf
OUTER APPLY (
  SELECT COUNT(*) AS failures_since_success, MIN(CAST(h.run_date AS bigint) * 1000000 + h.run_time) AS failing_since
  FROM msdb.dbo.sysjobhistory AS h
  WHERE h.job_id = j.job_id AND h.step_id = 0 AND h.run_status = 0
    AND h.instance_id > COALESCE((SELECT MAX(ok.instance_id) FROM msdb.dbo.sysjobhistory AS ok WHERE ok.job_id = j.job_id AND ok.step_id = 0 AND ok.run_status = 1), 0)
) AS fs
OUTER APPLY (
  SELECT MAX(a.start_execution_date) AS running_since
  FROM msdb.dbo.sysjobactivity AS a
  WHERE a.job_id = j.job_id AND a.start_execution_date IS NOT NULL AND a.stop_execution_date IS NULL
    AND a.session_id = (SELECT MAX(cur.session_id) FROM msdb.dbo.sysjobactivity AS cur)
) AS ra
WHERE @with_files = 1 AND st.subsystem = N'TSQL' AND (st.command LIKE N'%BACKUP%' OR st.command LIKE N'%DatabaseBackup%')
ORDER BY j.name, st.step_id;`,
  { with_files: 'int' },
);

/** The same columns, none of Agent's tables: a login that may not read them gets no Msg 229 in its poll. */
export const agentJobsQueryNone = query(
  'agent-jobs.v2-none',
  `
SELECT
  CAST(NULL AS uniqueidentifier) AS job_id,
  CAST(NULL AS nvarchar(128)) AS job_name,
  CAST(NULL AS tinyint) AS enabled,
  CAST(NULL AS int) AS step_id,
  CAST(NULL AS nvarchar(max)) AS command,
  CAST(NULL AS bigint) AS next_run,
  CAST(NULL AS int) AS schedules,
  CAST(NULL AS int) AS last_run_status,
  CAST(NULL AS bigint) AS last_run,
  CAST(NULL AS nvarchar(4000)) AS last_failure_message,
  CAST(NULL AS bigint) AS last_failure,
  CAST(NULL AS int) AS failures_since_success,
  CAST(NULL AS bigint) AS failing_since,
  CAST(NULL AS datetime) AS running_since
WHERE 1 = 0;`,
);

/**
 * Whether SQL Server Agent runs (sys.dm_server_services: status 4 Running, 1 Stopped): a stopped Agent runs
 * no backup job, whatever the jobs say. Needs VIEW SERVER STATE; the view exists from 2008 R2 SP1, so it is
 * sent from 2012 on (an RTM 2008 R2 would refuse the whole batch with 208). Read with the files.
 */
export const agentServiceQuery = query(
  'agent-service.v1',
  `
SELECT s.status, s.status_desc
FROM sys.dm_server_services AS s
WHERE @with_files = 1 AND s.servicename LIKE N'SQL Server Agent%';`,
  { with_files: 'int' },
);

/** The same columns, nothing read: for a login without VIEW SERVER STATE, or a 2008 R2 server. */
export const agentServiceQueryNone = query(
  'agent-service.v1-none',
  `
SELECT CAST(NULL AS int) AS status, CAST(NULL AS nvarchar(256)) AS status_desc
WHERE 1 = 0;`,
);

/** Whether this server and login are asked about the Agent service. */
export const agentServiceQueryFor = (caps: ServerCapabilities): CatalogQuery => (caps.viewServerState && caps.major >= 11 ? agentServiceQuery : agentServiceQueryNone);

/**
 * Every database's marked transactions of the last day, read with the poll now and then (@with_marks): what
 * a group's newest common mark is found from. logmarkhistory is small (a BizTalk group adds a row per
 * database per log backup) and is scanned, so it is not read on every poll.
 */
export const marksQuery = query(
  'marks.v1',
  `
SELECT m.database_name, m.mark_name, CAST(m.lsn AS varchar(25)) AS lsn, m.mark_time
FROM msdb.dbo.logmarkhistory AS m
WHERE @with_marks = 1 AND m.mark_time >= DATEADD(hour, -24, GETDATE());`,
  { with_marks: 'int' },
);

/**
 * Databases kept RESTORING (or read-only in STANDBY) and what their newest restore applied: a log-shipping
 * standby or BizTalk's destination system shows here how far behind its primary it is. A restore records
 * the backup set it read in this msdb (restorehistory.backup_set_id references backupset; "When a restore is
 * performed, backup history tables and restore history tables are modified", Backup History and Header
 * Information), with the server_name and time_zone of the server that took it. Only databases that are
 * not online are looked up, newest restore first, so the cost does not grow with restorehistory.
 */
export const restoresQuery = query(
  'restores.v1',
  `
SELECT
  d.name AS database_name,
  r.restore_date,
  r.restore_type,
  b.server_name AS source_server,
  b.database_name AS source_database,
  b.backup_finish_date AS source_finish,
  b.time_zone AS source_time_zone
FROM sys.databases AS d
CROSS APPLY (
  SELECT TOP (1) rh.restore_date, rh.restore_type, rh.backup_set_id
  FROM msdb.dbo.restorehistory AS rh
  WHERE rh.destination_database_name = d.name
  ORDER BY rh.restore_history_id DESC
) AS r
JOIN msdb.dbo.backupset AS b ON b.backup_set_id = r.backup_set_id
WHERE d.database_id > 4 AND (d.state_desc = N'RESTORING' OR d.is_in_standby = 1);`,
);

/**
 * One database's marked transactions (msdb.dbo.logmarkhistory, SQL Server 2008 and later) in the history
 * window: what a restore to a mark (STOPATMARK) can stop at. Read on demand with the whole history, not
 * polled. lsn is numeric(25,0): cast to text, as every LSN is.
 */
export const databaseMarksQuery = query(
  'marks-database.v1',
  `
SELECT m.mark_name, m.description, CAST(m.lsn AS varchar(25)) AS lsn, m.mark_time
FROM msdb.dbo.logmarkhistory AS m
WHERE m.database_name = @database
  AND m.mark_time >= DATEADD(day, -@window_days, GETDATE())
ORDER BY m.lsn;`,
  { database: 'nvarchar', window_days: 'int' },
);

/**
 * Which databases' backups this server restored lately (full restores: every restore sequence starts with
 * one), whatever ran them: a restore test by another tool, a refresh, a standby's seeding, rpotop's drills.
 * The backupset row a restore recorded names the source server and database. Read with the marks, now and
 * then (@with_restores); restorehistory keeps no duration, so these prove a backup restored, not how fast.
 */
export const restoredQuery = query(
  'restored-backups.v1',
  `
SELECT b.server_name, b.database_name, rh.destination_database_name, rh.restore_date, rh.user_name
FROM msdb.dbo.restorehistory AS rh
JOIN msdb.dbo.backupset AS b ON b.backup_set_id = rh.backup_set_id
WHERE @with_restores = 1 AND rh.restore_type = 'D' AND rh.restore_date >= DATEADD(day, -@window_days, GETDATE());`,
  { with_restores: 'int', window_days: 'int' },
);

/**
 * Where the server puts a new database's files when not told (SERVERPROPERTY, SQL Server 2012 and later;
 * NULL before): a drill's copy goes there, away from the source's own folders. Read on demand.
 */
export const defaultPathsQuery = query(
  'default-paths.v1',
  `
SELECT
  CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(260)) AS data_path,
  CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(260)) AS log_path;`,
);

/**
 * Where one database's next log backup starts (sys.database_recovery_status.last_log_backup_lsn, NULL when
 * none can be taken), read just before a plan takes its tail: a log backup taken since the plan was made
 * moves it past the plan's last backup, and the tail would then not restore after it (4305).
 */
export const chainEndQuery = query(
  'chain-end.v1',
  `
SELECT CAST(drs.last_log_backup_lsn AS varchar(25)) AS last_log_backup_lsn
FROM sys.databases AS d
JOIN sys.database_recovery_status AS drs ON drs.database_id = d.database_id
WHERE d.name = @database;`,
);

/**
 * A Central Management Server's Database Engine groups and registered servers (server_type 0), two result
 * sets: the folder tree by parent_id, and each registration with the name to connect to. Needs msdb's
 * ServerGroupReaderRole. For `rpotop config import cms`.
 */
export const cmsQuery = query(
  'cms.v1',
  `
SELECT g.server_group_id, g.parent_id, g.name, g.is_system_object
FROM msdb.dbo.sysmanagement_shared_server_groups AS g
WHERE g.server_type = 0;
SELECT s.server_group_id, s.name, s.server_name
FROM msdb.dbo.sysmanagement_shared_registered_servers AS s
WHERE s.server_type = 0;`,
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

export const catalog: readonly CatalogQuery[] = [
  probeQuery,
  serverQuery,
  serverQueryNoView,
  databasesQuery,
  databasesQueryNoView,
  databasesQuery2008R2,
  filesQuery,
  filesQueryNoView,
  statusHistoryQuery,
  statusHistoryQuery2008R2,
  historyQuery,
  databaseHistoryQuery,
  marksQuery,
  databaseMarksQuery,
  restoresQuery,
  restoredQuery,
  agentJobsQuery,
  agentJobsQueryNone,
  agentServiceQuery,
  agentServiceQueryNone,
  defaultPathsQuery,
  chainEndQuery,
  cmsQuery,
  progressQuery,
];

/**
 * The poll batch's four queries for a server: one round trip, no object the server lacks or the login may
 * not read. The first poll reads the rows status needs (statusHistoryQuery), later polls the rows since.
 */
export function pollQueries(caps: ServerCapabilities, first: boolean): [CatalogQuery, CatalogQuery, CatalogQuery, CatalogQuery] {
  const old = caps.major < 11;
  const databases = old ? databasesQuery2008R2 : caps.viewServerState ? databasesQuery : databasesQueryNoView;
  const history = !first ? historyQuery : old ? statusHistoryQuery2008R2 : statusHistoryQuery;
  return [caps.viewServerState ? serverQuery : serverQueryNoView, databases, caps.viewServerState ? filesQuery : filesQueryNoView, history];
}

/** The Agent jobs query this login may be sent: the empty variant without SELECT on Agent's tables. */
export const agentQueryFor = (caps: ServerCapabilities): CatalogQuery => (caps.readAgent ? agentJobsQuery : agentJobsQueryNone);

/** The catalog queries a server of these capabilities may be sent: both polls' variants, one database's history and, with VIEW SERVER STATE, progress. */
export function queriesFor(caps: ServerCapabilities): CatalogQuery[] {
  return [
    probeQuery,
    ...pollQueries(caps, true),
    agentQueryFor(caps),
    agentServiceQueryFor(caps),
    historyQuery,
    databaseHistoryQuery,
    marksQuery,
    restoresQuery,
    restoredQuery,
    databaseMarksQuery,
    defaultPathsQuery,
    chainEndQuery,
    ...(caps.viewServerState ? [progressQuery] : []),
  ];
}
