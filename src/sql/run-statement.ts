import sql from 'mssql';
import type { Param, Statement } from './statements.js';

export interface StatementResult {
  /** SQL Server's messages in order: progress, processed pages, success. */
  messages: string[];
}

export interface RunOptions {
  timeoutMs: number;
  onMessage?: (message: string) => void;
  signal?: AbortSignal;
}

function typed(p: Param): [sql.ISqlType, unknown] {
  switch (p.type) {
    case 'nvarchar(260)':
      return [sql.NVarChar(260), p.value];
    case 'nvarchar(128)':
      return [sql.NVarChar(128), p.value];
    case 'int':
      return [sql.Int(), p.value];
    case 'datetime':
      // The driver sends a Date's UTC fields: the wall clock in "local ms" arrives as the server's time.
      return [sql.DateTime(), new Date(p.value as number)];
  }
}

/** Binds a statement's parameters to a request, each with its T-SQL type. */
export function bindParams(request: sql.Request, params: readonly Param[]): sql.Request {
  for (const p of params) {
    const [type, value] = typed(p);
    request.input(p.name.slice(1), type, value);
  }
  return request;
}

/**
 * Runs one statement with its own timeout (BACKUP and RESTORE outlast any query timeout), streaming
 * SQL Server's INFO messages (STATS progress) as they arrive; an abort sends ATTENTION.
 */
export async function runStatement(pool: sql.ConnectionPool, statement: Statement, options: RunOptions): Promise<StatementResult> {
  const request = (pool as unknown as { request(o: { requestTimeout: number }): sql.Request }).request({ requestTimeout: options.timeoutMs });
  bindParams(request, statement.params);
  const messages: string[] = [];
  request.on('info', (info: { message: string }) => {
    messages.push(info.message);
    options.onMessage?.(info.message);
  });
  const onAbort = () => request.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await request.query(statement.text);
    return { messages };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
