import sql from 'mssql';
import type { InstanceConfig } from '../config/schema.js';
import { readBackupFiles, type BackupFile } from './backup-files.js';
import { chainEndQuery, cmsQuery, defaultPathsQuery, type ServerCapabilities } from './catalog.js';
import { pollInstance, probeServer, readDatabaseHistory, readDatabaseMarks, type PollResult } from './poll.js';
import type { LogMark } from '../domain/marks.js';
import { chainEndRow, cmsGroupRow, cmsServerRow, defaultPathsRow, parseRows, type HistoryRow } from './rows.js';
import { readProgress, type StatementProgress } from './progress.js';
import { runStatement, type RunOptions, type StatementResult } from './run-statement.js';
import type { Statement } from './statements.js';
import type { BackupSet } from '../domain/history.js';
import { linkSettings } from './link.js';

export interface ClientSettings {
  instance: InstanceConfig;
  password: string | null;
  /** The instance's caFile, read: a certificate authority trusted besides the system's. */
  caPem: string | null;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

function poolConfig(s: ClientSettings): sql.config {
  const { instance } = s;
  const auth = instance.auth;
  const authentication: sql.config['authentication'] =
    auth.type === 'sql'
      ? { type: 'default', options: { userName: auth.user, password: s.password ?? '' } }
      : auth.type === 'ntlm'
        ? { type: 'ntlm', options: { userName: auth.user, password: s.password ?? '', domain: auth.domain } }
        : ({ type: 'azure-active-directory-default', options: auth.clientId ? { clientId: auth.clientId } : {} } as sql.config['authentication']);
  // The link's TLS options, and the hook that refuses a cleartext login when TLS is required.
  const { options: tls, ...hooks } = linkSettings(instance, s.caPem);
  return {
    ...hooks,
    server: instance.host,
    ...(instance.port !== undefined ? { port: instance.port } : {}),
    authentication,
    connectionTimeout: s.connectTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    // One connection polls; a second runs an action's statement, a third reads its progress beside it.
    pool: { max: 3, min: 0, idleTimeoutMillis: 10 * 60_000 },
    // The default SELECT 1 on every acquire costs a round trip per poll, and hangs with a hung server.
    validateConnection: 'socket',
    options: {
      ...tls,
      appName: 'rpotop',
      ...(instance.instanceName ? { instanceName: instance.instanceName } : {}),
    },
  } as sql.config;
}

/** What fixes a permission SQL Server refused a poll (see the README's monitoring login). */
const PERMISSION_FIX: Record<number, string> = {
  229: 'grant the login SELECT on msdb.dbo.backupset, backupmediaset and backupmediafamily (USE msdb; GRANT SELECT ON dbo.backupset TO [user]; likewise the other two)',
  297: 'GRANT VIEW SERVER STATE TO [login]',
};

/** The server answered and refused the login (18456): the credential is wrong, not the network. */
export function isLoginFailure(error: unknown): boolean {
  return error instanceof sql.ConnectionError && error.code === 'ELOGIN' && /^Login failed for user/.test(error.message);
}

/** Driver errors in an operator's words: the SQL Server message and number when there is one, and the fix for a refused permission. */
export function describeError(error: unknown): string {
  if (error instanceof sql.RequestError) {
    // mssql puts the driver's code (ETIMEOUT, ECANCEL, ESOCKET) where SQL Server's message number goes when
    // the server sent no message: name it as a code, not as "Msg ETIMEOUT".
    if (typeof error.number !== 'number') {
      const code = error.code ?? (error.number as unknown as string | undefined);
      return code ? `${error.message} (${code})` : error.message;
    }
    const number = error.number ? `Msg ${error.number}: ` : '';
    const fix = error.number ? PERMISSION_FIX[error.number] : undefined;
    return `${number}${error.message}${fix ? ` (${fix})` : ''}`;
  }
  if (error instanceof sql.ConnectionError) {
    // The server answered and refused the login: not a network fault, and the fix is the credential.
    if (isLoginFailure(error)) {
      return `login failed (18456): ${error.message} Check the login and the password its passwordEnv holds (the server log gives the reason state)`;
    }
    const cause = (error as { originalError?: { cause?: { code?: string } } }).originalError?.cause?.code;
    return `${error.message}${cause && !error.message.includes(cause) ? ` (${cause})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Every error SQL Server sent for a failed statement, in order ("Msg 3201: ...", then "Msg 3013: ..."). */
export function describeErrors(error: unknown): string[] {
  const preceding = (error as { precedingErrors?: { number?: number; message: string }[] }).precedingErrors ?? [];
  return [...preceding.map((p) => `Msg ${p.number ?? '?'}: ${p.message}`), describeError(error)];
}

/**
 * One instance's connection pool, reused across polls: the only place (with actions' executor) that
 * talks to a server. Connecting is lazy and retried on the next use after a failure.
 */
export class InstanceClient {
  private pool: sql.ConnectionPool | null = null;
  private connecting: Promise<sql.ConnectionPool> | null = null;
  /** The server's version and the login's VIEW SERVER STATE, probed at each login: they choose the poll's variant. */
  private capabilities: ServerCapabilities | null = null;

  /** The server's offset from UTC (GETDATE against GETUTCDATE) at its last poll; null before one. */
  utcOffsetMinutes: number | null = null;

  constructor(private readonly settings: ClientSettings) {}

  /** Whether the pool is logged in (a poll then costs one round trip). */
  get isConnected(): boolean {
    return this.pool?.connected === true;
  }

  /** Logs in now, so that a poll later is one round trip. */
  async connect(): Promise<void> {
    await this.connected();
  }

  private async connected(): Promise<sql.ConnectionPool> {
    if (this.pool?.connected) return this.pool;
    this.connecting ??= (async () => {
      const pool = new sql.ConnectionPool(poolConfig(this.settings));
      // A pool that lost its connections reports through 'error'; the next poll reconnects.
      pool.on('error', () => undefined);
      try {
        await pool.connect();
        this.capabilities = await probeServer(pool);
        this.pool = pool;
        return pool;
      } catch (error) {
        await pool.close().catch(() => undefined);
        throw error;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  async poll(sinceId: number, windowDays: number, withFiles: boolean, withMarks = false): Promise<PollResult> {
    const pool = await this.connected();
    try {
      const result = await pollInstance(pool, this.capabilities!, sinceId, windowDays, withFiles, withMarks);
      this.utcOffsetMinutes = result.server.utc_offset_minutes;
      return result;
    } catch (error) {
      // A broken link is rebuilt from scratch on the next poll.
      if (error instanceof sql.ConnectionError || (error as { code?: string }).code === 'ESOCKET') await this.close();
      throw error;
    }
  }

  /** One database's whole history (the window and everything from its newest full on). */
  async databaseHistory(database: string, windowDays: number): Promise<HistoryRow[]> {
    return readDatabaseHistory(await this.connected(), database, windowDays);
  }

  /** One database's marked transactions in the window (logmarkhistory), for a restore to a mark. */
  async databaseMarks(database: string, windowDays: number, offsetMinutes: number): Promise<LogMark[]> {
    return readDatabaseMarks(await this.connected(), database, windowDays, offsetMinutes);
  }

  /** Runs a statement that changes the server (actions' executor only) on this instance's pool. */
  async run(statement: Statement, options: RunOptions): Promise<StatementResult> {
    return runStatement(await this.connected(), statement, options);
  }

  /** sys.dm_exec_requests' view of a statement running on this instance (the STATS fallback). */
  async progress(statement: Statement): Promise<StatementProgress | null> {
    const pool = await this.connected();
    // sys.dm_exec_sql_text needs VIEW SERVER STATE: without it, progress comes from STATS messages only.
    return this.capabilities?.viewServerState ? readProgress(pool, statement) : null;
  }

  /** The server's default data and log folders (2012 and later); null where it has none to say. */
  async defaultPaths(): Promise<{ data: string; log: string } | null> {
    const result = await (await this.connected()).request().query(defaultPathsQuery.text);
    const [row] = parseRows(defaultPathsQuery.id, defaultPathsRow, result.recordset ?? []);
    return row?.data_path && row.log_path ? { data: row.data_path, log: row.log_path } : null;
  }

  /**
   * The servers registered in this Central Management Server, each with its folder path under the
   * Database Engine root (a registration whose group is not found sits at the root).
   */
  async registeredServers(): Promise<{ name: string; serverName: string; group: string[] }[]> {
    const result = await (await this.connected()).request().query(cmsQuery.text);
    const sets = (result.recordsets ?? []) as unknown[][];
    const groups = new Map(parseRows(cmsQuery.id, cmsGroupRow, sets[0] ?? []).map((g) => [g.server_group_id, g]));
    const path = (id: number | null): string[] => {
      const out: string[] = [];
      for (let g = id === null ? undefined : groups.get(id); g && !g.is_system_object && out.length < 64; g = g.parent_id === null ? undefined : groups.get(g.parent_id)) out.unshift(g.name);
      return out;
    };
    return parseRows(cmsQuery.id, cmsServerRow, sets[1] ?? []).map((s) => ({ name: s.name, serverName: s.server_name, group: path(s.server_group_id) }));
  }

  /** Where a database's next log backup starts now; null when it cannot take one (or there is no such database). */
  async chainEnd(database: string): Promise<bigint | null> {
    const result = await (await this.connected()).request().input('database', sql.NVarChar(128), database).query(chainEndQuery.text);
    const [row] = parseRows(chainEndQuery.id, chainEndRow, result.recordset ?? []);
    return row?.last_log_backup_lsn ? BigInt(row.last_log_backup_lsn) : null;
  }

  /** The files inside a backup, for WITH MOVE. */
  async backupFiles(backup: Pick<BackupSet, 'media' | 'position'>): Promise<BackupFile[]> {
    const pool = await this.connected();
    try {
      return await readBackupFiles(pool, backup);
    } catch (error) {
      // The first error says why (3201: the file cannot be opened from here); the last only that it stopped.
      throw new Error(describeErrors(error).join(' '));
    }
  }

  /**
   * Ends the pool now. mssql's close waits until every connection in use is released, and a server that
   * trickles its answer (a packet a second through a congested proxy) keeps one in use for minutes after
   * the request timeout, whose attention it answers only at the end; so each connection's socket is
   * destroyed first (tedious' close does that), which fails whatever still runs on it at once.
   */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (!pool) return;
    for (const connection of driverConnections(pool)) connection.close();
    await pool.close().catch(() => undefined);
  }
}

/**
 * The driver connections of a pool, in use or idle. mssql keeps them in a tarn pool (`pool.pool`, with
 * `used` and `free` lists of resources) and offers no public way to end one that is in use.
 */
function driverConnections(pool: sql.ConnectionPool): { close(): void }[] {
  type Held = { resource: { close(): void } };
  const tarn = (pool as unknown as { pool?: { used?: Held[]; free?: Held[] } | null }).pool;
  return [...(tarn?.used ?? []), ...(tarn?.free ?? [])].map((held) => held.resource);
}
