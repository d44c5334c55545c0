import sql from 'mssql';
import { databasesQuery, filesQuery, historyQuery, serverQuery } from './catalog.js';
import {
  databaseRow,
  fileRow,
  historyRow,
  parseRows,
  serverRow,
  type DatabaseRow,
  type FileRow,
  type HistoryRow,
  type ServerRow,
} from './rows.js';

export interface PollResult {
  server: ServerRow;
  databases: DatabaseRow[];
  /** Empty when the poll did not ask for files. */
  files: FileRow[];
  history: HistoryRow[];
}

/** The four catalog queries as one batch: a poll is one round trip per instance. */
const pollText = [serverQuery, databasesQuery, filesQuery, historyQuery].map((q) => q.text).join('\n');

/**
 * Reads an instance's state and its backup history newer than `sinceId` (0: the first poll, which reads
 * the last `windowDays` days and everything from each database's newest full on), and its files when
 * asked: one round trip.
 */
export async function pollInstance(
  pool: sql.ConnectionPool,
  sinceId: number,
  windowDays: number,
  withFiles: boolean,
): Promise<PollResult> {
  const result = await pool
    .request()
    .input('since_id', sql.Int, sinceId)
    .input('window_days', sql.Int, windowDays)
    .input('with_files', sql.Int, withFiles ? 1 : 0)
    .query(pollText);
  const sets = result.recordsets as unknown as unknown[][];
  if (sets.length !== 4) throw new Error(`poll: expected 4 result sets, got ${sets.length}`);
  const [server] = parseRows(serverQuery.id, serverRow, sets[0]!);
  if (!server) throw new Error(`${serverQuery.id}: no row`);
  return {
    server,
    databases: parseRows(databasesQuery.id, databaseRow, sets[1]!),
    files: parseRows(filesQuery.id, fileRow, sets[2]!),
    history: parseRows(historyQuery.id, historyRow, sets[3]!),
  };
}
