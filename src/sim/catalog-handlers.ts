import type { Session } from './engine.js';
import { activeRequests } from './engine.js';
import type { BackupSetRow } from './model.js';
import { UndeclaredVariable } from './tsql.js';
import type { Column, SqlValue } from './tds/types.js';

/**
 * The simulator's answers to rpotop's query catalog (src/sql/catalog.ts), by query id. Each result
 * carries the column types SQL Server returns for that query: sysname is nvarchar(128), msdb's LSNs are
 * numeric(25,0) cast to varchar(25), bit flags are nullable bits, dates are datetime.
 */
export type Result = { columns: Column[]; rows: SqlValue[][] };
export type CatalogHandler = (session: Session, params: ReadonlyMap<string, SqlValue>) => Result[];

const col = (name: string, type: Column['type'], nullable = true): Column => ({ name, type, nullable });
const INT = { kind: 'int' } as const;
const BIGINT = { kind: 'bigint' } as const;
const BIT = { kind: 'bit' } as const;
const DATETIME = { kind: 'datetime' } as const;
const GUID = { kind: 'uniqueidentifier' } as const;
const SYSNAME = { kind: 'nvarchar', length: 128 } as const;
const DESC = { kind: 'nvarchar', length: 60 } as const;
const LSN = { kind: 'varchar', length: 25 } as const;

const lsnText = (v: bigint | null): string | null => (v === null ? null : v.toString());

function server(session: Session): Result[] {
  const inst = session.instance;
  const now = inst.clock.now();
  return [
    {
      columns: [
        col('server_name', SYSNAME),
        col('product_version', SYSNAME),
        col('edition', SYSNAME),
        col('local_now', DATETIME, false),
        col('utc_offset_minutes', INT),
        col('encrypt_option', { kind: 'nvarchar', length: 40 }),
        col('has_view_server_state', INT),
        col('has_msdb_access', INT),
        col('can_create_database', INT),
        col('msdb_min_backup_set_id', INT),
        col('msdb_max_backup_set_id', INT),
      ],
      rows: [
        [
          inst.options.name,
          inst.options.version,
          'Developer Edition (64-bit)',
          inst.localNow(now),
          inst.options.timeZoneMinutes,
          session.encrypted ? 'TRUE' : 'FALSE',
          1,
          1,
          inst.options.readOnlyLogin ? 0 : 1,
          inst.backupset[0]?.backup_set_id ?? null,
          inst.backupset.at(-1)?.backup_set_id ?? null,
        ],
      ],
    },
  ];
}

function databases(session: Session): Result[] {
  const inst = session.instance;
  const now = inst.clock.now();
  const rows = inst.databases
    .filter((d) => d.databaseId !== 2)
    .map((d) => {
      d.advanceTo(now);
      const role = d.ag?.roles.get(inst.name) ?? null;
      return [
        d.databaseId,
        d.name,
        d.state,
        d.recoveryModel,
        d.isReadOnly,
        d.isInStandby,
        d.userAccess,
        d.databaseGuid,
        d.recoveryForkGuid,
        lsnText(d.state === 'ONLINE' || d.state === 'RESTORING' ? d.chainEnd : null),
        d.ag?.name ?? null,
        role,
        d.ag ? d.ag.preferredBackupReplica.toLowerCase() === inst.name.toLowerCase() : null,
        inst.options.readOnlyLogin ? 0 : 1,
      ];
    });
  return [
    {
      columns: [
        col('database_id', INT, false),
        col('name', SYSNAME, false),
        col('state_desc', DESC),
        col('recovery_model_desc', DESC),
        col('is_read_only', BIT),
        col('is_in_standby', BIT),
        col('user_access_desc', DESC),
        col('database_guid', GUID),
        col('recovery_fork_guid', GUID),
        col('last_log_backup_lsn', LSN),
        col('ag_name', SYSNAME),
        col('ag_role', DESC),
        col('is_preferred_backup_replica', BIT),
        col('can_backup_log', INT),
      ],
      rows,
    },
  ];
}

function files(session: Session, params: ReadonlyMap<string, SqlValue>): Result[] {
  const rows: SqlValue[][] = [];
  const wanted = Number(params.get('@with_files') ?? 1) === 1;
  for (const d of wanted ? session.instance.databases : []) {
    if (d.databaseId === 2) continue;
    for (const f of d.files) {
      rows.push([d.databaseId, f.fileId, f.type, f.logicalName, f.physicalName, BigInt(Math.ceil(f.sizeBytes / 8192)) * 8192n, f.volume]);
    }
  }
  return [
    {
      columns: [
        col('database_id', INT, false),
        col('file_id', INT, false),
        col('type_desc', DESC),
        col('name', SYSNAME, false),
        col('physical_name', { kind: 'nvarchar', length: 260 }, false),
        col('size_bytes', BIGINT),
        col('volume_mount_point', { kind: 'nvarchar', length: 512 }),
      ],
      rows,
    },
  ];
}

/** history.v2's WHERE clause, evaluated on the model. */
export function selectHistory(rows: readonly BackupSetRow[], sinceId: number, windowDays: number, localNow: number): BackupSetRow[] {
  const typed = rows.filter((b) => b.backup_set_id > sinceId);
  if (sinceId > 0) return typed;
  const newestFull = new Map<string, number>();
  for (const b of rows) {
    if (b.type !== 'D') continue;
    const key = b.database_name.toLowerCase();
    newestFull.set(key, Math.max(newestFull.get(key) ?? 0, b.backup_set_id));
  }
  const since = localNow - windowDays * 86_400_000;
  return typed.filter(
    (b) => b.backup_finish_date >= since || b.backup_set_id >= (newestFull.get(b.database_name.toLowerCase()) ?? Infinity),
  );
}

function history(session: Session, params: ReadonlyMap<string, SqlValue>): Result[] {
  const inst = session.instance;
  const sinceId = Number(params.get('@since_id') ?? 0);
  const windowDays = Number(params.get('@window_days') ?? 8);
  const selected = selectHistory(inst.backupset, sinceId, windowDays, inst.localNow());
  const rows: SqlValue[][] = [];
  for (const b of selected) {
    for (const m of inst.devicesOf(b)) {
      rows.push([
        b.backup_set_id,
        b.backup_set_uuid,
        b.media_set_id,
        b.position,
        b.database_name,
        b.database_guid,
        b.family_guid,
        b.type,
        // msdb spells it BULK-LOGGED, sys.databases BULK_LOGGED.
        b.recovery_model === 'BULK_LOGGED' ? 'BULK-LOGGED' : b.recovery_model,
        lsnText(b.first_lsn),
        lsnText(b.last_lsn),
        lsnText(b.checkpoint_lsn),
        lsnText(b.database_backup_lsn),
        lsnText(b.differential_base_lsn),
        b.differential_base_guid,
        b.first_recovery_fork_guid,
        b.last_recovery_fork_guid,
        b.is_copy_only,
        b.is_damaged,
        b.is_snapshot,
        b.has_bulk_logged_data,
        b.begins_log_chain,
        b.has_backup_checksums,
        b.is_force_offline,
        b.has_incomplete_metadata,
        b.backup_start_date,
        b.backup_finish_date,
        b.time_zone,
        BigInt(b.backup_size),
        BigInt(b.compressed_backup_size),
        inst.mediaFamilyCount.get(b.media_set_id) ?? 1,
        m.family_sequence_number,
        m.physical_device_name,
        m.device_type,
      ]);
    }
  }
  return [
    {
      columns: [
        col('backup_set_id', INT, false),
        col('backup_set_uuid', GUID, false),
        col('media_set_id', INT, false),
        col('position', INT),
        col('database_name', SYSNAME),
        col('database_guid', GUID),
        col('family_guid', GUID),
        col('type', { kind: 'char', length: 1 }),
        col('recovery_model', DESC),
        col('first_lsn', LSN),
        col('last_lsn', LSN),
        col('checkpoint_lsn', LSN),
        col('database_backup_lsn', LSN),
        col('differential_base_lsn', LSN),
        col('differential_base_guid', GUID),
        col('first_recovery_fork_guid', GUID),
        col('last_recovery_fork_guid', GUID),
        col('is_copy_only', BIT),
        col('is_damaged', BIT),
        col('is_snapshot', BIT),
        col('has_bulk_logged_data', BIT),
        col('begins_log_chain', BIT),
        col('has_backup_checksums', BIT),
        col('is_force_offline', BIT),
        col('has_incomplete_metadata', BIT),
        col('backup_start_date', DATETIME),
        col('backup_finish_date', DATETIME),
        col('time_zone', { kind: 'smallint' }),
        col('backup_size', BIGINT),
        col('compressed_backup_size', BIGINT),
        col('family_count', { kind: 'tinyint' }),
        col('family_sequence_number', { kind: 'tinyint' }, false),
        col('physical_device_name', { kind: 'nvarchar', length: 260 }),
        col('device_type', { kind: 'tinyint' }),
      ],
      rows,
    },
  ];
}

/** sys.dm_exec_requests for BACKUP and RESTORE, as progress.v2 filters it: by statement text, not the asker's session. */
function progress(session: Session, params: ReadonlyMap<string, SqlValue>): Result[] {
  const wanted = params.get('@statement');
  if (typeof wanted !== 'string') throw new UndeclaredVariable('@statement');
  const rows = [...(activeRequests.get(session.instance) ?? [])]
    .filter((r) => r.sessionId !== session.spid && r.text.includes(wanted))
    .map((r) => [r.sessionId, r.command, r.percent, BigInt(r.estimatedMs), r.startedAt]);
  return [
    {
      columns: [
        col('session_id', { kind: 'smallint' }, false),
        col('command', { kind: 'nvarchar', length: 32 }, false),
        col('percent_complete', { kind: 'float' }, false),
        col('estimated_completion_time', BIGINT, false),
        col('start_time', DATETIME, false),
      ],
      rows,
    },
  ];
}

export const catalogHandlers: Record<string, CatalogHandler> = {
  'server.v1': server,
  'databases.v1': databases,
  'files.v1': files,
  'history.v2': history,
  'progress.v2': progress,
};
