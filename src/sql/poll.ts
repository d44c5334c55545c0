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
  files: FileRow[];
  history: HistoryRow[];
}

/** The four catalog queries as one batch: a poll is one round trip per instance. */
const pollText = [serverQuery, databasesQuery, filesQuery, historyQuery].map((q) => q.text).join('\n');

/**
 * Reads an instance's state and its backup history newer than `sinceId` (0: the first poll, which reads
 * the last `windowDays` days and everything from each database's newest full on).
 */
export async function pollInstance(pool: sql.ConnectionPool, sinceId: number, windowDays: number): Promise<PollResult> {
  const result = await pool
    .request()
    .input('since_id', sql.Int, sinceId)
    .input('window_days', sql.Int, windowDays)
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
