import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRestorePlan, defaultPlanRequest } from '../../src/actions/plan.js';
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

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 100 * 1024 ** 3 });
  endpoints = await fleet.start();
  const ax = endpoints.find((e) => e.name === 'AXSQL01')!;
  pool = await new sql.ConnectionPool({ server: ax.host, port: ax.port, user: ax.login, password: ax.password, options: { encrypt: false } }).connect();
});
afterAll(async () => {
  await pool?.close();
  await fleet?.stop();
});

async function snapshotOf(instance: string): Promise<{ db: (name: string) => DatabaseSnapshot; serverNow: number; offset: number }> {
  const input = demoInventory(scenario, endpoints.filter((e) => e.name === instance));
  input.groups = [];
  const poller = new FleetPoller({ inventory: resolveInventory(configSchema.parse(input)), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  await poller.pollAll();
  await poller.stop();
  const s = poller.snapshot();
  return {
    db: (name) => s.databases.find((d) => d.name === name)!,
    serverNow: s.instances[0]!.serverNow!,
    offset: s.instances[0]!.utcOffsetMinutes!,
  };
}

async function stateOf(name: string): Promise<string | undefined> {
  const r = await pool.request().query('-- rpotop:databases.v1\nSELECT 1');
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
      'single-user',
      'tail-log',
      'restore-full',
      ...plan.chain.logs.map(() => 'restore-log'),
      'restore-log',
      'multi-user',
    ]);
    for (const s of plan.steps) {
      expect(s.text).not.toContain("'4 Björn'");
      if (s.kind !== 'multi-user' && s.kind !== 'single-user') expect(s.text).toMatch(/@file1/);
    }
    expect(script(plan.steps[1]!)).toContain("Sales ]Q''4 Björn_TAIL_");
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

  it('restores under a new name with its files moved', async () => {
    const { db, serverNow, offset } = await snapshotOf('AXSQL01');
    const plan = buildRestorePlan(db('MicrosoftDynamicsAX_model'), { ...defaultPlanRequest, as: 'AX_model_copy' }, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.steps.map((s) => s.kind)).not.toContain('tail-log');
    expect(plan.steps[0]!.text).toContain('MOVE @logical1 TO @physical1');
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    const copy = fleet.instance('AXSQL01').findDatabase('AX_model_copy')!;
    expect(copy.state).toBe('ONLINE');
    expect(copy.files.map((f) => f.physicalName)).toEqual(['L:\\MSSQL\\Log\\AX_model_copy_log.ldf', 'D:\\MSSQL\\Data\\AX_model_copy.mdf'].reverse());
    // The source database was not touched.
    expect(fleet.instance('AXSQL01').findDatabase('MicrosoftDynamicsAX_model')!.state).toBe('ONLINE');
  }, 60_000);

  it('restores to a point in time inside a log backup', async () => {
    const { db, serverNow, offset } = await snapshotOf('AXSQL01');
    const source = db('MicrosoftDynamicsAX');
    const log = source.history.filter((b) => b.type === 'L').sort((a, b) => a.finish - b.finish).at(-3)!;
    const at = log.finish - 5 * 60_000;
    const plan = buildRestorePlan(source, { ...defaultPlanRequest, target: { kind: 'pointInTime', at }, as: 'AX_pit' }, serverNow, offset);
    if (!plan.ok) throw new Error(plan.reason);
    const last = plan.steps.at(-1)!;
    expect(last.text).toContain('STOPAT = @stopat');
    expect(last.text).toContain('RECOVERY');
    for (const s of plan.steps) await runStatement(pool, s, { timeoutMs: 30_000 });
    expect(fleet.instance('AXSQL01').findDatabase('AX_pit')!.state).toBe('ONLINE');
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
