import sql from 'mssql';
import { z } from 'zod';
import type { LogMark } from '../domain/marks.js';
import { majorVersion } from '../domain/version.js';
import { agentQueryFor, agentServiceQueryFor, databaseHistoryQuery, databaseMarksQuery, marksQuery, MIN_MAJOR_VERSION, pollQueries, probeQuery, restoredQuery, restoresQuery, type ServerCapabilities } from './catalog.js';
import {
  agentJobRow,
  agentServiceRow,
  databaseRow,
  fileRow,
  historyRow,
  markRow,
  parseRows,
  restoreRow,
  restoredRow,
  toLogMark,
  serverRow,
  type AgentJobRow,
  type AgentServiceRow,
  type DatabaseRow,
  type FileRow,
  type HistoryRow,
  type MarkRow,
  type RestoreRow,
  type RestoredRow,
  type ServerRow,
} from './rows.js';

export interface PollResult {
  server: ServerRow;
  databases: DatabaseRow[];
  /** Empty when the poll did not ask for files. */
  files: FileRow[];
  history: HistoryRow[];
  /** Empty when the poll did not ask for marks. */
  marks: MarkRow[];
  /** Databases kept restoring, with their newest restore. */
  restores: RestoreRow[];
  /** Full restores of the last days and whose backups they read; empty when the poll did not ask (with the marks). */
  restored: RestoredRow[];
  /** SQL Server Agent's backup steps; empty when the poll did not ask (with the files) or may not read them. */
  agentJobs: AgentJobRow[];
  /** SQL Server Agent's service state; null when not asked (with the files, VIEW SERVER STATE, 2012 and later). */
  agentService: AgentServiceRow | null;
  capabilities: ServerCapabilities;
}

/** A server older than rpotop supports: reported as the instance's reason, never polled. */
export class UnsupportedVersionError extends Error {
  constructor(readonly productVersion: string) {
    super(`SQL Server ${productVersion.split('.').slice(0, 2).join('.')} is not supported (2008 R2 or later)`);
    this.name = 'UnsupportedVersionError';
  }
}

const probeRow = z.object({ product_version: z.string(), has_view_server_state: z.number().nullable(), can_read_agent: z.number().nullable() });

/** Which poll variant this server and login take (once per connection, not per poll). */
export async function probeServer(pool: sql.ConnectionPool): Promise<ServerCapabilities> {
  const result = await pool.request().query(probeQuery.text);
  const [row] = parseRows(probeQuery.id, probeRow, result.recordset ?? []);
  if (!row) throw new Error(`${probeQuery.id}: no row`);
  const major = majorVersion(row.product_version);
  if (major < MIN_MAJOR_VERSION) throw new UnsupportedVersionError(row.product_version);
  return { major, viewServerState: row.has_view_server_state === 1, readAgent: row.can_read_agent === 1 };
}

/**
 * Reads an instance's state and its backup history newer than `sinceId` (0: the first poll, which reads
 * per database the rows its status needs, findings over the last `windowDays` days), and its files when
 * asked: one round trip, with the query variants the server's version and the login's permissions allow.
 */
export async function pollInstance(
  pool: sql.ConnectionPool,
  capabilities: ServerCapabilities,
  sinceId: number,
  windowDays: number,
  withFiles: boolean,
  withMarks = false,
): Promise<PollResult> {
  const [serverQuery, databasesQuery, filesQuery, historyQuery] = pollQueries(capabilities, sinceId === 0);
  const agentQuery = agentQueryFor(capabilities);
  const serviceQuery = agentServiceQueryFor(capabilities);
  const result = await pool
    .request()
    .input('since_id', sql.Int, sinceId)
    .input('window_days', sql.Int, windowDays)
    .input('with_files', sql.Int, withFiles ? 1 : 0)
    .input('with_marks', sql.Int, withMarks ? 1 : 0)
    .input('with_restores', sql.Int, withMarks ? 1 : 0)
    .query([serverQuery, databasesQuery, filesQuery, historyQuery, marksQuery, restoresQuery, restoredQuery, agentQuery, serviceQuery].map((q) => q.text).join('\n'));
  const sets = result.recordsets as unknown as unknown[][];
  if (sets.length !== 9) throw new Error(`poll: expected 9 result sets, got ${sets.length}`);
  const [server] = parseRows(serverQuery.id, serverRow, sets[0]!);
  if (!server) throw new Error(`${serverQuery.id}: no row`);
  return {
    server,
    databases: parseRows(databasesQuery.id, databaseRow, sets[1]!),
    files: parseRows(filesQuery.id, fileRow, sets[2]!),
    history: parseRows(historyQuery.id, historyRow, sets[3]!),
    marks: parseRows(marksQuery.id, markRow, sets[4]!),
    restores: parseRows(restoresQuery.id, restoreRow, sets[5]!),
    restored: parseRows(restoredQuery.id, restoredRow, sets[6]!),
    agentJobs: parseRows(agentQuery.id, agentJobRow, sets[7]!),
    agentService: parseRows(serviceQuery.id, agentServiceRow, sets[8]!)[0] ?? null,
    capabilities,
  };
}

/** One database's history for its detail view and restore plans (databaseHistoryQuery): one round trip. */
const databaseMarkRow = z.object({
  mark_name: z.string(),
  description: z.string().nullable(),
  lsn: z.string().regex(/^\d{1,25}$/, 'expected an LSN cast to varchar(25)'),
  mark_time: z.date(),
});

/**
 * One database's marks in the window. mark_time is the server's wall clock with no time zone recorded, so
 * it is converted with the server's offset now.
 */
export async function readDatabaseMarks(pool: sql.ConnectionPool, database: string, windowDays: number, offsetMinutes: number): Promise<LogMark[]> {
  const result = await pool
    .request()
    .input('database', sql.NVarChar(128), database)
    .input('window_days', sql.Int, windowDays)
    .query(databaseMarksQuery.text);
  return parseRows(databaseMarksQuery.id, databaseMarkRow, result.recordset ?? []).map((r) => toLogMark(r, offsetMinutes));
}

export async function readDatabaseHistory(pool: sql.ConnectionPool, database: string, windowDays: number): Promise<HistoryRow[]> {
  const result = await pool
    .request()
    .input('database', sql.NVarChar(128), database)
    .input('window_days', sql.Int, windowDays)
    .query(databaseHistoryQuery.text);
  return parseRows(databaseHistoryQuery.id, historyRow, result.recordset ?? []);
}
