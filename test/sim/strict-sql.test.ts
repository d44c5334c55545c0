import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { catalog, historyQuery, pollQueries, queriesFor, type CatalogQuery, type ServerCapabilities } from '../../src/sql/catalog.js';
import { describeError, InstanceClient } from '../../src/sql/client.js';
import { pollInstance, probeServer } from '../../src/sql/poll.js';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { smallScenario, useSimFleet } from './helpers.js';

/**
 * The simulator runs the text it is sent against the documented system views of the simulated version,
 * so it refuses what SQL Server refuses. These tests hold it to that: every catalog query, as sent, on
 * every version; every name in every catalog query, misspelled, refused with SQL Server's error; the
 * objects a version lacks and the permissions a login lacks refused as SQL Server refuses them.
 */

const databases = smallScenario().instances[0]!.databases;
const instance = (name: string, version: string, permissions?: Record<string, boolean>) => ({
  name,
  version,
  timeZoneMinutes: 60,
  databases,
  ...(permissions ? { permissions } : {}),
});
const scenario: ScenarioInput = {
  ...smallScenario(),
  // Two days: a daily full lies a day or more back at any hour, so the history is as long whatever the time.
  historyHours: 49,
  instances: [
    instance('SQL2022', '16.0.4135.4'),
    instance('SQL2014', '12.0.6024.0'),
    instance('SQL2012', '11.0.7001.0'),
    instance('SQL2008R2', '10.50.6000.34'),
    instance('SQL2008', '10.0.6000.29'),
    instance('MONITOR', '16.0.4135.4', { viewServerState: false, backupLog: false, createAnyDatabase: false, selectMsdbAgent: false }),
    instance('NOMSDB', '15.0.4355.3', { selectMsdbHistory: false }),
    // The README's monitoring login: VIEW SERVER STATE, SELECT on msdb's history, nothing that writes.
    instance('MINIMAL', '13.0.6300.2', { backupLog: false, createAnyDatabase: false }),
  ],
};

const sim = useSimFleet(scenario);
const pool = sim.pool;
const endpoint = sim.endpoint;

type SqlFailure = sql.RequestError & { lineNumber?: number; precedingErrors?: (sql.RequestError & { number: number })[] };

async function failure(run: Promise<unknown>): Promise<SqlFailure> {
  try {
    await run;
  } catch (error) {
    return error as SqlFailure;
  }
  throw new Error('expected SQL Server to refuse the statement');
}

function request(p: sql.ConnectionPool): sql.Request {
  return p.request().input('since_id', sql.Int, 0).input('window_days', sql.Int, 8).input('with_files', sql.Int, 1).input('with_marks', sql.Int, 1).input('with_restores', sql.Int, 1).input('statement', sql.NVarChar(sql.MAX), 'BACKUP').input('database', sql.NVarChar(128), 'Sales');
}

describe('catalog queries, answered from their text', () => {
  it.each([
    ['SQL2022', { major: 16, viewServerState: true, readAgent: true }],
    ['SQL2014', { major: 12, viewServerState: true, readAgent: true }],
    ['SQL2012', { major: 11, viewServerState: true, readAgent: true }],
    ['SQL2008R2', { major: 10.5, viewServerState: true, readAgent: true }],
    ['MONITOR', { major: 16, viewServerState: false, readAgent: false }],
  ] as [string, ServerCapabilities][])('%s runs every query its variant sends, with the types SQL Server returns', async (name, caps) => {
    expect(await probeServer(pool(name))).toEqual(caps);
    for (const q of queriesFor(caps)) {
      const r = await request(pool(name)).query(q.text);
      expect(r.recordset, q.id).toBeDefined();
    }
    const history = await request(pool(name)).query(historyQuery.text);
    const columns = history.recordset.columns;
    // LSNs cast to varchar(25); sizes cast from numeric(20,0) to bigint; media_family_count is tinyint.
    expect(columns.first_lsn!.type).toBe(sql.VarChar);
    expect(columns.first_lsn!.length).toBe(25);
    expect(columns.backup_size!.type).toBe(sql.BigInt);
    expect(columns.media_family_count!.type).toBe(sql.TinyInt);
    expect(columns.backup_finish_date!.type).toBe(sql.DateTime);
    expect(history.recordset.length).toBeGreaterThan(50);
  });

  it('refuses the column the poll used to read (backupmediaset.family_count) with Msg 207 on its line, the batch as a whole', async () => {
    const [server, dbs, files, history] = pollQueries({ major: 16, viewServerState: true, readAgent: true }, true);
    const old = history.text.replace('ms.media_family_count', 'ms.family_count');
    const batch = [server, dbs, files].map((q) => q.text).join('\n') + '\n' + old;
    const line = batch.split('\n').findIndex((l) => l.includes('ms.family_count')) + 1;
    const error = await failure(request(pool('SQL2022')).query(batch));
    expect(error.number).toBe(207);
    expect(error.message).toBe("Invalid column name 'family_count'.");
    expect(error.lineNumber).toBe(line);
    expect(error.class).toBe(16);
    expect(describeError(error)).toBe("Msg 207: Invalid column name 'family_count'.");
  });
});

/** Every `alias.column` and every system object a query names, with where it stands in the text. */
function namesIn(q: CatalogQuery): { at: number; length: number; kind: 'column' | 'object'; name: string }[] {
  const found: { at: number; length: number; kind: 'column' | 'object'; name: string }[] = [];
  const aliases = new Set([...q.text.matchAll(/\bAS\s+([a-z]+)\b/gi)].map((m) => m[1]!.toLowerCase()));
  for (const m of q.text.matchAll(/\b(msdb\.dbo|sys)\.([a-z_]+)\b(?!\s*\()/gi)) {
    // A name in a string (HAS_PERMS_BY_NAME's securable) is a value: a misspelled one answers NULL, no error.
    if (q.text[m.index - 1] === "'") continue;
    found.push({ at: m.index + m[1]!.length + 1, length: m[2]!.length, kind: 'object', name: m[2]! });
  }
  for (const m of q.text.matchAll(/\b([a-z]+)\.([a-z_]+)\b(?!\s*\()/gi)) {
    if (!aliases.has(m[1]!.toLowerCase()) || m[1]!.toLowerCase() === 'sys') continue;
    found.push({ at: m.index + m[1]!.length + 1, length: m[2]!.length, kind: 'column', name: m[2]! });
  }
  return found;
}

describe('a misspelled name in any catalog query', () => {
  it('covers every name of every query: the SERVERPROPERTY-only ones name none, the rest over a hundred between them', () => {
    // The probe and the default paths read SERVERPROPERTY and HAS_PERMS_BY_NAME only; Agent's empty variant reads nothing.
    expect(catalog.filter((q) => namesIn(q).length === 0).map((q) => q.id)).toEqual(['probe.v3', 'agent-jobs.v2-none', 'agent-service.v1-none', 'default-paths.v1']);
    expect(catalog.reduce((n, q) => n + namesIn(q).length, 0)).toBeGreaterThan(100);
  });

  it.each(catalog.filter((q) => namesIn(q).length > 0).map((q) => [q.id, q] as const))('%s: every column and object renamed is refused with 207 or 208', async (id, q) => {
    const names = namesIn(q);
    const target = q.id.endsWith('-2008r2') ? 'SQL2008R2' : 'SQL2022';
    for (const n of names) {
      const text = q.text.slice(0, n.at + n.length) + '_x' + q.text.slice(n.at + n.length);
      const error = await failure(request(pool(target)).query(text));
      const expected = n.kind === 'column' ? [207, `Invalid column name '${n.name}_x'.`] : [208, expect.stringContaining(`${n.name}_x'.`)];
      expect([error.number, error.message], `${id}: ${n.name}_x`).toEqual(expected);
      expect(error.lineNumber, `${id}: ${n.name}_x`).toBe(q.text.slice(0, n.at).split('\n').length);
    }
  });
});

describe('versions', () => {
  it('reports an instance older than 2008 R2 as not supported instead of polling it', async () => {
    const e = endpoint('SQL2008');
    const client = new InstanceClient({
      instance: { name: e.name, host: e.host, port: e.port, auth: { type: 'sql', user: e.login }, encrypt: false, trustServerCertificate: true } as never,
      password: e.password,
      caPem: null,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 5000,
    });
    await expect(client.poll(0, 8, true)).rejects.toThrow('SQL Server 10.0 is not supported (2008 R2 or later)');
    await client.close();
  });

  it('has no availability-group views or functions before 2012, and no backup-encryption columns before 2014', async () => {
    const p = pool('SQL2008R2');
    expect((await failure(p.request().query('SELECT ag.name FROM sys.availability_groups AS ag'))).number).toBe(208);
    expect((await failure(p.request().query('SELECT h.is_local FROM sys.dm_hadr_database_replica_states AS h'))).number).toBe(208);
    const fn = await failure(p.request().query("SELECT sys.fn_hadr_backup_is_preferred_replica(N'x')"));
    expect([fn.number, fn.message]).toEqual([4121, 'Cannot find either column "sys" or the user-defined function or aggregate "sys.fn_hadr_backup_is_preferred_replica", or the name is ambiguous.']);
    expect((await failure(p.request().query('SELECT b.key_algorithm FROM msdb.dbo.backupset AS b'))).number).toBe(207);
    expect((await pool('SQL2014').request().query('SELECT TOP 1 b.key_algorithm FROM msdb.dbo.backupset AS b')).recordset[0].key_algorithm).toBe('NO_Encryption');
    expect((await failure(pool('SQL2014').request().query('SELECT b.last_valid_restore_time FROM msdb.dbo.backupset AS b'))).number).toBe(207);
    // sys.dm_exec_requests.command: nvarchar(16) up to 2008 R2, nvarchar(32) since 2012.
    const command = async (name: string) => (await pool(name).request().query('SELECT r.command FROM sys.dm_exec_requests AS r')).recordset.columns.command!.length;
    // (the driver reports an nvarchar's length in bytes)
    expect([await command('SQL2008R2'), await command('SQL2012')]).toEqual([32, 64]);
  });

  it('has no LAG or LEAD, and no ORDER BY for an aggregate over a window, before 2012', async () => {
    const lag = 'SELECT LAG(b.backup_set_id) OVER (ORDER BY b.backup_set_id) AS p FROM msdb.dbo.backupset AS b';
    const running = 'SELECT SUM(b.backup_set_id) OVER (ORDER BY b.backup_set_id) AS s FROM msdb.dbo.backupset AS b';
    const partitioned = 'SELECT SUM(b.backup_set_id) OVER (PARTITION BY b.type) AS s FROM msdb.dbo.backupset AS b';
    const old = pool('SQL2008R2');
    const refused = await failure(old.request().query(lag));
    expect([refused.number, refused.message]).toEqual([195, "'LAG' is not a recognized built-in function name."]);
    expect([(await failure(old.request().query(running))).number, (await failure(old.request().query(running))).message]).toEqual([102, "Incorrect syntax near 'order'."]);
    expect((await old.request().query(partitioned)).recordset.length).toBeGreaterThan(0);
    for (const text of [lag, running]) expect((await pool('SQL2012').request().query(text)).recordset.length, text).toBeGreaterThan(0);
  });

  it('polls a 2008 R2 instance with the variant that leaves availability groups out', async () => {
    const p = pool('SQL2008R2');
    const polled = await pollInstance(p, await probeServer(p), 0, 8, true);
    expect(polled.server.product_version).toBe('10.50.6000.34');
    expect(polled.databases.map((d) => d.ag_name)).toEqual(polled.databases.map(() => null));
    expect(polled.history.length).toBeGreaterThan(0);
  });
});

describe('permissions', () => {
  it('refuses a DMV to a login without VIEW SERVER STATE with 300 then 297, and shows it its own requests only', async () => {
    const p = pool('MONITOR');
    const error = await failure(p.request().query('SELECT v.volume_mount_point FROM sys.master_files AS f CROSS APPLY sys.dm_os_volume_stats(f.database_id, f.file_id) AS v'));
    expect([error.precedingErrors?.[0]?.number, error.number]).toEqual([300, 297]);
    expect(error.precedingErrors?.[0]?.message).toBe("VIEW SERVER STATE permission was denied on object 'server', database 'master'.");
    const requests = await p.request().query('SELECT r.session_id FROM sys.dm_exec_requests AS r');
    const own = await p.request().query('SELECT @@SPID AS spid');
    expect(requests.recordset.map((r: { session_id: number }) => r.session_id)).toEqual([own.recordset[0].spid]);
  });

  it('polls without the DMVs when the login lacks VIEW SERVER STATE, and says what it lost', async () => {
    const p = pool('MONITOR');
    const caps = await probeServer(p);
    expect(caps.viewServerState).toBe(false);
    const polled = await pollInstance(p, caps, 0, 8, true);
    expect(polled.server.encrypt_option).toBeNull();
    expect(polled.files.length).toBeGreaterThan(0);
    expect(polled.files.every((f) => f.volume_mount_point === null)).toBe(true);
    expect(polled.history.length).toBeGreaterThan(0);
  });

  it('refuses msdb history without SELECT (229), although HAS_DBACCESS says 1', async () => {
    const p = pool('NOMSDB');
    expect((await p.request().query("SELECT HAS_DBACCESS('msdb') AS a")).recordset[0].a).toBe(1);
    const error = await failure(p.request().query('SELECT TOP 1 b.backup_set_id FROM msdb.dbo.backupset AS b'));
    expect([error.number, error.message]).toEqual([229, "The SELECT permission was denied on the object 'backupset', database 'msdb', schema 'dbo'."]);
    expect((await p.request().query("SELECT HAS_PERMS_BY_NAME('msdb.dbo.backupset', 'OBJECT', 'SELECT') AS s")).recordset[0].s).toBe(0);
  });
});

describe("the README's monitoring login", () => {
  it('polls everything and may take no tail-log backup and create no database', async () => {
    const p = pool('MINIMAL');
    const caps = await probeServer(p);
    expect(caps).toEqual({ major: 13, viewServerState: true, readAgent: true });
    const polled = await pollInstance(p, caps, 0, 8, true);
    expect(polled.server.encrypt_option).toBe('FALSE');
    expect(polled.server.can_create_database).toBe(0);
    expect(polled.files.every((f) => f.volume_mount_point !== null)).toBe(true);
    expect(polled.databases.filter((d) => d.database_id > 4).map((d) => d.can_backup_log)).toEqual([0, 0]);
    const backup = await failure(p.request().batch("BACKUP LOG [Simple] TO DISK = N'X:\\m.trn'"));
    expect(backup.precedingErrors?.[0]?.number).toBe(262);
  });
});

describe("an operator's own queries", () => {
  it('get the rows SQL Server would give: joins, GROUP BY with COUNT and MAX, ORDER BY, TOP', async () => {
    const r = await pool('SQL2022').request().query(`
      SELECT TOP 2 bs.database_name, COUNT(*) AS backups, MAX(bs.backup_finish_date) AS newest
      FROM msdb.dbo.backupset AS bs
      JOIN msdb.dbo.backupmediafamily AS mf ON mf.media_set_id = bs.media_set_id
      WHERE bs.type = 'L' OR bs.type = 'D'
      GROUP BY bs.database_name
      ORDER BY backups DESC, bs.database_name`);
    const model = sim.fleet.instance('SQL2022').backupset.filter((b) => b.type === 'L' || b.type === 'D');
    const counts = new Map<string, { n: number; newest: number }>();
    for (const b of model) {
      const c = counts.get(b.database_name) ?? { n: 0, newest: 0 };
      counts.set(b.database_name, { n: c.n + 1, newest: Math.max(c.newest, b.backup_finish_date) });
    }
    const expected = [...counts].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0])).slice(0, 2);
    expect(r.recordset.map((x: { database_name: string; backups: number; newest: Date }) => [x.database_name, x.backups, x.newest.getTime()])).toEqual(
      expected.map(([name, c]) => [name, c.n, c.newest]),
    );
    expect(r.recordset.columns.backups!.type).toBe(sql.Int);
  });

  it('decide a condition on parameters alone before reading anything, as a startup predicate does, but still check the permission', async () => {
    const p = pool('SQL2022');
    const logs = (flag: number) =>
      p.request().input('flag', sql.Int, flag).query("SELECT COUNT(*) AS n FROM msdb.dbo.backupset AS b JOIN msdb.dbo.backupmediafamily AS f ON f.media_set_id = b.media_set_id WHERE @flag = 1 AND b.type = 'L'");
    const model = sim.fleet.instance('SQL2022').backupset.filter((b) => b.type === 'L').length;
    expect(model).toBeGreaterThan(0);
    expect((await logs(1)).recordset).toEqual([{ n: model }]);
    // An aggregate over no rows is still one row.
    expect((await logs(0)).recordset).toEqual([{ n: 0 }]);
    // The permission is checked when the statement runs, whatever its conditions.
    const denied = await failure(pool('MONITOR').request().input('flag', sql.Int, 0).query('SELECT j.name FROM msdb.dbo.sysjobs AS j WHERE @flag = 1'));
    expect(denied.number).toBe(229);
    // An outer row's value inside a subquery is decided per outer row.
    const name = databases![0]!.name;
    const counted = await p
      .request()
      .input('db', sql.NVarChar(128), name)
      .query('SELECT d.name, (SELECT COUNT(*) FROM msdb.dbo.backupset AS b WHERE d.name = @db AND b.database_name = d.name) AS n FROM sys.databases AS d WHERE d.name IN (@db, N\'Simple\') ORDER BY d.database_id');
    expect(counted.recordset).toEqual([
      { name, n: sim.fleet.instance('SQL2022').backupset.filter((b) => b.database_name === name).length },
      { name: 'Simple', n: 0 },
    ]);
  });

  it('compare text as the default collation does: case folded, trailing spaces ignored, leading ones not', async () => {
    const p = pool('SQL2022');
    const r = await p.request().query(
      "SELECT CASE WHEN N'Ærø' = N'æRØ  ' THEN 1 ELSE 0 END AS folded, CASE WHEN N' a' = N'a' THEN 1 ELSE 0 END AS leading, CASE WHEN N'a' < N'B' THEN 1 ELSE 0 END AS ordered, CASE WHEN N'x' = N'x' THEN 1 ELSE 0 END AS same",
    );
    expect(r.recordset).toEqual([{ folded: 1, leading: 0, ordered: 1, same: 1 }]);
  });

  it("answer a derived table nested in an APPLY for each outer row, from that row's values", async () => {
    const p = pool('SQL2022');
    const r = await p.request().query(`
      SELECT d.name, x.n
      FROM sys.databases AS d
      OUTER APPLY (SELECT t.n FROM (SELECT COUNT(*) AS n FROM msdb.dbo.backupset AS b WHERE b.database_name = d.name) AS t) AS x
      ORDER BY d.name`);
    const counts = new Map<string, number>();
    for (const b of sim.fleet.instance('SQL2022').backupset) counts.set(b.database_name, (counts.get(b.database_name) ?? 0) + 1);
    expect(r.recordset).toEqual(r.recordset.map((row: { name: string }) => ({ name: row.name, n: counts.get(row.name) ?? 0 })));
    expect(new Set(r.recordset.map((row: { n: number }) => row.n)).size).toBeGreaterThan(1);
  });

  it('join a backup set by its backup_set_id, whatever type the other side is', async () => {
    const p = pool('SQL2022');
    const newest = Math.max(...sim.fleet.instance('SQL2022').backupset.map((b) => b.backup_set_id));
    for (const id of ['n.id', 'CAST(n.id AS varchar(12))']) {
      const r = await p.request().query(
        `SELECT b.backup_set_id FROM (SELECT MAX(x.backup_set_id) AS id FROM msdb.dbo.backupset AS x) AS n JOIN msdb.dbo.backupset AS b ON b.backup_set_id = ${id}`,
      );
      expect(r.recordset, id).toEqual([{ backup_set_id: newest }]);
    }
  });

  it('gets SQL Server errors for what it gets wrong: ungrouped columns, unknown aliases, ambiguous names, constructs not simulated', async () => {
    const p = pool('SQL2022');
    const cases: [string, number][] = [
      ['SELECT b.database_name, COUNT(*) FROM msdb.dbo.backupset AS b', 8120],
      ['SELECT x.name FROM sys.databases AS d', 4104],
      ['SELECT database_id FROM sys.databases AS d JOIN sys.master_files AS f ON f.database_id = d.database_id', 209],
      ['SELECT d.name FROM sys.databases AS d UNION SELECT d.name FROM sys.databases AS d', 40517],
      ['SELECT NOPE(1)', 195],
      ['SELECT d.name FROM sys.databasez AS d', 208],
      ['SELECT b.backup_set_id FROM dbo.backupset AS b', 208],
    ];
    for (const [text, number] of cases) expect((await failure(p.request().query(text))).number, text).toBe(number);
  });
});

describe('a poll refused a permission', () => {
  it('names the GRANT that fixes it', async () => {
    const error = await failure(request(pool('NOMSDB')).query(pollQueries({ major: 15, viewServerState: true, readAgent: true }, true).map((q) => q.text).join('\n')));
    expect(describeError(error)).toBe(
      "Msg 229: The SELECT permission was denied on the object 'backupset', database 'msdb', schema 'dbo'. (grant the login SELECT on msdb.dbo.backupset, backupmediaset and backupmediafamily (USE msdb; GRANT SELECT ON dbo.backupset TO [user]; likewise the other two))",
    );
  });
});

describe("SQL Agent's tables", () => {
  it('are refused with 229 to a login without the GRANT, whose poll then leaves them alone and succeeds', async () => {
    const p = pool('MONITOR');
    const error = await failure(p.request().query('SELECT TOP 1 j.name FROM msdb.dbo.sysjobs AS j'));
    expect([error.number, error.message]).toEqual([229, "The SELECT permission was denied on the object 'sysjobs', database 'msdb', schema 'dbo'."]);
    const activity = await failure(p.request().query('SELECT MAX(a.session_id) AS s FROM msdb.dbo.sysjobactivity AS a'));
    expect([activity.number, activity.message]).toEqual([229, "The SELECT permission was denied on the object 'sysjobactivity', database 'msdb', schema 'dbo'."]);
    const caps = await probeServer(p);
    expect(caps.readAgent).toBe(false);
    const polled = await pollInstance(p, caps, 0, 8, true);
    expect(polled.agentJobs).toEqual([]);
    expect(polled.databases.length).toBeGreaterThan(0);
  });

  it('answer a login with it: a backup step per job, Agent times as yyyyMMdd and HHmmss', async () => {
    const p = pool('SQL2022');
    const caps = await probeServer(p);
    const polled = await pollInstance(p, caps, 0, 8, true);
    expect(polled.agentJobs.length).toBeGreaterThan(0);
    expect(polled.agentJobs.every((j) => /^BACKUP (DATABASE|LOG) \[/.test(j.command ?? ''))).toBe(true);
    expect(polled.agentJobs.every((j) => j.last_run === null || /^\d{14}$/.test(String(j.last_run)))).toBe(true);
    // sysjobactivity: a row per job in Agent's session, each with a start and a stop (no run is going on).
    const activity = await p.request().query('SELECT a.session_id, a.start_execution_date, a.stop_execution_date FROM msdb.dbo.sysjobactivity AS a');
    expect(activity.recordset.length).toBe(polled.agentJobs.length);
    expect(activity.recordset.every((r) => r.session_id === 1 && (r.start_execution_date === null) === (r.stop_execution_date === null))).toBe(true);
    expect(polled.agentJobs.every((j) => j.running_since === null)).toBe(true);
    // Read with the files only: a poll without them sends Agent nothing to answer.
    expect((await pollInstance(p, caps, 0, 8, false)).agentJobs).toEqual([]);
  });
});
