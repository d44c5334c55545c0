import { SimFailure, sqlErrors, type SqlError } from './errors.js';
import { LogPosition, type BackupSetRow, type SimDatabase, type SimInstance } from './model.js';

export interface BackupRequest {
  database: string;
  kind: 'database' | 'log';
  differential?: boolean;
  copyOnly?: boolean;
  /** Disk paths, one per stripe; `NUL` discards the backup but still records it. */
  devices: string[];
  /** 2 disk, 7 virtual device (VSS snapshot tools), 9 URL. */
  deviceType?: number;
  checksum?: boolean;
  compression?: boolean;
  /** Tail-log backup that leaves the database RESTORING. */
  norecovery?: boolean;
  /** Tail-log backup of a database that cannot start (data files lost). */
  noTruncate?: boolean;
  /** Tail-log backup of a damaged database. */
  continueAfterError?: boolean;
  snapshot?: boolean;
  /** Simulates media that later reads back as damaged. */
  damaged?: boolean;
  name?: string;
}

const LOG_BLOCK_BYTES = 512;

function statementName(req: BackupRequest): string {
  return req.kind === 'log' ? 'BACKUP LOG' : 'BACKUP DATABASE';
}

function fail(req: BackupRequest, first: SqlError): never {
  throw new SimFailure([first, sqlErrors.terminating(statementName(req))]);
}

/** Why SQL Server refuses a BACKUP before it starts (its first error), or null if it would run. */
export function backupRefusal(inst: SimInstance, req: BackupRequest): SqlError | null {
  const db = inst.findDatabase(req.database);
  if (!db) return sqlErrors.noSuchDatabase(req.database);
  const tail = req.kind === 'log' && (req.noTruncate || req.continueAfterError);
  if (db.state === 'RESTORING' && !tail) return sqlErrors.inRestore(db.name);
  if (db.state === 'OFFLINE' && !tail) return sqlErrors.offline(db.name);
  if (req.kind === 'database' && req.differential && !db.lastFull) return sqlErrors.noFullForDiff(db.name);
  if (req.kind === 'log') {
    if (db.recoveryModel === 'SIMPLE') return sqlErrors.logInSimple();
    if (db.chainEnd === null) return sqlErrors.noCurrentBackup();
    // A tail with NORECOVERY takes the database offline: it needs the database to itself.
    if (req.norecovery && db.sessions > 0 && db.userAccess !== 'SINGLE_USER') return sqlErrors.exclusiveAccess();
  }
  return null;
}

/** Checks a BACKUP the way SQL Server does before it starts; throws SQL Server's errors. */
export function validateBackup(inst: SimInstance, req: BackupRequest): SimDatabase {
  const refusal = backupRefusal(inst, req);
  if (refusal) fail(req, refusal);
  return inst.findDatabase(req.database)!;
}

/** How many bytes a backup of this kind would write now, for sizes and for statement durations. */
export function backupBytes(db: SimDatabase, req: BackupRequest): number {
  if (req.kind === 'log') {
    const from = LogPosition.at(db.chainEnd ?? db.log.lsn);
    const blocks = (db.log.vlf - from.vlf) * 4_000_000n + (db.log.block - from.block);
    return Math.max(64 * 1024, Number(blocks) * LOG_BLOCK_BYTES);
  }
  return req.differential ? Math.round(db.dataBytes * 0.08) : db.dataBytes;
}

/**
 * Runs a BACKUP to completion in the model: the LSNs a real server would record, the msdb rows, and the
 * effect on the log chain (truncation, tail-log NORECOVERY leaving the database RESTORING).
 */
export function performBackup(inst: SimInstance, req: BackupRequest, startUtc: number, finishUtc: number): BackupSetRow {
  const db = validateBackup(inst, req);
  db.advanceTo(startUtc);
  const checkpointAtStart = db.log.lsn;
  db.advanceTo(finishUtc);
  db.log.write(1n);
  const endLsn = db.log.lsn;
  const size = backupBytes(db, req);
  const type = req.kind === 'log' ? 'L' : req.differential ? 'I' : 'D';
  let firstLsn: bigint;
  if (type === 'L') firstLsn = db.chainEnd!;
  else firstLsn = checkpointAtStart - 100_000n > 0n ? checkpointAtStart - 100_000n : checkpointAtStart;
  const tz = Math.round(inst.options.timeZoneMinutes / 15);
  const row = inst.recordBackup(
    {
      name: req.name ?? null,
      database_name: db.name,
      database_guid: db.databaseGuid,
      family_guid: db.familyGuid,
      type,
      recovery_model: db.recoveryModel,
      first_lsn: firstLsn,
      last_lsn: endLsn,
      checkpoint_lsn: type === 'L' ? firstLsn : checkpointAtStart,
      database_backup_lsn: db.lastFull?.checkpointLsn ?? null,
      differential_base_lsn: type === 'I' ? db.lastFull!.checkpointLsn : null,
      differential_base_guid: type === 'I' ? db.lastFull!.uuid : null,
      first_recovery_fork_guid: db.recoveryForkGuid,
      last_recovery_fork_guid: db.recoveryForkGuid,
      fork_point_lsn: null,
      is_copy_only: req.copyOnly ?? false,
      is_damaged: req.damaged ?? false,
      is_snapshot: req.snapshot ?? false,
      has_bulk_logged_data: type === 'L' && db.bulkSinceLog,
      begins_log_chain: type === 'L' && db.chainRestarted,
      has_backup_checksums: req.checksum ?? false,
      is_force_offline: type === 'L' && (req.norecovery ?? false),
      has_incomplete_metadata: type === 'L' && (req.continueAfterError ?? false),
      backup_start_date: inst.localNow(startUtc),
      backup_finish_date: inst.localNow(finishUtc),
      time_zone: tz,
      backup_size: size,
      compressed_backup_size: req.compression ? Math.round(size * 0.31) : size,
      server_name: inst.options.name,
      machine_name: inst.machineName,
      user_name: inst.options.login,
      software_major_version: inst.majorVersion,
      damagedPages: db.damagedPages,
    },
    req.devices,
    req.snapshot ? 7 : (req.deviceType ?? 2),
  );

  if (type === 'D' && !req.copyOnly) db.lastFull = { uuid: row.backup_set_uuid, checkpointLsn: checkpointAtStart };
  if (type !== 'L' && db.recoveryModel !== 'SIMPLE' && db.chainEnd === null && !req.copyOnly) {
    // A full or differential gives log backups a base again (after creation or a switch from SIMPLE).
    db.chainEnd = firstLsn;
    db.chainRestarted = true;
  }
  if (type === 'L' && !req.copyOnly) {
    db.chainEnd = endLsn;
    db.chainRestarted = false;
    db.bulkSinceLog = false;
  }
  if (type === 'L' && req.norecovery) {
    db.state = 'RESTORING';
    db.restoring = {
      baseUuid: db.lastFull?.uuid ?? '',
      baseForkGuid: db.recoveryForkGuid,
      redoneTo: endLsn,
      redoneToTime: inst.localNow(finishUtc),
      databaseGuid: db.databaseGuid,
      applied: false,
    };
  }
  return row;
}
