import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueForDrill } from '../../src/actions/drill-command.js';
import { DrillLog } from '../../src/actions/drill-log.js';
import { buildDrillReport, formatDrillReportMarkdown } from '../../src/report/drill-report.js';
import { planDrill, runDrill, type DrillPlan } from '../../src/actions/drill.js';
import { Executor } from '../../src/actions/executor.js';
import { Journal } from '../../src/actions/journal.js';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import type { FleetSnapshot } from '../../src/fleet/snapshot.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { scenarioSchema } from '../../src/sim/scenario.js';

const PAYROLL = "Pay]roll 'Ærø'";
const jobs = [
  { type: 'full' as const, every: '1d', offset: '1h' },
  { type: 'diff' as const, every: '6h', offset: '3h' },
  { type: 'log' as const, every: '15m' },
];
const scenario = scenarioSchema.parse({
  name: 'drills',
  description: 'made by the tests',
  // Two days: a daily full lies a day or more back whatever the hour, with differentials and logs after it.
  historyHours: 49,
  instances: [
    {
      name: 'SQL01',
      version: '15.0.4355.3',
      defaultDataPath: 'E:\\Data\\',
      defaultLogPath: 'F:\\Log\\',
      databases: [
        { name: PAYROLL, recovery: 'FULL', dataGb: 1, rpo: '30m', jobs },
        { name: 'Simple', recovery: 'SIMPLE', dataGb: 1, jobs: [{ type: 'full', every: '1d' }] },
        { name: 'Torn', recovery: 'FULL', dataGb: 1, damagedPages: [8330], jobs },
        { name: 'Archive', recovery: 'SIMPLE', dataGb: 1, jobs: [{ type: 'full', every: '1d' }] },
      ],
    },
    // A drill target on the backup share, with default paths of its own; and one that cannot read the share.
    { name: 'DRILL01', version: '16.0.4135.4', defaultDataPath: 'G:\\Drill\\', defaultLogPath: 'G:\\DrillLog', readsBackupsOf: ['SQL01'] },
    { name: 'ISLAND01', version: '16.0.4135.4' },
  ],
});

let fleet: SimFleet;
let poller: FleetPoller;
let snapshot: FleetSnapshot;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-drill-'));
const journal = new Journal(path.join(dir, 'journal.jsonl'));
const log = DrillLog.besideJournal(journal.file);
let inventoryInput: ReturnType<typeof demoInventory>;

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 20 * 1024 ** 3 });
  const endpoints = await fleet.start();
  inventoryInput = demoInventory(scenario, endpoints);
  inventoryInput.groups = [{ name: 'payroll', members: [{ instance: 'SQL01', database: PAYROLL }, { instance: 'SQL01', database: 'Archive' }] }];
  poller = new FleetPoller({
    inventory: resolveInventory(configSchema.parse(inventoryInput)),
    env: { [DEMO_PASSWORD_ENV]: fleet.password },
    prompt: null,
    drills: () => log.latest(),
  });
  await poller.pollAll();
  snapshot = poller.snapshot();
});
afterAll(async () => {
  await poller?.stop();
  await fleet?.stop();
});

/** The drill the command line and the console plan, of a database of SQL01 on a target. */
function planOf(database: string, target = 'SQL01'): Promise<DrillPlan | { refused: string }> {
  const polled = snapshot.databases.find((d) => d.instance === 'SQL01' && d.name === database)!;
  return planDrill(poller, snapshot, polled, target);
}

async function drill(database: string, target = 'SQL01', abortAfterStep?: number) {
  const plan = await planOf(database, target);
  if ('refused' in plan) throw new Error(plan.refused);
  const abort = new AbortController();
  const instance = configSchema.parse(inventoryInput).instances.find((i) => i.name === target)!;
  const record = await runDrill({
    plan,
    instance,
    runner: poller.runnerFor(target)!,
    executor: new Executor(journal, false),
    log,
    confirm: (s) => Promise.resolve(s.destructive ? s.database : 'yes'),
    rtoSeconds: 4 * 3600,
    signal: abort.signal,
    onEvent: (e) => {
      if (e.kind === 'outcome' && e.index === abortAfterStep) abort.abort();
    },
  });
  return { plan, record };
}

/** What the target's msdb says was restored into the copy, in order. */
const restoredInto = (instance: string, copy: string) =>
  fleet
    .instance(instance)
    .restorehistory.filter((r) => r.destination_database_name === copy)
    .map((r) => r.restore_type);

describe('a restore drill, through the driver', () => {
  it('restores the whole chain (full, differential, logs) under a new name in the default folders, checks it, drops it, and records it', async () => {
    const { plan, record } = await drill(PAYROLL);
    expect(plan.copy).toMatch(/^Pay\]roll 'Ærø'_rpotop_drill_\d{8}_\d{4}$/);
    expect(plan.steps.map((s) => s.kind)).toEqual(['restore-full', 'restore-diff', ...plan.chain.logs.map(() => 'restore-log'), 'checkdb', 'drop']);
    expect(plan.chain.diff).not.toBeNull();
    expect(plan.chain.logs.length).toBeGreaterThan(0);
    // Files next to the target's default data and log folders, named for the copy.
    const moves = plan.steps[0]!.params.filter((p) => p.name.startsWith('@physical')).map((p) => p.value);
    expect(moves).toEqual([`E:\\Data\\${plan.copy}.mdf`, `F:\\Log\\${plan.copy}_log.ldf`]);
    expect(plan.steps.every((s) => s.database === plan.copy)).toBe(true);

    expect(record).toMatchObject({ result: 'passed', instance: 'SQL01', database: PAYROLL, target: 'SQL01', copy: plan.copy, dropped: true, errors: [] });
    expect(restoredInto('SQL01', plan.copy)).toEqual(['D', 'I', ...plan.chain.logs.map(() => 'L')]);
    expect(fleet.instance('SQL01').findDatabase(plan.copy)).toBeUndefined();
    expect(fleet.instance('SQL01').findDatabase(PAYROLL)?.state).toBe('ONLINE');
    expect(record.restoreMs).toBeGreaterThan(0);
    expect(log.read().at(-1)).toEqual(record);
    // Every statement journaled under the drill's id.
    const sent = journal.read().entries.filter((e) => e.planId === plan.id && e.event === 'end');
    expect(sent.map((e) => e.kind)).toEqual(plan.steps.map((s) => s.kind));
  });

  it('drills a SIMPLE database from its full alone', async () => {
    const { plan, record } = await drill('Simple');
    expect(plan.steps.map((s) => s.kind)).toEqual(['restore-full', 'checkdb', 'drop']);
    expect(record.result).toBe('passed');
  });

  it('drills on another instance that reads the backup share, its files in that instance\'s folders', async () => {
    const { plan, record } = await drill(PAYROLL, 'DRILL01');
    expect(record).toMatchObject({ result: 'passed', target: 'DRILL01', dropped: true });
    expect(restoredInto('DRILL01', plan.copy)[0]).toBe('D');
    expect(plan.steps[0]!.params.filter((p) => p.name.startsWith('@physical')).map((p) => p.value)).toEqual([`G:\\Drill\\${plan.copy}.mdf`, `G:\\DrillLog\\${plan.copy}_log.ldf`]);
  });

  it('is refused before any statement when the target cannot read the backup (3201 there only)', async () => {
    const refused = await planOf(PAYROLL, 'ISLAND01');
    expect('refused' in refused && refused.refused).toMatch(/^ISLAND01 cannot read full backup #\d+ .*Cannot open backup device/);
  });

  it('fails on CHECKDB errors in the copy, keeps SQL Server\'s messages, and still drops the copy', async () => {
    const { plan, record } = await drill('Torn');
    expect(record.result).toBe('checkdb-errors');
    expect(record.errors.some((e) => e.startsWith('Msg 8928: ') && e.includes('Page (1:8330)'))).toBe(true);
    expect(record.errors.at(-1)).toBe(`Msg 8989: CHECKDB found 0 allocation errors and 2 consistency errors in database '${plan.copy}'.`);
    expect(record.dropped).toBe(true);
    expect(fleet.instance('SQL01').findDatabase(plan.copy)).toBeUndefined();
  });

  it('refused before anything is sent (read-only), creates nothing and drops nothing', async () => {
    const plan = await planOf('Simple');
    if ('refused' in plan) throw new Error(plan.refused);
    const before = journal.read().entries.length;
    const record = await runDrill({
      plan,
      instance: configSchema.parse(inventoryInput).instances.find((i) => i.name === 'SQL01')!,
      runner: poller.runnerFor('SQL01')!,
      executor: new Executor(journal, true),
      // A log of its own: this refusal is not one of the drills the dashboard tests read.
      log: new DrillLog(path.join(dir, 'refused-drills.jsonl')),
      confirm: (s) => Promise.resolve(s.destructive ? s.database : 'yes'),
      rtoSeconds: 4 * 3600,
    });
    expect(record).toMatchObject({ result: 'interrupted', dropped: false, dropNote: 'nothing was restored, so nothing was dropped' });
    expect(record.errors[0]).toMatch(/^read-only: rpotop runs read-only; nothing was sent/);
    // Only the refusal is journaled: no statement started.
    expect(journal.read().entries.slice(before).map((e) => e.event)).toEqual(['refused']);
  });

  it('stopped part-way, drops what it created and says so; the source is never touched', async () => {
    const before = fleet.instance('SQL01').restorehistory.length;
    const { plan, record } = await drill(PAYROLL, 'SQL01', 0);
    expect(record.result).toBe('interrupted');
    expect(fleet.instance('SQL01').restorehistory.slice(before).map((r) => [r.destination_database_name, r.restore_type])).toEqual([[plan.copy, 'D']]);
    expect(record.dropped).toBe(true);
    expect(fleet.instance('SQL01').findDatabase(plan.copy)).toBeUndefined();
    const dropped = journal.read().entries.filter((e) => e.planId === plan.id && e.kind === 'drop' && e.event === 'end');
    expect(dropped.map((e) => e.outcome)).toEqual(['succeeded']);
  });
});

describe('what the dashboard makes of drills', () => {
  it('shows the last drill, says which databases were never drilled or failed, and measures the restore estimate by them', async () => {
    await poller.pollAll();
    const s = poller.snapshot();
    const payroll = s.databases.find((d) => d.instance === 'SQL01' && d.name === PAYROLL)!;
    // The newest drill of it is the interrupted one.
    expect(payroll.lastDrill?.result).toBe('interrupted');
    // Drills restored on SQL01 measured its restore speed: the estimate says so.
    expect(payroll.rto?.basis).toMatch(/^measured by drill on \d{4}-\d{2}-\d{2} \(SQL01, \d+ drills\)/);
    const torn = s.databases.find((d) => d.instance === 'SQL01' && d.name === 'Torn')!;
    expect(torn.findings.find((f) => f.code === 'drill-failed')?.severity).toBe('critical');
    const never = s.databases.filter((d) => d.findings.some((f) => f.code === 'never-drilled')).map((d) => `${d.instance}/${d.name}`);
    expect(never).toEqual(['SQL01/Archive']);
    // Due again: never drilled, failed, interrupted; not the one that passed today, nor system databases.
    expect(dueForDrill(s, 30, Date.now()).map((d) => d.name).sort()).toEqual(['Archive', PAYROLL, 'Torn']);
    expect(dueForDrill(s, 30, Date.now() + 31 * 86_400_000).map((d) => d.name).sort()).toEqual(['Archive', PAYROLL, 'Simple', 'Torn']);
    // The plan reviewers' report: every drillable database with its last drill, and the group's members.
    const report = buildDrillReport(s, resolveInventory(configSchema.parse(inventoryInput)), Date.now());
    expect(report.databases.map((d) => [d.database, d.lastDrill?.result ?? null, d.due])).toEqual([
      ['Archive', null, true],
      [PAYROLL, 'interrupted', true],
      ['Simple', 'passed', false],
      ['Torn', 'checkdb-errors', true],
    ]);
    expect(report.groups).toEqual([{ name: 'payroll', rtoSeconds: 4 * 3600, members: 2, drilled: 1, measuredSeconds: null, failed: [], notDrilled: ['SQL01/Archive'] }]);
    const markdown = formatDrillReportMarkdown(report);
    expect(markdown).toContain(`| SQL01 | Torn | `);
    expect(markdown).toContain('| ✖ CHECKDB errors |');
    expect(markdown).toContain(`| SQL01 | Pay]roll 'Ærø' | `);
    // System databases are not drilled, nor reported as never drilled.
    expect(s.databases.find((d) => d.name === 'master')?.findings.some((f) => f.code === 'never-drilled')).toBe(false);
  });

  it("counts a restore of its backups done outside rpotop (restorehistory) as proof it restores, not as a drill", async () => {
    // Another tool restores Archive's newest full under a name of its own, as Test-DbaLastBackup would.
    const inst = fleet.instance('SQL01');
    const full = inst.backupSetsOf('Archive').filter((b) => b.type === 'D').at(-1)!;
    await poller
      .runnerFor('SQL01')!
      .run(
        {
          kind: 'restore-full',
          database: 'dbatools-testrestore-Archive',
          text: "RESTORE DATABASE [dbatools-testrestore-Archive] FROM DISK = @file1 WITH FILE = @position, MOVE N'Archive' TO N'E:\\Data\\t.mdf', MOVE N'Archive_log' TO N'F:\\Log\\t.ldf', RECOVERY;",
          params: [
            { name: '@file1', type: 'nvarchar(260)', value: inst.devicesOf(full)[0]!.physical_device_name },
            { name: '@position', type: 'int', value: full.position },
          ],
          destructive: false,
          summary: 'a restore by another tool',
          backup: null,
        },
        { timeoutMs: 30_000 },
      );
    // A new console reads restorehistory with its first poll.
    const fresh = new FleetPoller({ inventory: resolveInventory(configSchema.parse(inventoryInput)), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null, drills: () => log.latest() });
    try {
      await fresh.pollAll();
      const archive = fresh.snapshot().databases.find((d) => d.instance === 'SQL01' && d.name === 'Archive')!;
      expect(archive.lastRestored).toMatchObject({ instance: 'SQL01', as: 'dbatools-testrestore-Archive' });
      expect(archive.lastDrill).toBeNull();
      expect(archive.findings.find((f) => f.code === 'never-drilled')?.text).toMatch(/its backups were last restored \d+ s ago on SQL01 as dbatools-testrestore-Archive \(restorehistory: no CHECKDB result, no timing\)$/);
      // Payroll's newest restore is a drill's copy, on whichever instance ran it last.
      expect(fresh.snapshot().databases.find((d) => d.name === PAYROLL)!.lastRestored?.as).toMatch(/^Pay\]roll 'Ærø'_rpotop_drill_/);
    } finally {
      await fresh.stop();
    }
  });
});
