import type { EngineEvent } from './engine.js';
import { SimFailure, sqlErrors } from './errors.js';
import type { SimInstance } from './model.js';
import { findBackupSet, sourceFiles, type DeviceKind } from './restore-ops.js';
import type { Column, SqlType } from './tds/types.js';

const c = (name: string, type: SqlType, nullable = true): Column => ({ name, type, nullable });
const NV = (length: number): SqlType => ({ kind: 'nvarchar', length });
const LSN: SqlType = { kind: 'numeric', precision: 25, scale: 0 };
const SIZE: SqlType = { kind: 'numeric', precision: 20, scale: 0 };
const BIT: SqlType = { kind: 'bit' };
const GUID: SqlType = { kind: 'uniqueidentifier' };
const DT: SqlType = { kind: 'datetime' };

/** RESTORE HEADERONLY's columns, as documented for SQL Server 2022 (the leading, commonly read ones). */
const headerColumns: Column[] = [
  c('BackupName', NV(128)), c('BackupDescription', NV(255)), c('BackupType', { kind: 'smallint' }), c('ExpirationDate', DT),
  c('Compressed', BIT), c('Position', { kind: 'smallint' }), c('DeviceType', { kind: 'tinyint' }), c('UserName', NV(128)),
  c('ServerName', NV(128)), c('DatabaseName', NV(128)), c('DatabaseVersion', { kind: 'int' }), c('DatabaseCreationDate', DT),
  c('BackupSize', SIZE), c('FirstLSN', LSN), c('LastLSN', LSN), c('CheckpointLSN', LSN), c('DatabaseBackupLSN', LSN),
  c('BackupStartDate', DT), c('BackupFinishDate', DT), c('SortOrder', { kind: 'smallint' }), c('CodePage', { kind: 'smallint' }),
  c('UnicodeLocaleId', { kind: 'int' }), c('UnicodeComparisonStyle', { kind: 'int' }), c('CompatibilityLevel', { kind: 'tinyint' }),
  c('SoftwareVendorId', { kind: 'int' }), c('SoftwareVersionMajor', { kind: 'int' }), c('SoftwareVersionMinor', { kind: 'int' }),
  c('SoftwareVersionBuild', { kind: 'int' }), c('MachineName', NV(128)), c('Flags', { kind: 'int' }), c('BindingID', GUID),
  c('RecoveryForkID', GUID), c('Collation', NV(128)), c('FamilyGUID', GUID), c('HasBulkLoggedData', BIT), c('IsSnapshot', BIT),
  c('IsReadOnly', BIT), c('IsSingleUser', BIT), c('HasBackupChecksums', BIT), c('IsDamaged', BIT), c('BeginsLogChain', BIT),
  c('HasIncompleteMetaData', BIT), c('IsForceOffline', BIT), c('IsCopyOnly', BIT), c('FirstRecoveryForkID', GUID),
  c('ForkPointLSN', LSN), c('RecoveryModel', NV(60)), c('DifferentialBaseLSN', LSN), c('DifferentialBaseGUID', GUID),
  c('BackupTypeDescription', NV(60)), c('BackupSetGUID', GUID), c('CompressedBackupSize', { kind: 'bigint' }), c('Containment', { kind: 'tinyint' }),
];

const fileListColumns: Column[] = [
  c('LogicalName', NV(128)), c('PhysicalName', NV(260)), c('Type', { kind: 'char', length: 1 }), c('FileGroupName', NV(128)),
  c('Size', SIZE), c('MaxSize', SIZE), c('FileID', { kind: 'bigint' }), c('CreateLSN', LSN), c('DropLSN', LSN), c('UniqueID', GUID),
  c('ReadOnlyLSN', LSN), c('ReadWriteLSN', LSN), c('BackupSizeInBytes', { kind: 'bigint' }), c('SourceBlockSize', { kind: 'int' }),
  c('FileGroupID', { kind: 'int' }), c('LogGroupGUID', GUID), c('DifferentialBaseLSN', LSN), c('DifferentialBaseGUID', GUID),
  c('IsReadOnly', BIT), c('IsPresent', BIT), c('TDEThumbprint', { kind: 'varbinary', length: 32 }), c('SnapshotURL', NV(360)),
];

const typeCode = { D: 1, L: 2, I: 5 } as const;
const typeDescription = { D: 'Database', L: 'Transaction Log', I: 'Database Differential' } as const;

/** RESTORE HEADERONLY / FILELISTONLY / VERIFYONLY / LABELONLY, answered from msdb and the source database's files. */
export function* answerRestoreInfo(
  inst: SimInstance,
  kind: string,
  media: { devices: string[]; deviceKind: DeviceKind },
  file: number,
  checksum = false,
): Generator<EngineEvent> {
  const statement = kind === 'VERIFYONLY' ? 'VERIFY DATABASE' : 'RESTORE HEADERONLY';
  const { backup, families, writer } = findBackupSet(inst, { ...media, file }, statement);
  if (kind === 'HEADERONLY') {
    const row = [
      backup.name, null, typeCode[backup.type], null, backup.compressed_backup_size < backup.backup_size, 1, 2, backup.user_name,
      backup.server_name, backup.database_name, 957, backup.backup_start_date - 86_400_000 * 400, String(backup.backup_size),
      String(backup.first_lsn), String(backup.last_lsn), String(backup.checkpoint_lsn), backup.database_backup_lsn === null ? null : String(backup.database_backup_lsn),
      backup.backup_start_date, backup.backup_finish_date, 52, 0, 1033, 196609, 160, 4608, backup.software_major_version, 0, 4135,
      backup.machine_name, 512, backup.family_guid, backup.last_recovery_fork_guid, 'SQL_Latin1_General_CP1_CI_AS', backup.family_guid,
      backup.has_bulk_logged_data, backup.is_snapshot, false, false, backup.has_backup_checksums, backup.is_damaged,
      backup.begins_log_chain, backup.has_incomplete_metadata, backup.is_force_offline, backup.is_copy_only,
      backup.first_recovery_fork_guid, backup.fork_point_lsn === null ? null : String(backup.fork_point_lsn), backup.recovery_model,
      backup.differential_base_lsn === null ? null : String(backup.differential_base_lsn), backup.differential_base_guid,
      typeDescription[backup.type], backup.backup_set_uuid, BigInt(backup.compressed_backup_size), 0,
    ];
    yield { kind: 'rows', columns: headerColumns, rows: [row] };
    yield { kind: 'done', count: 1, error: false };
    return;
  }
  if (kind === 'FILELISTONLY') {
    const rows = sourceFiles(writer, backup).map((f) => [
      f.logicalName, f.physicalName, f.type === 'LOG' ? 'L' : 'D', f.type === 'LOG' ? null : 'PRIMARY', String(f.sizeBytes),
      '35184372080640', BigInt(f.fileId), '0', null, f.logicalName.length ? `00000000-0000-0000-0000-${String(f.fileId).padStart(12, '0')}` : null,
      '0', '0', BigInt(f.type === 'LOG' ? 0 : backup.backup_size), 512, f.type === 'LOG' ? 0 : 1, null,
      backup.differential_base_lsn === null ? null : String(backup.differential_base_lsn), backup.differential_base_guid, false, true, null, null,
    ]);
    yield { kind: 'rows', columns: fileListColumns, rows };
    yield { kind: 'done', count: rows.length, error: false };
    return;
  }
  if (kind === 'VERIFYONLY') {
    if (checksum && !backup.has_backup_checksums) throw new SimFailure([sqlErrors.noChecksum(), sqlErrors.terminating('VERIFY DATABASE')]);
    if (backup.is_damaged) {
      throw new SimFailure([
        { number: 3189, class: 16, state: 1, message: `Damage to the backup set was detected.` },
        sqlErrors.terminating('VERIFY DATABASE'),
      ]);
    }
    yield { kind: 'message', error: { number: 3262, class: 0, state: 1, message: `The backup set on file ${file} is valid.` } };
    yield { kind: 'done', count: null, error: false };
    return;
  }
  // LABELONLY: one row describing the media.
  yield {
    kind: 'rows',
    columns: [c('MediaName', NV(128)), c('MediaSetId', GUID), c('FamilyCount', { kind: 'int' }), c('FamilySequenceNumber', { kind: 'int' })],
    rows: [[null, backup.family_guid, families.length, families[0]?.family_sequence_number ?? 1]],
  };
  yield { kind: 'done', count: 1, error: false };
}
