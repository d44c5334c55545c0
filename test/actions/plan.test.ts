import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWholeHistory } from '../../src/actions/restore-request.js';
import { buildRestorePlan, defaultPlanRequest, type PlanRequest } from '../../src/actions/plan.js';
import { contextFor, planRequestFrom } from '../../src/actions/restore-request.js';
import { formatServerTime, utcToServerLocal } from '../../src/domain/time.js';
import { defaultRestoreForm, type RestoreForm } from '../../src/ui/actions-port.js';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import type { DatabaseSnapshot } from '../../src/fleet/snapshot.js';
import { quoteName, quoteString } from '../../src/sql/quote.js';
import { runStatement } from '../../src/sql/run-statement.js';
import { script } from '../../src/sql/statements.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';

const scenario = loadScenario('seeds');
let fleet: SimFleet;
let endpoints: Endpoint[];
let pool: sql.ConnectionPool;
const pollers: FleetPoller[] = [];

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 100 * 1024 ** 3 });
  endpoints = await fleet.start();
  const ax = endpoints.find((e) => e.name === 'AXSQL01')!;
  pool = await new sql.ConnectionPool({ server: ax.host, port: ax.port, user: ax.login, password: ax.password, options: { encrypt: false } }).connect();
});
afterAll(async () => {
  for (const p of pollers) await p.stop();
  await pool?.close();
  await fleet?.stop();
});

async function snapshotOf(instance: string): Promise<{
  db: (name: string) => DatabaseSnapshot;
  /** The console's path from typed options to a plan request, FILELISTONLY read through the driver. */
  request: (name: string, form: Partial<RestoreForm>) => Promise<PlanRequest | { refused: string }>;
  serverNow: number;
  offset: number;
}> {
  const input = demoInventory(scenario, endpoints.filter((e) => e.name === instance));
  input.groups = [];
  const poller = new FleetPoller({ inventory: resolveInventory(configSchema.parse(input)), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  pollers.push(poller);
  await poller.pollAll();
  const s = poller.snapshot();
  // Plans are built on the whole history, read on demand as the console reads it.
  const whole = new Map<string, DatabaseSnapshot>();
  for (const d of s.databases) {
    const loaded = await withWholeHistory(poller, d);
    if ('refused' in loaded) throw new Error(loaded.refused);
    whole.set(d.name, loaded);
  }
  const db = (name: string) => whole.get(name)!;
  return {
    db,
    request: (name, form) => planRequestFrom({ ...defaultRestoreForm, ...form }, contextFor(s, db(name), poller.runnerFor(instance), new Map())),
    serverNow: s.instances[0]!.serverNow!,
    offset: s.instances[0]!.utcOffsetMinutes!,
  };
}

async function stateOf(name: string): Promise<string | undefined> {
  const r = await pool.request().query('SELECT d.name, d.state_desc FROM sys.databases AS d');
  return (r.recordset as { name: string; state_desc: string }[]).find((d) => d.name === name)?.state_desc;
}

describe('quoting', () => {
  it.each([
    ['Sales', '[Sales]'],
    ["Sales ]Q'4 Björn", "[Sales ]]Q'4 Björn]"],
    [']]', '[]]]]]'],
  ])('QUOTENAME(%j) is %s', (name, quoted) => expect(quoteName(name)).toBe(quoted));

  it("doubles ' in N'' literals and refuses what SQL Server would", () => {
    expect(quoteString("O'Brien ]x")).toBe("N'O''Brien ]x'");
    expect(() => quoteName('')).toThrow(RangeError);
    expect(() => quoteName('x'.repeat(129))).toThrow(RangeError);
  });
});

describe('restore plans run through the driver', () => {
  it('restores a database with ], \' and non-ASCII in its name to the latest point, tail included', async () => {
    const name = "Sales ]Q'4 Björn";
    const { db, serverNow, offset } = await snapshotOf('AXSQL01');
    const plan = buildRestorePlan(db(name), defaultPlanRequest, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'tail-log',
      'restore-full',
      ...plan.chain.logs.map(() => 'restore-log'),
      'restore-log',
      'multi-user',
    ]);
    for (const s of plan.steps) {
      expect(s.text).not.toContain("'4 Björn'");
      if (s.kind !== 'multi-user') expect(s.text).toMatch(/@file1/);
    }
    // Each restore names the backup it reads: when it finished, its LSNs and its file.
    const full = plan.chain.full;
    expect(plan.steps[1]!.summary).toBe(
      `restore the full backup #${full.backupSetId} (finished ${formatServerTime(utcToServerLocal(full.finish, offset))} server time, LSN ${full.firstLsn} to ${full.lastLsn}, ${full.media.map((m) => m.physicalDeviceName).join(' + ')})`,
    );
    // Connections close in the tail's own batch: no other session can take the single connection between.
    expect(plan.steps[0]!.text).toMatch(/^ALTER DATABASE \[Sales \]\]Q'4 Björn\] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nBACKUP LOG /);
    expect(script(plan.steps[0]!)).toContain("Sales ]Q''4 Björn_TAIL_");
    const guid = fleet.instance('AXSQL01').findDatabase(name)!.databaseGuid;
    const messages: string[] = [];
    for (const s of plan.steps) {
      const r = await runStatement(pool, s, { timeoutMs: 30_000, onMessage: (m) => messages.push(m) });
      // BACKUP and RESTORE end with SQL Server's "successfully processed" message.
      if (s.backup || s.kind === 'tail-log') expect(r.messages.at(-1)).toMatch(/successfully processed \d+ pages/);
    }
    expect(messages.filter((m) => m === '100 percent processed.').length).toBeGreaterThanOrEqual(plan.chain.logs.length + 2);
    expect(await stateOf(name)).toBe('ONLINE');
    const restored = fleet.instance('AXSQL01').findDatabase(name)!;
    expect(restored.databaseGuid).not.toBe(guid);
    expect(restored.userAccess).toBe('MULTI_USER');
  }, 60_000);

  it('restores under a new name with the files FILELISTONLY lists moved, quoting the name', async () => {
    const name = "AX ]copy' Åsa";
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const req = await request('MicrosoftDynamicsAX_model', { as: name });
    if ('refused' in req) throw new Error(req.refused);
    expect(req.as?.files.map((f) => [f.logicalName, f.type])).toEqual([
      ['MicrosoftDynamicsAX_model', 'D'],
      ['MicrosoftDynamicsAX_model_log', 'L'],
    ]);
    const plan = buildRestorePlan(db('MicrosoftDynamicsAX_model'), req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.steps.map((s) => s.kind)).not.toContain('tail-log');
    expect(plan.steps.some((s) => s.text.includes('SINGLE_USER'))).toBe(false);
    expect(plan.steps[0]!.text).toContain('MOVE @logical1 TO @physical1');
    expect(plan.steps[0]!.text).toContain("RESTORE DATABASE [AX ]]copy' Åsa]");
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    const copy = fleet.instance('AXSQL01').findDatabase(name)!;
    expect(copy.state).toBe('ONLINE');
    expect(copy.files.map((f) => f.physicalName).sort()).toEqual([`D:\\MSSQL\\Data\\${name}.mdf`, `L:\\MSSQL\\Log\\${name}_log.ldf`]);
    // The source database was not touched.
    expect(fleet.instance('AXSQL01').findDatabase('MicrosoftDynamicsAX_model')!.state).toBe('ONLINE');
  }, 60_000);

  it('refuses a new name that is taken, a file that would collide, and a time it cannot read', async () => {
    const temp = fleet.instance('AXSQL01').findDatabase('ReportServerTempDB')!.files[0]!;
    const original = temp.physicalName;
    temp.physicalName = 'D:\\MSSQL\\Data\\AX_clash.mdf';
    const { request, serverNow, offset } = await snapshotOf('AXSQL01').finally(() => {
      temp.physicalName = original;
    });
    expect(await request('MicrosoftDynamicsAX_model', { as: 'AX_clash' })).toEqual({
      refused: 'D:\\MSSQL\\Data\\AX_clash.mdf already belongs to ReportServerTempDB: choose another name',
    });
    expect(await request('MicrosoftDynamicsAX_model', { as: 'microsoftdynamicsax' })).toEqual({
      refused: 'MicrosoftDynamicsAX already exists on AXSQL01: choose a free name, or leave the name empty to restore over MicrosoftDynamicsAX_model',
    });
    // The source's own name, in any case, means "over the database": no moves.
    expect(await request('MicrosoftDynamicsAX_model', { as: 'MICROSOFTDYNAMICSAX_MODEL' })).toMatchObject({ as: null });
    // The server's clock runs on between the poll and the check: the second is not fixed.
    expect(await request('MicrosoftDynamicsAX_model', { stopAt: 'yesterday' })).toEqual({
      refused: expect.stringMatching(/^type the point in time as YYYY-MM-DD HH:MM\[:SS\] on the server's clock, or how long ago as -10m or -2h \(it is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d there now\)$/),
    });
    expect(await request('MicrosoftDynamicsAX_model', { stopAt: formatServerTime(utcToServerLocal(serverNow, offset) + 3_600_000) })).toMatchObject({
      refused: expect.stringMatching(/is in the future on the server's clock/),
    });
  });

  it('restores to a point in time typed on the server\'s clock', async () => {
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const source = db('MicrosoftDynamicsAX');
    const log = source.history.filter((b) => b.type === 'L').sort((a, b) => a.finish - b.finish).at(-3)!;
    const at = log.finish - 5 * 60_000;
    const req = await request('MicrosoftDynamicsAX', { stopAt: formatServerTime(utcToServerLocal(at, offset)), as: 'AX_pit' });
    if ('refused' in req) throw new Error(req.refused);
    expect(req.target).toEqual({ kind: 'pointInTime', at: Math.floor(at / 1000) * 1000 });
    const plan = buildRestorePlan(source, req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const last = plan.steps.at(-1)!;
    expect(last.text).toContain('STOPAT = @stopat');
    expect(last.text).toContain('RECOVERY');
    expect(plan.chain.logs.at(-1)!.backupSetId).toBe(log.backupSetId);
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    expect(fleet.instance('AXSQL01').findDatabase('AX_pit')!.state).toBe('ONLINE');
  }, 60_000);

  it('takes a point in time as how long ago on the server\'s clock (-20m, -1h30m)', async () => {
    const { request, serverNow } = await snapshotOf('AXSQL01');
    for (const [typed, minutes] of [['-20m', 20], ['-1h30m', 90]] as const) {
      const req = await request('MicrosoftDynamicsAX', { stopAt: typed });
      if ('refused' in req || req.target.kind !== 'pointInTime') throw new Error(`${typed}: ${JSON.stringify(req)}`);
      expect(Math.abs(req.target.at - (serverNow - minutes * 60_000))).toBeLessThan(5_000);
    }
    expect(await request('MicrosoftDynamicsAX', { stopAt: '-20x' })).toEqual({ refused: expect.stringContaining('or how long ago as -10m or -2h (it is ') });
  });

  it('shows STOPAT to the millisecond as the datetime SQL Server will use, and runs exactly that', async () => {
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const source = db('MicrosoftDynamicsAX');
    const log = source.history.filter((b) => b.type === 'L').sort((a, b) => a.finish - b.finish).at(-2)!;
    const local = Math.floor(utcToServerLocal(log.finish - 4 * 60_000, offset) / 1000) * 1000 + 251;
    const req = await request('MicrosoftDynamicsAX', { stopAt: formatServerTime(local, true), as: 'AX_ms' });
    if ('refused' in req) throw new Error(req.refused);
    const plan = buildRestorePlan(source, req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const last = plan.steps.at(-1)!;
    // datetime counts 1/300 s: .251 is held as .250.
    const shown = formatServerTime(local - 1, true);
    expect(script(last)).toContain(`DECLARE @stopat datetime = '${shown.replace(' ', 'T')}';`);
    expect(last.summary).toContain(`stopping at ${shown} (server time)`);
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    const restored = fleet.instance('AXSQL01').restorehistory.filter((r) => r.destination_database_name === 'AX_ms').at(-1)!;
    expect(formatServerTime(restored.stop_at!, true)).toBe(shown);
  }, 60_000);

  it('leaves the database restoring when asked, verifying every backup first', async () => {
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const req = await request('MicrosoftDynamicsAX', { as: 'AX_standby', recover: false, verifyFirst: true });
    if ('refused' in req) throw new Error(req.refused);
    const plan = buildRestorePlan(db('MicrosoftDynamicsAX'), req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const verifies = plan.steps.filter((s) => s.kind === 'verify');
    expect(verifies.length).toBe(1 + (plan.chain.diff ? 1 : 0) + plan.chain.logs.length);
    expect(plan.steps.slice(0, verifies.length).every((s) => s.kind === 'verify')).toBe(true);
    expect(plan.steps.at(-1)!.text).toMatch(/WITH FILE = @position, NORECOVERY, CHECKSUM/);
    const messages: string[] = [];
    for (const s of plan.steps) messages.push(...(await runStatement(pool, s, { timeoutMs: 30_000 })).messages);
    expect(messages.filter((m) => /The backup set on file 1 is valid/.test(m))).toHaveLength(verifies.length);
    expect(fleet.instance('AXSQL01').findDatabase('AX_standby')!.state).toBe('RESTORING');
  }, 60_000);

  it('restores backups appended to one file by their position in it (FILE = n)', async () => {
    // Two log backups into the same file (NOINIT appends): msdb records positions 1 and 2.
    const file = "L:\\Backup\\appended ]'.trn";
    for (let i = 0; i < 2; i++) {
      await pool.request().input('file', sql.NVarChar(260), file).query('BACKUP LOG [SharePoint_Config] TO DISK = @file WITH CHECKSUM;');
    }
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const source = db('SharePoint_Config');
    const appended = source.history.filter((b) => b.media[0]?.physicalDeviceName === file);
    expect(appended.map((b) => b.position)).toEqual([1, 2]);
    const req = await request('SharePoint_Config', { as: 'SP_appended' });
    if ('refused' in req) throw new Error(req.refused);
    const plan = buildRestorePlan(source, req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const last = plan.steps.at(-1)!;
    expect(last.backup?.backupSetId).toBe(appended[1]!.backupSetId);
    expect(script(last)).toContain('DECLARE @position int = 2;');
    // Run through the driver: without FILE = 2 the server would read the first set and refuse it (4326).
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    expect(await stateOf('SP_appended')).toBe('ONLINE');
  }, 60_000);

  it('asks for CHECKSUM only of backups taken with checksums (SQL Server refuses it otherwise, 3187)', async () => {
    await pool.request().input('file', sql.NVarChar(260), 'L:\\Backup\\no-checksum.trn').query('BACKUP LOG [ReportServer] TO DISK = @file;');
    const { db, request, serverNow, offset } = await snapshotOf('AXSQL01');
    const req = await request('ReportServer', { as: 'RS_nochecksum', verifyFirst: true });
    if ('refused' in req) throw new Error(req.refused);
    const plan = buildRestorePlan(db('ReportServer'), req, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const plain = plan.steps.filter((s) => s.backup?.media[0]?.physicalDeviceName === 'L:\\Backup\\no-checksum.trn');
    expect(plain.map((s) => s.kind)).toEqual(['verify', 'restore-log']);
    expect(plain.every((s) => !s.text.includes('CHECKSUM'))).toBe(true);
    expect(plan.steps.filter((s) => s.kind === 'restore-full').every((s) => s.text.includes('CHECKSUM'))).toBe(true);
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    expect(await stateOf('RS_nochecksum')).toBe('ONLINE');
  }, 60_000);

  it('refuses a target past a broken log chain before any statement exists', async () => {
    const { db, serverNow, offset } = await snapshotOf('BTSSQL01');
    const broken = db('BizTalkDTADb');
    const plan = buildRestorePlan(broken, { ...defaultPlanRequest, target: { kind: 'pointInTime', at: serverNow - 10 * 60_000 } }, serverNow, offset);
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.reason).toMatch(/^LSN gap after log #\d+/);
      expect(plan.reason).toContain('written to NUL');
    }
  });
});
