import { randomUUID } from 'node:crypto';
import { SimFailure, sqlErrors, type SqlError } from './errors.js';
import { LogPosition, SimDatabase, type BackupSetRow, type LogMarkRow, type MediaFamilyRow, type SimFile, type SimInstance } from './model.js';

/** How a RESTORE names its media: FROM DISK, URL or TAPE. */
export type DeviceKind = 'DISK' | 'URL' | 'TAPE';

/** msdb's backupmediafamily.device_type for each way of naming media (7 is a virtual device: VSS tools). */
const DEVICE_TYPE: Record<DeviceKind, number> = { DISK: 2, TAPE: 5, URL: 9 };

export interface RestoreRequest {
  database: string;
  kind: 'database' | 'log';
  /** Empty for `RESTORE DATABASE x WITH RECOVERY`, which only brings a restoring database online. */
  devices: string[];
  deviceKind?: DeviceKind;
  /** FILE = n: the backup set's position on the media. */
  file?: number;
  recovery: boolean;
  replace?: boolean;
  /** STOPAT, on the server's wall clock ("local ms"). */
  stopAt?: number;
  /** STOPATMARK / STOPBEFOREMARK = 'name' [AFTER 'datetime' (wall clock)]. */
  stopAtMark?: { name: string; before: boolean; after?: number };
  moves?: { logical: string; physical: string }[];
  /** WITH CHECKSUM: refused (3187) for a backup taken without checksums. */
  checksum?: boolean;
}

export interface RestoreOutcome {
  database: SimDatabase;
  backup: BackupSetRow | null;
  /** Pages processed, for the closing message. */
  pages: number;
  /** Informational messages (left restoring, and so on). */
  notes: SqlError[];
}

function statementName(req: RestoreRequest): string {
  return req.kind === 'log' ? 'RESTORE LOG' : 'RESTORE DATABASE';
}

function fail(req: RestoreRequest, first: SqlError): never {
  throw new SimFailure([first, sqlErrors.terminating(statementName(req))]);
}

/**
 * The backup set a RESTORE ... FROM names, with every stripe present; SQL Server's errors otherwise.
 * The file may have been written by another instance sharing the backup storage (an AG replica).
 */
export function findBackupSet(
  inst: SimInstance,
  req: { devices: string[]; deviceKind?: DeviceKind; file?: number },
  statement: string,
): { backup: BackupSetRow; families: MediaFamilyRow[]; writer: SimInstance } {
  const first = req.devices[0]!;
  // A backup "to NUL" wrote nothing anywhere: reading the device finds no media header.
  const nul = req.devices.find((d) => /^\s*nul:?\s*$/i.test(d));
  if (nul) throw new SimFailure([sqlErrors.malformedMedia(nul), sqlErrors.terminating(statement)]);
  const { writer, sets } = inst.backupFile(first);
  // By the position the set was written at: purging msdb history does not renumber what is in a file.
  const backup = sets.find((b) => b.position === (req.file ?? 1));
  if (!backup) throw new SimFailure([sqlErrors.cannotOpenDevice(first), sqlErrors.terminating(statement)]);
  const families = writer.devicesOf(backup);
  // A backup to URL is read FROM URL, a file FROM DISK; a VSS snapshot (virtual device) by no T-SQL RESTORE.
  if (families.some((f) => f.device_type !== DEVICE_TYPE[req.deviceKind ?? 'DISK'])) {
    throw new SimFailure([sqlErrors.cannotOpenDevice(first, '123(The filename, directory name, or volume label syntax is incorrect.)'), sqlErrors.terminating(statement)]);
  }
  const given = new Set(req.devices.map((d) => d.toLowerCase()));
  for (const device of req.devices) {
    if (!families.some((f) => f.physical_device_name.toLowerCase() === device.toLowerCase())) {
      throw new SimFailure([sqlErrors.cannotOpenDevice(device), sqlErrors.terminating(statement)]);
    }
  }
  if (families.some((f) => !given.has(f.physical_device_name.toLowerCase()))) {
    throw new SimFailure([sqlErrors.missingFamilies(families.length, req.devices.length), sqlErrors.terminating(statement)]);
  }
  return { backup, families, writer };
}

/** The files a restored database gets: the source's, moved where WITH MOVE says. */
function restoredFiles(source: SimFile[], moves: RestoreRequest['moves']): SimFile[] {
  return source.map((f) => {
    const move = moves?.find((m) => m.logical.toLowerCase() === f.logicalName.toLowerCase());
    return move ? { ...f, physicalName: move.physical, volume: volumeOfPath(move.physical) } : { ...f };
  });
}

function volumeOfPath(path: string): string {
  const drive = /^([A-Za-z]:\\)/.exec(path);
  return drive ? drive[1]!.toUpperCase() : '/';
}

/**
 * The files a backup holds: those of the database it was taken of, on the instance that wrote it (the
 * model keeps files on the database, not in the backup).
 */
export function sourceFiles(writer: SimInstance, backup: BackupSetRow): SimFile[] {
  const db = writer.databases.find((d) => d.familyGuid === backup.family_guid) ?? writer.findDatabase(backup.database_name);
  return db ? db.files : [];
}

/**
 * RESTORE ... WITH RECOVERY: online again. After a restore that is a new incarnation (database_guid and
 * recovery fork); after only a NORECOVERY tail, the log simply goes on.
 */
function recover(db: SimDatabase, at: number): void {
  const restored = db.restoring?.applied ?? true;
  db.state = 'ONLINE';
  db.activityAt = at;
  db.userAccess = 'MULTI_USER';
  // Applications reconnect once the database is back; nobody uses a copy restored under a new name.
  db.sessions = db.appConnects ? 2 : 0;
  if (!restored) {
    db.restoring = null;
    return;
  }
  db.restoring = null;
  db.databaseGuid = randomUUID().toUpperCase();
  db.recoveryForkGuid = randomUUID().toUpperCase();
  db.chainEnd = db.recoveryModel === 'SIMPLE' ? null : db.log.lsn;
  db.chainRestarted = true;
}

function restoreFull(inst: SimInstance, req: RestoreRequest, backup: BackupSetRow, writer: SimInstance, at: number): RestoreOutcome {
  let db = inst.findDatabase(req.database);
  if (db) {
    if (db.state === 'ONLINE') {
      if (backup.database_name.toLowerCase() !== db.name.toLowerCase() && !req.replace) {
        fail(req, {
          number: 3154,
          class: 16,
          state: 4,
          message: `The backup set holds a backup of a database other than the existing '${db.name}' database.`,
        });
      }
      if (!req.replace && req.stopAt === undefined && db.recoveryModel !== 'SIMPLE') fail(req, sqlErrors.tailNotBackedUp(db.name));
      if (db.sessions > 0 && db.userAccess !== 'SINGLE_USER') fail(req, sqlErrors.exclusiveAccess());
    }
    db.files = restoredFiles(db.files, req.moves);
  } else {
    const files = restoredFiles(sourceFiles(writer, backup), req.moves);
    for (const f of files) {
      const owner = inst.databases.find((d) => d.files.some((x) => x.physicalName.toLowerCase() === f.physicalName.toLowerCase()));
      if (owner) fail(req, sqlErrors.fileInUse(f.physicalName, owner.name));
    }
    db = inst.addDatabase(new SimDatabase(req.database, inst.nextDatabaseId++, backup.recovery_model, files, at));
    db.sessions = 0;
    db.appConnects = false;
  }
  db.recoveryModel = backup.recovery_model;
  db.familyGuid = backup.family_guid;
  db.damagedPages = [...backup.damagedPages];
  db.log = LogPosition.at(backup.last_lsn);
  db.lastFull = { uuid: backup.backup_set_uuid, checkpointLsn: backup.checkpoint_lsn };
  db.state = 'RESTORING';
  db.restoring = {
    baseUuid: backup.backup_set_uuid,
    baseForkGuid: backup.last_recovery_fork_guid,
    redoneTo: backup.last_lsn,
    redoneToTime: backup.backup_finish_date,
    databaseGuid: backup.database_guid,
    applied: true,
  };
  return { database: db, backup, pages: Math.round(backup.backup_size / 8192), notes: [] };
}

function restoreDiff(req: RestoreRequest, db: SimDatabase | undefined, backup: BackupSetRow): RestoreOutcome {
  if (!db || db.state !== 'RESTORING' || !db.restoring) fail(req, sqlErrors.noFilesToRollForward());
  if (backup.differential_base_guid?.toLowerCase() !== db.restoring.baseUuid.toLowerCase()) fail(req, sqlErrors.diffWrongBase());
  db.restoring.redoneTo = backup.last_lsn;
  db.restoring.redoneToTime = backup.backup_finish_date;
  db.restoring.applied = true;
  db.log = LogPosition.at(backup.last_lsn);
  return { database: db, backup, pages: Math.round(backup.backup_size / 8192), notes: [] };
}

/** The informational message of a log restore whose stopping point lies in a later log: the database stays restoring. */
function leftRestoring(number: 4322 | 4329): SqlError {
  return number === 4322
    ? {
        number,
        class: 0,
        state: 1,
        message:
          'This backup set contains records that were logged before the designated point in time. The database is being left in the restoring state so that more roll forward can be performed.',
      }
    : {
        number,
        class: 10,
        state: 1,
        message: 'This log file contains records logged before the designated mark. The database is being left in the Restoring state so you can apply another log file.',
      };
}

/**
 * The first mark of that name (at or after AFTER's time) past what is already restored, when this log holds
 * it. Marks are looked up in this instance's msdb by the backup's database name: the log records themselves
 * are not modelled.
 */
function markIn(inst: SimInstance, backup: BackupSetRow, wanted: NonNullable<RestoreRequest['stopAtMark']>, redoneTo: bigint): LogMarkRow | null {
  const db = backup.database_name.toLowerCase();
  let first: LogMarkRow | null = null;
  for (const m of inst.logmarkhistory) {
    if (m.database_name.toLowerCase() !== db || m.mark_name !== wanted.name || m.lsn < redoneTo) continue;
    if (wanted.after !== undefined && m.mark_time < wanted.after) continue;
    if (!first || m.lsn < first.lsn) first = m;
  }
  return first && first.lsn >= backup.first_lsn && first.lsn < backup.last_lsn ? first : null;
}

function restoreLog(inst: SimInstance, req: RestoreRequest, db: SimDatabase | undefined, backup: BackupSetRow): RestoreOutcome {
  if (!db || db.state !== 'RESTORING' || !db.restoring) fail(req, sqlErrors.noFilesToRollForward());
  const progress = db.restoring;
  if (backup.first_lsn > progress.redoneTo) fail(req, sqlErrors.logTooRecent(backup.first_lsn, progress.redoneTo));
  if (backup.last_lsn <= progress.redoneTo) fail(req, sqlErrors.logTooEarly(backup.last_lsn, progress.redoneTo));
  const notes: SqlError[] = [];
  let stopLsn = backup.last_lsn;
  let stoppedInside = false;
  if (req.stopAt !== undefined) {
    if (req.stopAt < progress.redoneToTime) fail(req, sqlErrors.stopAtTooEarly());
    if (req.stopAt < backup.backup_finish_date) {
      if (backup.has_bulk_logged_data) fail(req, sqlErrors.bulkLoggedStopAt());
      // The simulator spreads a log's records evenly between the restored point and the log's end.
      const span = Math.max(1, backup.backup_finish_date - progress.redoneToTime);
      const fraction = (req.stopAt - progress.redoneToTime) / span;
      const from = progress.redoneTo;
      stopLsn = from + 1n + ((backup.last_lsn - from - 1n) * BigInt(Math.round(fraction * 1000))) / 1000n;
      stoppedInside = true;
    } else if (req.recovery) {
      notes.push(leftRestoring(4322));
    }
  }
  let stoppedAt = req.stopAt;
  if (req.stopAtMark) {
    const mark = markIn(inst, backup, req.stopAtMark, progress.redoneTo);
    if (mark) {
      // "As in all point-in-time restore operations, recovering to a mark is disallowed when the database is
      // undergoing operations that are bulk-logged" (Recovery of Related Databases That Contain Marked Transaction).
      if (backup.has_bulk_logged_data) fail(req, sqlErrors.bulkLoggedStopAt());
      // STOPATMARK rolls forward through the marked transaction; STOPBEFOREMARK stops just before it.
      stopLsn = req.stopAtMark.before ? mark.lsn : mark.lsn + 1n;
      stoppedAt = mark.mark_time;
      stoppedInside = true;
    } else if (req.recovery) {
      notes.push(leftRestoring(4329));
    }
  }
  progress.redoneTo = stopLsn;
  progress.applied = true;
  progress.redoneToTime = stoppedInside ? stoppedAt! : backup.backup_finish_date;
  db.log = LogPosition.at(stopLsn);
  // Without STOPAT or a mark inside this log, RECOVERY is honoured; with either past its end, the database stays restoring.
  const leaveRestoring = (req.stopAt !== undefined || req.stopAtMark !== undefined) && !stoppedInside;
  return { database: db, backup, pages: Math.round(backup.backup_size / 8192), notes: leaveRestoring ? notes : [] };
}

/**
 * Runs a RESTORE in the model with SQL Server's ordering rules: a full (3159 without a tail, 3101 while
 * in use), then a differential on that full (3136), then logs in LSN order (4305 too recent, 4326 too
 * early); RECOVERY brings the database online as a new incarnation.
 */
export function performRestore(inst: SimInstance, req: RestoreRequest, at: number): RestoreOutcome {
  const existing = inst.findDatabase(req.database);
  if (existing?.ag) fail(req, sqlErrors.restoreInAg(existing.name));
  if (req.devices.length === 0) {
    if (!existing) fail(req, sqlErrors.noSuchDatabase(req.database));
    if (existing.state !== 'RESTORING') {
      return { database: existing, backup: null, pages: 0, notes: [] };
    }
    if (req.recovery) recover(existing, at);
    return { database: existing, backup: null, pages: 0, notes: [] };
  }
  const { backup, writer } = findBackupSet(inst, req, statementName(req));
  if (req.checksum && !backup.has_backup_checksums) fail(req, sqlErrors.noChecksum());
  let outcome: RestoreOutcome;
  if (req.kind === 'database') {
    if (backup.type === 'L') {
      fail(req, { number: 3135, class: 16, state: 2, message: `The backup set in file '${req.devices[0]}' was created by BACKUP LOG and cannot be used for this restore operation.` });
    }
    outcome = backup.type === 'D' ? restoreFull(inst, req, backup, writer, at) : restoreDiff(req, existing, backup);
  } else {
    if (backup.type !== 'L') {
      fail(req, { number: 3135, class: 16, state: 2, message: `The backup set in file '${req.devices[0]}' was created by BACKUP DATABASE and cannot be used for this restore operation.` });
    }
    outcome = restoreLog(inst, req, existing, backup);
  }
  const recorded = writer === inst ? backup : inst.recordRestoredSet(backup, writer.familiesOf(backup.media_set_id));
  inst.recordRestore({
    restore_date: inst.localNow(at),
    destination_database_name: outcome.database.name,
    user_name: inst.options.login,
    backup_set_id: recorded.backup_set_id,
    restore_type: backup.type,
    replace: req.replace ?? false,
    recovery: req.recovery,
    stop_at: req.stopAt ?? null,
    stop_at_mark_name: req.stopAtMark?.name ?? null,
    stop_before: req.stopAtMark?.before ?? false,
  });
  if (req.recovery && outcome.notes.length === 0) recover(outcome.database, at);
  return outcome;
}
