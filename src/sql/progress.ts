import sql from 'mssql';
import { z } from 'zod';
import { progressQuery } from './catalog.js';
import { parseRows } from './rows.js';
import type { Statement } from './statements.js';

export interface StatementProgress {
  percent: number;
  /** SQL Server's own estimate of the time left. */
  remainingMs: number;
}

const progressRow = z.object({
  session_id: z.number().int(),
  command: z.string(),
  percent_complete: z.number(),
  estimated_completion_time: z.union([z.string(), z.number()]).transform(Number),
  start_time: z.date(),
});

/**
 * How far a running BACKUP or RESTORE has got, from sys.dm_exec_requests. The request is found by its
 * statement text, which names the database and its devices as parameters: unique enough while one
 * operator runs one plan step. Null when it is not (or no longer) running.
 */
export async function readProgress(pool: sql.ConnectionPool, statement: Statement): Promise<StatementProgress | null> {
  const result = await pool.request().input('statement', sql.NVarChar(sql.MAX), statement.text).query(progressQuery.text);
  const rows = parseRows(progressQuery.id, progressRow, result.recordset ?? []);
  const newest = rows.sort((a, b) => b.start_time.getTime() - a.start_time.getTime())[0];
  return newest ? { percent: newest.percent_complete, remainingMs: newest.estimated_completion_time } : null;
}
