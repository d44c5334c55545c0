/** An error as SQL Server raises it: number, class (severity), state and text. */
export interface SqlError {
  number: number;
  class: number;
  state: number;
  message: string;
  /** The line of the batch the error is reported at (SQL Server counts from 1). */
  line?: number;
}

export class SimFailure extends Error {
  constructor(readonly errors: SqlError[]) {
    super(errors.map((e) => `Msg ${e.number}: ${e.message}`).join('\n'));
  }
}

const e = (number: number, message: string, cls = 16, state = 1): SqlError => ({ number, class: cls, state, message });

/** SQL Server's own numbers and texts for the failures the simulator reproduces. */
export const sqlErrors = {
  terminating: (statement: string) => e(3013, `${statement} is terminating abnormally.`),
  cannotOpenDevice: (device: string, osError = '2(The system cannot find the file specified.)') =>
    e(3201, `Cannot open backup device '${device}'. Operating system error ${osError}.`),
  /** Media with no backup on it, as the NUL device reads (Database engine errors: 3241, severity 16). */
  malformedMedia: (device: string) => e(3241, `The media family on device '${device}' is incorrectly formed. SQL Server cannot process this media family.`, 16, 0),
  tailNotBackedUp: (db: string) =>
    e(
      3159,
      `The tail of the log for the database "${db}" has not been backed up. Use BACKUP LOG WITH NORECOVERY to back up the log if it contains work that you do not want to lose. Use the WITH REPLACE or WITH STOPAT clause of the RESTORE statement to just overwrite the contents of the log.`,
    ),
  logTooRecent: (begins: bigint, needed: bigint) =>
    e(
      4305,
      `The log in this backup set begins at LSN ${begins}, which is too recent to apply to the database. An earlier log backup that includes LSN ${needed} can be restored.`,
    ),
  logTooEarly: (ends: bigint, needed: bigint) =>
    e(
      4326,
      `The log in this backup set terminates at LSN ${ends}, which is too early to apply to the database. A more recent log backup that includes LSN ${needed} can be restored.`,
    ),
  exclusiveAccess: () => e(3101, 'Exclusive access could not be obtained because the database is in use.'),
  noFilesToRollForward: () =>
    e(3117, 'The log or differential backup cannot be restored because no files are ready to rollforward.'),
  diffWrongBase: () =>
    e(3136, 'This differential backup cannot be restored because the database has not been restored to the correct earlier state.'),
  missingFamilies: (count: number, given: number) =>
    e(3132, `The media set has ${count} media families but only ${given} are provided. All members must be provided.`),
  logInSimple: () =>
    e(4208, 'The statement BACKUP LOG is not allowed while the recovery model is SIMPLE. Use BACKUP DATABASE or change the recovery model using ALTER DATABASE.'),
  noCurrentBackup: () => e(4214, 'BACKUP LOG cannot be performed because there is no current database backup.'),
  noFullForDiff: (db: string) =>
    e(3035, `Cannot perform a differential backup for database "${db}", because a current database backup does not exist. Perform a full database backup by reissuing BACKUP DATABASE, omitting the WITH DIFFERENTIAL option.`),
  noSuchDatabase: (db: string) =>
    e(911, `Database '${db}' does not exist. Make sure that the name is entered correctly.`),
  inRestore: (db: string) => e(927, `Database '${db}' cannot be opened. It is in the middle of a restore.`, 14),
  offline: (db: string) => e(942, `Database '${db}' cannot be opened because it is offline.`, 14, 4),
  alreadyExists: (db: string) =>
    e(1801, `Database '${db}' already exists. Choose a different database name.`),
  fileInUse: (file: string, db: string) =>
    e(1834, `The file '${file}' cannot be overwritten.  It is being used by database '${db}'.`),
  stopAtTooEarly: () =>
    e(4335, 'The specified STOPAT time is too early. All or part of the database is already rolled forward beyond that point.'),
  bulkLoggedStopAt: () =>
    e(4341, 'This log backup contains bulk-logged changes. It cannot be used to stop at an arbitrary point in time.'),
  syntax: (near: string) => e(102, `Incorrect syntax near '${near}'.`, 15),
  notSupported: (what: string) =>
    e(50000, `The rpotop simulator does not implement this statement: ${what}`, 16),
  noProcedure: (name: string) => e(2812, `Could not find stored procedure '${name}'.`, 16, 62),
  mustDeclare: (name: string) => e(137, `Must declare the scalar variable "${name}".`, 15, 2),
  invalidColumn: (name: string) => e(207, `Invalid column name '${name}'.`),
  invalidObject: (name: string) => e(208, `Invalid object name '${name}'.`),
  unboundIdentifier: (name: string) => e(4104, `The multi-part identifier "${name}" could not be bound.`),
  ambiguousColumn: (name: string) => e(209, `Ambiguous column name '${name}'.`),
  notAggregated: (name: string) =>
    e(8120, `Column '${name}' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause.`),
  unknownFunction: (name: string) => e(195, `'${name}' is not a recognized built-in function name.`, 15, 10),
  unknownUserFunction: (schema: string, name: string) =>
    e(4121, `Cannot find either column "${schema}" or the user-defined function or aggregate "${name}", or the name is ambiguous.`),
  argumentCount: (name: string, count: number) => e(174, `The ${name} function requires ${count} argument(s).`, 15),
  unknownType: (name: string) => e(243, `Type ${name} is not a defined system type.`),
  conversion: (value: string, from: string, to: string) => e(245, `Conversion failed when converting the ${from} value '${value}' to data type ${to}.`),
  overflow: (to: string) => e(8115, `Arithmetic overflow error converting expression to data type ${to}.`),
  divideByZero: () => e(8134, 'Divide by zero error encountered.'),
  unsupportedConstruct: (what: string) =>
    e(40517, `Keyword or statement option '${what}' is not supported in this version of SQL Server (rpotop simulator).`),
  /** A DMV without VIEW SERVER STATE: SQL Server raises 300, then 297. */
  viewServerStateDenied: () => [
    e(300, "VIEW SERVER STATE permission was denied on object 'server', database 'master'.", 14),
    e(297, 'The user does not have permission to perform this action.'),
  ],
  noChecksum: () => e(3187, 'RESTORE WITH CHECKSUM cannot be specified because the backup set does not contain checksum information.'),
  restoreInAg: (db: string) =>
    e(3104, `RESTORE cannot operate on database '${db}' because it is configured for database mirroring or has joined an availability group. If you intend to restore the database, use ALTER DATABASE to remove mirroring or to remove the database from its availability group.`),
  alterInAg: (db: string) =>
    e(1468, `The operation cannot be performed on database "${db}" because it is involved in a database mirroring session or an availability group. Some operations are not allowed on a database that is participating in a database mirroring session or in an availability group.`),
  alterFailed: () => e(5069, 'ALTER DATABASE statement failed.'),
  cannotDrop: (db: string) => e(3701, `Cannot drop the database '${db}', because it does not exist or you do not have permission.`, 11),
  dropInUse: (db: string) => e(3702, `Cannot drop database "${db}" because it is currently in use.`),
  checkdbNoDatabase: (db: string) =>
    e(2520, `Could not find database '${db}'. The database either does not exist, or was dropped before a statement tried to use it. Verify if the database exists by querying the sys.databases catalog view.`),
  inTransaction: () => e(3021, 'Cannot perform a backup or restore operation within a transaction.'),
  alterInTransaction: () => e(226, 'ALTER DATABASE statement not allowed within multi-statement transaction.'),
  permissionDenied: (permission: string, db: string) => e(262, `${permission} permission denied in database '${db}'.`, 14),
  selectDenied: (object: string, database: string, schema: string) =>
    e(229, `The SELECT permission was denied on the object '${object}', database '${database}', schema '${schema}'.`, 14, 5),
  loginFailed: (user: string) => e(18456, `Login failed for user '${user}'.`, 14, 1),
  unavailable: (db: string, server: string) =>
    e(
      40613,
      `Database '${db}' on server '${server}' is not currently available. Please retry the connection later. If the problem persists, contact customer support, and provide them the session tracing ID of '00000000-0000-0000-0000-000000000000'.`,
      20,
    ),
} as const;
