import { parseWallClock } from '../domain/time.js';
import { performBackup, validateBackup, backupBytes, type BackupRequest } from './backup-ops.js';
import { SimFailure, sqlErrors, type SqlError } from './errors.js';
import { sleep } from './faults.js';
import type { SimInstance } from './model.js';
import { performRestore, type DeviceKind, type RestoreRequest } from './restore-ops.js';
import { answerRestoreInfo } from './restore-info.js';
import { parseDeclarations, parseTypeName, valuesOf, type BoundParam } from './params.js';
import { loginPermissions } from './sql/permissions.js';
import { prepareSelect, runPrepared, type PreparedSelect } from './sql/run.js';
import { Cursor, splitStatements, tokenize, TsqlSyntaxError, UndeclaredVariable, type Tok } from './tsql.js';
import type { Column, SqlValue } from './tds/types.js';

export type EngineEvent =
  | { kind: 'rows'; columns: Column[]; rows: SqlValue[][] }
  | { kind: 'message'; error: SqlError }
  | { kind: 'done'; count: number | null; error: boolean }
  /** Send what is buffered now: progress messages of a long statement must not wait for its end. */
  | { kind: 'flush' };

export interface Session {
  instance: SimInstance;
  spid: number;
  database: string;
  login: string;
  encrypted: boolean;
  /** The text being run, as sys.dm_exec_sql_text would show it for this session's request. */
  batchText?: string;
  /** When the connection logged in, on the server's wall clock (sys.dm_exec_connections.connect_time). */
  connectedAt?: number;
  /** The descriptor of the transaction a transaction manager request began, while it is open. */
  transaction?: Buffer | null;
}

/** The sessions logged in to each instance, for sys.dm_exec_connections. */
export const liveSessions = new WeakMap<SimInstance, Set<Session>>();

/** A statement running on an instance, for sys.dm_exec_requests. */
export interface ActiveRequest {
  sessionId: number;
  command: string;
  text: string;
  database: string;
  startedAt: number;
  percent: number;
  estimatedMs: number;
}

export const activeRequests = new WeakMap<SimInstance, Set<ActiveRequest>>();

function requestsOf(inst: SimInstance): Set<ActiveRequest> {
  let set = activeRequests.get(inst);
  if (!set) activeRequests.set(inst, (set = new Set()));
  return set;
}

const info = (number: number, message: string): SqlError => ({ number, class: 0, state: 1, message });

/**
 * Runs the text of a batch or of sp_executesql: SELECTs over the system views (rpotop's catalog and an
 * operator's probes alike, evaluated from their text by sim/sql), SET, BACKUP, RESTORE and ALTER
 * DATABASE, each statement closed by a `done` event.
 */
export async function* execute(
  session: Session,
  text: string,
  params: ReadonlyMap<string, BoundParam>,
  signal: AbortSignal,
): AsyncGenerator<EngineEvent> {
  const values = valuesOf(params);
  session.batchText = text;
  let statements: Tok[][];
  try {
    statements = statementsOf(text);
  } catch (error) {
    if (error instanceof TsqlSyntaxError) {
      yield* failed([sqlErrors.syntax(error.near)]);
      return;
    }
    throw error;
  }
  if (statements.length === 0) {
    yield { kind: 'done', count: null, error: false };
    return;
  }
  // SQL Server compiles the whole batch before it runs any of it: a name that does not resolve in any
  // SELECT fails the batch with nothing run.
  const prepared = new Map<Tok[], PreparedSelect>();
  try {
    for (const statement of statements) {
      if (statement[0]?.t === 'word' && statement[0].upper === 'SELECT') prepared.set(statement, prepareSelect(session, statement, params));
    }
  } catch (error) {
    if (error instanceof SimFailure) {
      yield* failed(error.errors);
      return;
    }
    throw error;
  }
  for (const statement of statements) {
    if (signal.aborted) return;
    try {
      const select = prepared.get(statement);
      if (select) {
        const result = runPrepared(session, select);
        yield { kind: 'rows', ...result };
        yield { kind: 'done', count: result.rows.length, error: false };
      } else {
        yield* executeStatement(session, new Cursor(statement, values), signal);
      }
    } catch (error) {
      if (error instanceof SimFailure) yield* failed(error.errors);
      else if (error instanceof TsqlSyntaxError) yield* failed([sqlErrors.syntax(error.near)]);
      else if (error instanceof UndeclaredVariable) yield* failed([sqlErrors.mustDeclare(error.variableName)]);
      else throw error;
    }
  }
}

/**
 * A batch's statements, kept for texts sent again (a poll's, every few seconds): the same tokens then find
 * the plans sql/run.ts kept for them. Tokens are never changed once made. Bounded, oldest dropped first.
 */
const batches = new Map<string, Tok[][]>();
const BATCHES_KEPT = 64;

function statementsOf(text: string): Tok[][] {
  let statements = batches.get(text);
  if (!statements) {
    statements = splitStatements(tokenize(text));
    if (batches.size >= BATCHES_KEPT) batches.delete(batches.keys().next().value!);
    batches.set(text, statements);
  }
  return statements;
}

function* failed(errors: SqlError[]): Generator<EngineEvent> {
  for (const error of errors) yield { kind: 'message', error };
  yield { kind: 'done', count: null, error: true };
}

async function* executeStatement(
  session: Session,
  c: Cursor,
  signal: AbortSignal,
): AsyncGenerator<EngineEvent> {
  const first = c.peek();
  const word = first?.t === 'word' ? first.upper : '';
  switch (word) {
    case 'SET':
    case 'USE':
    case 'CHECKPOINT':
      yield { kind: 'done', count: null, error: false };
      return;
    case 'WAITFOR': {
      c.next();
      c.expectWord('DELAY');
      const [h = 0, m = 0, s = 0] = c.value().split(':').map(Number);
      await sleep(((h * 60 + m) * 60 + s) * 1000, signal);
      yield { kind: 'done', count: null, error: false };
      return;
    }
    case 'BACKUP': {
      const req = parseBackup(c);
      const statement = req.kind === 'log' ? 'BACKUP LOG' : 'BACKUP DATABASE';
      if (session.transaction) throw new SimFailure([sqlErrors.inTransaction(), sqlErrors.terminating(statement)]);
      // The session's login is checked here; the scenario's scheduled jobs run as SQL Agent's account.
      if (req.kind === 'log' && !loginPermissions(session.instance).backupLog) {
        throw new SimFailure([sqlErrors.permissionDenied('BACKUP LOG', req.database), sqlErrors.terminating(statement)]);
      }
      yield* runBackup(session, req, signal);
      return;
    }
    case 'RESTORE': {
      c.next();
      if (c.isWord('HEADERONLY', 'FILELISTONLY', 'VERIFYONLY', 'LABELONLY')) {
        const kind = c.expectWord('HEADERONLY', 'FILELISTONLY', 'VERIFYONLY', 'LABELONLY');
        const { devices, deviceKind, options } = parseFromAndWith(c);
        yield* answerRestoreInfo(session.instance, kind, { devices, deviceKind }, Number(options.get('FILE') ?? 1), options.has('CHECKSUM'));
        return;
      }
      const req = parseRestore(c);
      const statement = req.kind === 'log' ? 'RESTORE LOG' : 'RESTORE DATABASE';
      if (session.transaction) throw new SimFailure([sqlErrors.inTransaction(), sqlErrors.terminating(statement)]);
      if (!session.instance.findDatabase(req.database) && !loginPermissions(session.instance).createAnyDatabase) {
        throw new SimFailure([sqlErrors.permissionDenied('CREATE DATABASE', 'master'), sqlErrors.terminating(statement)]);
      }
      yield* runRestore(session, req, signal);
      return;
    }
    case 'ALTER':
      if (session.transaction) throw new SimFailure([sqlErrors.alterInTransaction()]);
      yield* alterDatabase(session, c);
      return;
    case 'DBCC':
      yield* checkDb(session, c, signal);
      return;
    case 'DROP':
      const object = c.peek(1);
      if (object?.t === 'word' && object.upper === 'DATABASE') {
        yield* dropDatabase(session, c);
        return;
      }
      throw unsupported(first?.v ?? '');
    case 'EXEC':
    case 'EXECUTE':
      yield* execSql(session, c, signal);
      return;
    default:
      throw unsupported(first?.v ?? '');
  }
}

/** What the simulator does not implement: 40517 naming the keyword, never a hang. */
function unsupported(keyword: string): SimFailure {
  return new SimFailure([
    { number: 40517, class: 16, state: 1, message: `Keyword or statement option '${keyword}' is not supported in this version of SQL Server (rpotop simulator).` },
  ]);
}

/** `TO|FROM DISK = 'a' [, DISK = 'b']` (or URL, TAPE) and `WITH opt [= value], ...`. */
function parseFromAndWith(c: Cursor): { devices: string[]; deviceKind: DeviceKind; options: Map<string, string | true> } {
  const devices: string[] = [];
  let deviceKind: DeviceKind = 'DISK';
  if (c.acceptWord('TO', 'FROM')) {
    do {
      deviceKind = c.expectWord('DISK', 'URL', 'TAPE') as DeviceKind;
      c.expectPunct('=');
      devices.push(c.value());
    } while (c.acceptPunct(','));
  }
  const options = new Map<string, string | true>();
  if (c.acceptWord('WITH')) {
    do {
      const key = c.expectWord(
        'COPY_ONLY', 'DIFFERENTIAL', 'INIT', 'NOINIT', 'FORMAT', 'NOFORMAT', 'CHECKSUM', 'NO_CHECKSUM', 'COMPRESSION', 'NO_COMPRESSION',
        'STATS', 'NAME', 'DESCRIPTION', 'NORECOVERY', 'RECOVERY', 'NO_TRUNCATE', 'CONTINUE_AFTER_ERROR', 'STOP_ON_ERROR', 'REPLACE',
        'STOPAT', 'STOPATMARK', 'STOPBEFOREMARK', 'MOVE', 'FILE', 'SKIP', 'NOSKIP', 'NOUNLOAD', 'UNLOAD', 'REWIND', 'NOREWIND', 'STANDBY', 'KEEP_REPLICATION', 'MAXTRANSFERSIZE', 'BUFFERCOUNT', 'BLOCKSIZE',
      );
      if (key === 'MOVE') {
        const logical = c.value();
        c.expectWord('TO');
        const physical = c.value();
        const moves = (options.get('MOVE') as string | undefined) ?? '';
        options.set('MOVE', `${moves}${moves ? '\u0000' : ''}${logical}\u0001${physical}`);
      } else if (c.acceptPunct('=')) {
        options.set(key, c.value());
        // STOPATMARK = 'name' AFTER 'datetime': the first mark of that name at or after that time.
        if ((key === 'STOPATMARK' || key === 'STOPBEFOREMARK') && c.acceptWord('AFTER')) options.set(`${key} AFTER`, c.value());
      } else {
        options.set(key, key === 'STATS' ? '10' : true);
      }
    } while (c.acceptPunct(','));
  }
  if (!c.done()) throw new TsqlSyntaxError(c.peek()!.v);
  return { devices, deviceKind, options };
}

function parseBackup(c: Cursor): BackupRequest & { stats: number | null } {
  c.expectWord('BACKUP');
  const kind = c.expectWord('DATABASE', 'LOG') === 'LOG' ? 'log' : 'database';
  const database = c.name();
  const { devices, deviceKind, options } = parseFromAndWith(c);
  if (devices.length === 0) throw new TsqlSyntaxError(database);
  return {
    database,
    kind,
    devices,
    deviceType: deviceKind === 'URL' ? 9 : deviceKind === 'TAPE' ? 5 : 2,
    differential: options.has('DIFFERENTIAL'),
    copyOnly: options.has('COPY_ONLY'),
    checksum: options.has('CHECKSUM'),
    compression: options.has('COMPRESSION'),
    norecovery: options.has('NORECOVERY'),
    noTruncate: options.has('NO_TRUNCATE'),
    continueAfterError: options.has('CONTINUE_AFTER_ERROR'),
    ...(typeof options.get('NAME') === 'string' ? { name: options.get('NAME') as string } : {}),
    stats: options.has('STATS') ? Number(options.get('STATS')) : null,
  };
}

function parseServerTime(text: string): number {
  const at = parseWallClock(text);
  if (at === null) throw new SimFailure([{ number: 241, class: 16, state: 1, message: 'Conversion failed when converting date and/or time from character string.' }]);
  return at;
}

function parseRestore(c: Cursor): RestoreRequest & { stats: number | null } {
  const kind = c.expectWord('DATABASE', 'LOG') === 'LOG' ? 'log' : 'database';
  const database = c.name();
  const { devices, deviceKind, options } = parseFromAndWith(c);
  const moves = ((options.get('MOVE') as string | undefined) ?? '')
    .split('\u0000')
    .filter(Boolean)
    .map((pair) => {
      const [logical, physical] = pair.split('\u0001');
      return { logical: logical!, physical: physical! };
    });
  const stopAt = options.get('STOPAT');
  const markKey = options.has('STOPATMARK') ? 'STOPATMARK' : options.has('STOPBEFOREMARK') ? 'STOPBEFOREMARK' : null;
  const mark = markKey ? options.get(markKey) : undefined;
  const after = markKey ? options.get(`${markKey} AFTER`) : undefined;
  // RESTORE DATABASE takes only 'lsn:...' marks (RESTORE (Transact-SQL), point_in_time_WITH_options); rpotop
  // never sends those, so a mark by name on RESTORE DATABASE is refused as SQL Server refuses it.
  if (typeof mark === 'string' && kind === 'database') throw new TsqlSyntaxError(markKey!);
  return {
    database,
    kind,
    devices,
    deviceKind,
    recovery: !options.has('NORECOVERY') && !options.has('STANDBY'),
    replace: options.has('REPLACE'),
    moves,
    checksum: options.has('CHECKSUM'),
    ...(options.has('FILE') ? { file: Number(options.get('FILE')) } : {}),
    // A datetime parameter arrives as the wall clock in ms; a literal as text.
    ...(typeof stopAt === 'string' ? { stopAt: /^\d+$/.test(stopAt) ? Number(stopAt) : parseServerTime(stopAt) } : {}),
    ...(typeof mark === 'string'
      ? {
          stopAtMark: {
            name: mark,
            before: markKey === 'STOPBEFOREMARK',
            ...(typeof after === 'string' ? { after: /^\d+$/.test(after) ? Number(after) : parseServerTime(after) } : {}),
          },
        }
      : {}),
    stats: options.has('STATS') ? Number(options.get('STATS')) : null,
  };
}

/** Real-time length of a BACKUP or RESTORE statement over TDS: sized, but short enough to watch. */
function statementMs(inst: SimInstance, bytes: number): number {
  const throughput = inst.options.statementThroughput ?? 2 * 1024 ** 3;
  return Math.min(20_000, Math.max(200, (bytes / throughput) * 1000));
}

async function* progress(
  session: Session,
  command: string,
  database: string,
  durationMs: number,
  stats: number | null,
  signal: AbortSignal,
): AsyncGenerator<EngineEvent, boolean> {
  const inst = session.instance;
  const request: ActiveRequest = { sessionId: session.spid, command, text: session.batchText ?? '', database, startedAt: inst.localNow(), percent: 0, estimatedMs: durationMs };
  requestsOf(inst).add(request);
  try {
    const step = stats && stats > 0 ? stats : 100;
    for (let pct = step; pct <= 100; pct += step) {
      await sleep((durationMs * step) / 100, signal);
      if (signal.aborted) return false;
      request.percent = pct;
      request.estimatedMs = Math.round((durationMs * (100 - pct)) / 100);
      if (stats) {
        yield { kind: 'message', error: info(3211, `${pct} percent processed.`) };
        yield { kind: 'flush' };
      }
    }
    return true;
  } finally {
    requestsOf(inst).delete(request);
  }
}

function throughputText(pages: number, ms: number): string {
  const seconds = Math.max(ms, 1) / 1000;
  const mb = (pages * 8192) / 1024 / 1024 / seconds;
  return `${pages} pages in ${seconds.toFixed(3)} seconds (${mb.toFixed(3)} MB/sec).`;
}

async function* runBackup(session: Session, req: BackupRequest & { stats: number | null }, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  const inst = session.instance;
  const db = validateBackup(inst, req);
  db.advanceTo(inst.clock.now());
  const bytes = backupBytes(db, req);
  const ms = statementMs(inst, bytes);
  const start = inst.clock.now();
  const command = req.kind === 'log' ? 'BACKUP LOG' : 'BACKUP DATABASE';
  const finished = yield* progress(session, command, db.name, ms, req.stats, signal);
  if (!finished) return;
  const row = performBackup(inst, req, start, Math.max(inst.clock.now(), start + 1));
  const pages = Math.max(1, Math.round(row.backup_size / 8192));
  if (req.kind === 'log') {
    yield { kind: 'message', error: info(4035, `Processed ${pages} pages for database '${db.name}', file '${db.files.find((f) => f.type === 'LOG')?.logicalName ?? `${db.name}_log`}' on file 1.`) };
  } else {
    for (const f of db.files) {
      const filePages = Math.max(1, Math.round((f.type === 'ROWS' ? row.backup_size : 65536) / 8192));
      yield { kind: 'message', error: info(4035, `Processed ${filePages} pages for database '${db.name}', file '${f.logicalName}' on file 1.`) };
    }
  }
  yield { kind: 'message', error: info(3014, `${req.kind === 'log' ? 'BACKUP LOG' : req.differential ? 'BACKUP DATABASE WITH DIFFERENTIAL' : 'BACKUP DATABASE'} successfully processed ${throughputText(pages, ms)}`) };
  yield { kind: 'done', count: null, error: false };
}

async function* runRestore(session: Session, req: RestoreRequest & { stats: number | null }, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  const inst = session.instance;
  const outcome = performRestore(inst, req, inst.clock.now());
  const command = req.kind === 'log' ? 'RESTORE LOG' : 'RESTORE DATABASE';
  const bytes = outcome.backup?.backup_size ?? 0;
  const ms = statementMs(inst, bytes);
  const finished = yield* progress(session, command, outcome.database.name, ms, req.stats, signal);
  if (!finished) {
    // A cancelled restore leaves the database restoring, and the sequence has to start again.
    outcome.database.state = 'RESTORING';
    outcome.database.restoring = null;
    return;
  }
  if (outcome.backup) {
    yield { kind: 'message', error: info(4035, `Processed ${outcome.pages} pages for database '${outcome.database.name}', file '${outcome.database.files[0]?.logicalName ?? outcome.database.name}' on file ${req.file ?? 1}.`) };
  }
  for (const note of outcome.notes) yield { kind: 'message', error: note };
  yield { kind: 'message', error: info(3014, `${command} successfully processed ${throughputText(outcome.pages, ms)}`) };
  yield { kind: 'done', count: null, error: false };
}

/** `EXEC sp_executesql N'stmt', N'@p int, ...', @p = 1, ...` sent as batch text (what tsql or sqlcmd users type). */
async function* execSql(session: Session, c: Cursor, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  c.next();
  const proc = c.name();
  if (!/^(sys\.)?sp_executesql$/i.test(proc) && proc.toLowerCase() !== 'sp_executesql') {
    throw new SimFailure([sqlErrors.noProcedure(proc)]);
  }
  const statement = c.done() ? '' : c.value();
  const declared = c.acceptPunct(',') ? parseDeclarations(c.value()) : new Map<string, string>();
  const params = new Map<string, BoundParam>();
  while (c.acceptPunct(',')) {
    const name = c.next();
    if (name.t !== 'var') throw new TsqlSyntaxError(name.v);
    c.expectPunct('=');
    const typeName = declared.get(name.v.toLowerCase());
    if (!typeName) throw new SimFailure([{ number: 8145, class: 16, state: 1, message: `${name.v} is not a parameter for procedure sp_executesql.` }]);
    const type = parseTypeName(typeName);
    const isNull = c.acceptWord('NULL') !== null;
    const text = isNull ? null : c.value();
    params.set(name.v.toLowerCase(), { type, value: text === null ? null : literalAs(type, text) });
  }
  yield* execute(session, statement, params, signal);
}

function literalAs(type: ReturnType<typeof parseTypeName>, text: string): SqlValue {
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'real':
    case 'float':
      return Number(text);
    case 'bigint':
      return BigInt(text);
    case 'bit':
      return text === '1' || text.toLowerCase() === 'true';
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
    case 'date':
      return parseServerTime(text.length === 10 ? `${text} 00:00` : text);
    default:
      return text;
  }
}

/**
 * DBCC CHECKDB (name) [WITH NO_INFOMSGS, ALL_ERRORMSGS, ...]: runs for the database's size at the instance's
 * speed and reports the pages the model says are damaged as SQL Server does (8939 then 8928 per page, then the
 * 8989 summary); clean and NO_INFOMSGS, it says nothing. Messages as in DBCC CHECKDB (Transact-SQL) and
 * Database engine errors; the object and allocation unit ids are made up.
 */
async function* checkDb(session: Session, c: Cursor, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  c.expectWord('DBCC');
  c.expectWord('CHECKDB');
  c.expectPunct('(');
  const t = c.peek();
  const name = t?.t === 'string' ? c.value() : c.name();
  c.expectPunct(')');
  const options = new Set<string>();
  if (c.acceptWord('WITH')) {
    do options.add(c.expectWord('NO_INFOMSGS', 'ALL_ERRORMSGS', 'PHYSICAL_ONLY', 'DATA_PURITY', 'EXTENDED_LOGICAL_CHECKS', 'TABLOCK'));
    while (c.acceptPunct(','));
  }
  if (!c.done()) throw new TsqlSyntaxError(c.peek()!.v);
  const db = session.instance.findDatabase(name);
  if (!db) throw new SimFailure([sqlErrors.checkdbNoDatabase(name)]);
  if (db.state === 'RESTORING') throw new SimFailure([sqlErrors.inRestore(db.name)]);
  if (db.state === 'OFFLINE') throw new SimFailure([sqlErrors.offline(db.name)]);
  const finished = yield* progress(session, 'DBCC TABLE CHECK', db.name, statementMs(session.instance, db.dataBytes), null, signal);
  if (!finished) return;
  const quiet = options.has('NO_INFOMSGS');
  if (!quiet) yield { kind: 'message', error: info(2536, `DBCC results for '${db.name}'.`) };
  const object = 245575913;
  const unit = '72057594043367424';
  const partition = '72057594041663488';
  for (const page of db.damagedPages) {
    yield {
      kind: 'message',
      error: {
        number: 8939,
        class: 16,
        state: 98,
        message: `Table error: Object ID ${object}, index ID 1, partition ID ${partition}, alloc unit ID ${unit} (type In-row data), page (1:${page}). Test (IS_OFF (BUF_IOERR, pBUF->bstat)) failed. Values are 133129 and -4.`,
      },
    };
    yield {
      kind: 'message',
      error: {
        number: 8928,
        class: 16,
        state: 1,
        message: `Object ID ${object}, index ID 1, partition ID ${partition}, alloc unit ID ${unit} (type In-row data): Page (1:${page}) could not be processed.  See other errors for details.`,
      },
    };
  }
  const errors = db.damagedPages.length * 2;
  if (errors > 0 || !quiet) {
    yield { kind: 'message', error: { number: 8989, class: errors > 0 ? 16 : 0, state: 1, message: `CHECKDB found 0 allocation errors and ${errors} consistency errors in database '${db.name}'.` } };
  }
  if (!quiet) yield { kind: 'message', error: info(2528, 'DBCC execution completed. If DBCC printed error messages, contact your system administrator.') };
  yield { kind: 'done', count: null, error: errors > 0 };
}

/** DROP DATABASE name: refused while anyone else uses it (3702); a RESTORING database can be dropped. */
function* dropDatabase(session: Session, c: Cursor): Generator<EngineEvent> {
  c.expectWord('DROP');
  c.expectWord('DATABASE');
  const name = c.name();
  if (!c.done()) throw new TsqlSyntaxError(c.peek()!.v);
  const inst = session.instance;
  const db = inst.findDatabase(name);
  if (!db) throw new SimFailure([sqlErrors.cannotDrop(name)]);
  if (db.state !== 'RESTORING' && db.sessions > 0 && db.userAccess !== 'SINGLE_USER') throw new SimFailure([sqlErrors.dropInUse(db.name)]);
  inst.databases.splice(inst.databases.indexOf(db), 1);
  yield { kind: 'done', count: null, error: false };
}

function* alterDatabase(session: Session, c: Cursor): Generator<EngineEvent> {
  c.expectWord('ALTER');
  c.expectWord('DATABASE');
  const name = c.name();
  const db = session.instance.findDatabase(name);
  if (!db) throw new SimFailure([sqlErrors.noSuchDatabase(name), sqlErrors.alterFailed()]);
  c.expectWord('SET');
  const option = c.expectWord('SINGLE_USER', 'MULTI_USER', 'RESTRICTED_USER', 'RECOVERY', 'OFFLINE', 'ONLINE');
  // A database in an availability group cannot change its access, state or recovery model there.
  if (db.ag && option !== 'MULTI_USER') throw new SimFailure([sqlErrors.alterInAg(db.name), sqlErrors.alterFailed()]);
  if (option === 'RECOVERY') {
    const model = c.expectWord('FULL', 'SIMPLE', 'BULK_LOGGED');
    db.setRecoveryModel(model as 'FULL' | 'SIMPLE' | 'BULK_LOGGED');
  } else if (option === 'OFFLINE' || option === 'ONLINE') {
    db.state = option;
  } else {
    db.userAccess = option === 'MULTI_USER' ? 'MULTI_USER' : 'SINGLE_USER';
    if (c.acceptWord('WITH')) {
      c.expectWord('ROLLBACK', 'NO_WAIT');
      if (c.acceptWord('IMMEDIATE') === null && c.acceptWord('AFTER')) c.value();
      if (db.sessions > 0) {
        yield { kind: 'message', error: info(5060, 'Nonqualified transactions are being rolled back. Estimated rollback completion: 100%.') };
      }
    }
    // The model's "users": gone under SINGLE_USER (rolled back), back once the database is shared again.
    db.sessions = option === 'MULTI_USER' ? 2 : 0;
  }
  if (!c.done()) throw new TsqlSyntaxError(c.peek()!.v);
  yield { kind: 'done', count: null, error: false };
}
