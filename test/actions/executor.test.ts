import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionRefused, Executor } from '../../src/actions/executor.js';
import { Journal } from '../../src/actions/journal.js';
import { buildRestorePlan, defaultPlanRequest } from '../../src/actions/plan.js';
import { withWholeHistory } from '../../src/actions/restore-request.js';
import { ConsoleActions } from '../../src/actions/console-actions.js';
import { defaultRestoreForm, type RestoreForm } from '../../src/ui/actions-port.js';
import { resolveInventory, type Inventory } from '../../src/config/resolve.js';
import { configSchema, type InstanceConfig } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { exclusively, multiUser, recoverOnly, restoreSteps, tailLogBackup } from '../../src/sql/statements.js';
import { backupBytes, performBackup } from '../../src/sim/backup-ops.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';
import { scenarioSchema } from '../../src/sim/scenario.js';
import { smallScenario, startFleet } from '../sim/helpers.js';

const scenario = loadScenario('seeds');
let fleet: SimFleet;
let poller: FleetPoller;
let instance: InstanceConfig;
let inventory: Inventory;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-journal-'));

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 2 * 1024 ** 3 });
  const endpoints = await fleet.start();
  const input = demoInventory(scenario, endpoints.filter((e) => e.name === 'LYNCSQL01'));
  input.groups = [];
  inventory = resolveInventory(configSchema.parse(input));
  instance = inventory.config.instances[0]!;
  poller = new FleetPoller({ inventory, env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  await poller.pollAll();
});
afterAll(async () => {
  await poller?.stop();
  await fleet?.stop();
});

const run = () => poller.runnerFor('LYNCSQL01')!;

/** The console's actions on LYNCSQL01, journaling to a file of the test's own. */
const consoleActions = (journal: string | Journal) => new ConsoleActions(poller, inventory, typeof journal === 'string' ? new Journal(path.join(dir, journal)) : journal, false);

/** Drafts a restore with these options and begins it, as Enter on the options screen does. */
async function begin(actions: ConsoleActions, key: string, form: Partial<RestoreForm> = {}) {
  const draft = await actions.draftRestore(key, { ...defaultRestoreForm, ...form });
  return 'refused' in draft ? draft : actions.beginPlan(draft.planId);
}

describe('the executor', () => {
  it('refuses every statement in read-only mode, global or per instance, and journals the refusal', async () => {
    const journal = new Journal(path.join(dir, 'ro.jsonl'));
    const tail = tailLogBackup('xds', 'X:\\t.trn', 'norecovery');
    const global = new Executor(journal, true);
    const token = global.confirm(instance, tail, 'xds');
    await expect(global.execute(instance, tail, token, run())).rejects.toThrow(/read-only: rpotop runs read-only; nothing was sent/);
    const perInstance = new Executor(journal, false);
    await expect(perInstance.execute({ ...instance, readOnly: true }, tail, perInstance.confirm(instance, tail, 'xds'), run())).rejects.toThrow(
      /LYNCSQL01 is read-only in the inventory/,
    );
    expect(journal.read().entries.map((e) => e.event)).toEqual(['refused', 'refused']);
    expect(fleet.instance('LYNCSQL01').findDatabase('xds')!.state).toBe('ONLINE');
  });

  it('runs nothing without a confirmation for exactly that statement, used once', async () => {
    const journal = new Journal(path.join(dir, 'confirm.jsonl'));
    const ex = new Executor(journal, false);
    // Destructive (the database's name confirms them) and harmless to run: SINGLE_USER, then MULTI_USER.
    const a = exclusively(multiUser('xds'));
    const b = exclusively(multiUser('lis'));
    expect(() => ex.confirm(instance, a, 'XDS')).toThrow(ActionRefused);
    await expect(ex.execute(instance, a, null, run())).rejects.toThrow(/not confirmed/);
    const forB = ex.confirm(instance, b, 'lis');
    await expect(ex.execute(instance, a, forB, run())).rejects.toThrow(/not confirmed/);
    const forA = ex.confirm(instance, a, 'xds');
    expect((await ex.execute(instance, a, forA, run())).outcome).toBe('succeeded');
    await expect(ex.execute(instance, a, forA, run())).rejects.toThrow(/not confirmed/);
  });

  it('takes a tail-log backup with progress, journaled before and after, never with a password', async () => {
    const journal = new Journal(path.join(dir, 'tail.jsonl'));
    const ex = new Executor(journal, false);
    const tail = exclusively(tailLogBackup('xds', "X:\\tails\\xds 'tail'.trn", 'norecovery'));
    const progress: number[] = [];
    const result = await ex.execute(instance, tail, ex.confirm(instance, tail, 'xds'), run(), { onProgress: (p) => progress.push(p) });
    expect(result.outcome).toBe('succeeded');
    expect(progress).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(fleet.instance('LYNCSQL01').findDatabase('xds')!.state).toBe('RESTORING');
    const entries = journal.read().entries;
    expect(entries.map((e) => `${e.event}:${e.outcome ?? ''}`)).toEqual(['start:', 'end:succeeded']);
    expect(entries[0]!.sql).toBe(
      `DECLARE @file1 nvarchar(260) = N'X:\\tails\\xds ''tail''.trn';\nALTER DATABASE [xds] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nBACKUP LOG [xds] TO DISK = @file1 WITH NORECOVERY, CHECKSUM, STATS = 10;`,
    );
    expect(entries[1]!.messages!.at(-1)).toMatch(/^BACKUP LOG successfully processed/);
    expect(entries[0]!.who.user.length).toBeGreaterThan(0);
    expect(readFileSync(journal.file, 'utf8')).not.toContain(fleet.password);
    expect(journal.unfinished()).toEqual([]);
  });

  it('reads progress from sys.dm_exec_requests when STATS messages do not arrive as they are sent', async () => {
    const journal = new Journal(path.join(dir, 'probe.jsonl'));
    const ex = new Executor(journal, false);
    const inst = fleet.instance('LYNCSQL01');
    const server = fleet.server('LYNCSQL01');
    await server.setFaults({ bufferMessages: true });
    // About 2.5 s for this log backup, whatever the log holds by the time this test runs.
    const db = inst.findDatabase('rtcxds')!;
    db.advanceTo(inst.clock.now());
    inst.options.statementThroughput = backupBytes(db, { database: 'rtcxds', kind: 'log', devices: [] }) / 2.5;
    try {
      const seen: { percent: number; message: string }[] = [];
      const backup = tailLogBackup('rtcxds', 'X:\\probe\\rtcxds.trn', 'no_truncate');
      const result = await ex.execute(instance, backup, ex.confirm(instance, backup, null), run(), {
        probeMs: 300,
        onProgress: (percent, message) => seen.push({ percent, message }),
      });
      expect(result.outcome, result.messages.join('\n')).toBe('succeeded');
      const probed = seen.filter((p) => /sys\.dm_exec_requests/.test(p.message));
      expect(probed.length).toBeGreaterThan(0);
      expect(probed.every((p) => p.percent >= 0 && p.percent <= 100)).toBe(true);
      // The STATS messages were held back to the end: the probe is what showed progress while it ran.
      const firstStats = seen.findIndex((p) => /percent processed/.test(p.message));
      expect(firstStats).toBeGreaterThan(0);
      expect(seen.slice(firstStats).every((p) => /percent processed/.test(p.message))).toBe(true);
    } finally {
      delete inst.options.statementThroughput;
      await server.setFaults({ bufferMessages: false });
    }
  }, 30_000);

  it('brings a database back online after a tail without starting a new incarnation', async () => {
    const journal = new Journal(path.join(dir, 'recover.jsonl'));
    const ex = new Executor(journal, false);
    const xds = fleet.instance('LYNCSQL01').findDatabase('xds')!;
    expect(xds.state).toBe('RESTORING');
    const guid = xds.databaseGuid;
    for (const s of [recoverOnly('xds'), multiUser('xds')]) {
      expect((await ex.execute(instance, s, ex.confirm(instance, s, null), run())).outcome).toBe('succeeded');
    }
    expect(xds.state).toBe('ONLINE');
    expect(xds.databaseGuid).toBe(guid);
    await poller.pollAll();
    expect(poller.snapshot().databases.find((d) => d.name === 'xds')!.assessment.status).toBe('OK');
  });

  it('stops on a failing statement with SQL Server\'s messages, and the journal says so', async () => {
    const journal = new Journal(path.join(dir, 'fail.jsonl'));
    const ex = new Executor(journal, false);
    const snapshot = poller.snapshot();
    const lis = snapshot.databases.find((d) => d.name === 'lis')!;
    // Restoring over an online database without its tail and without REPLACE: SQL Server refuses (3159).
    const [full] = restoreSteps('lis', [{ backup: lis.assessment.chain!.full, stopAtLocal: null }], { replace: false, moves: [], recover: false });
    const outcome = await ex.execute(instance, full!, ex.confirm(instance, full!, 'lis'), run());
    expect(outcome.outcome).toBe('failed');
    expect(outcome.error).toEqual({ number: 3013, message: 'Msg 3013: RESTORE DATABASE is terminating abnormally.' });
    expect(outcome.messages[0]).toMatch(/^Msg 3159: The tail of the log for the database "lis" has not been backed up/);
    const end = journal.read().entries.at(-1)!;
    expect(end).toMatchObject({ event: 'end', outcome: 'failed', kind: 'restore-full', database: 'lis' });
    expect(fleet.instance('LYNCSQL01').findDatabase('lis')!.state).toBe('ONLINE');
  });

  it('runs a whole restore plan step by step', async () => {
    const journal = new Journal(path.join(dir, 'plan.jsonl'));
    const ex = new Executor(journal, false);
    await poller.pollAll();
    const s = poller.snapshot();
    // As the console does: the plan on the whole history, read on demand.
    const db = await withWholeHistory(poller, s.databases.find((d) => d.name === 'rtcxds')!);
    if ('refused' in db) throw new Error(db.refused);
    const plan = buildRestorePlan(db, defaultPlanRequest, s.instances[0]!.serverNow!, s.instances[0]!.utcOffsetMinutes!);
    if (!plan.ok) throw new Error(plan.reason);
    const planId = 'plan-1';
    for (const [i, step] of plan.steps.entries()) {
      const result = await ex.execute(instance, step, ex.confirm(instance, step, step.destructive ? 'rtcxds' : null), run(), { plan: { planId, step: i + 1 } });
      expect(result.outcome, result.messages.join('\n')).toBe('succeeded');
    }
    expect(fleet.instance('LYNCSQL01').findDatabase('rtcxds')!.state).toBe('ONLINE');
    const ends = journal.read().entries.filter((e) => e.event === 'end');
    expect(ends.map((e) => e.step)).toEqual(plan.steps.map((_, i) => i + 1));
    expect(ends.every((e) => e.planId === planId)).toBe(true);
  }, 60_000);
});

describe('tail-log variants from the console', () => {
  it('reads the log of a database that cannot start with NO_TRUNCATE, and of a damaged one with CONTINUE_AFTER_ERROR', async () => {
    const journal = new Journal(path.join(dir, 'variants.jsonl'));
    const actions = consoleActions(journal);
    const db = fleet.instance('LYNCSQL01').findDatabase('rtcshared')!;
    const noop = () => undefined;
    try {
      for (const [state, clause] of [
        ['RECOVERY_PENDING', 'NO_TRUNCATE, CHECKSUM'],
        ['SUSPECT', 'NO_TRUNCATE, CONTINUE_AFTER_ERROR'],
      ] as const) {
        db.state = state;
        await poller.pollAll();
        const preview = actions.preview('tail-log', 'LYNCSQL01/rtcshared');
        if ('refused' in preview) throw new Error(preview.refused);
        // Nothing to cut: the database is not online. y confirms; no SINGLE_USER step.
        expect(preview.confirmWord).toBeNull();
        expect(preview.steps).toHaveLength(1);
        expect(preview.steps[0]!.script).toContain(`BACKUP LOG [rtcshared] TO DISK = @file1 WITH ${clause}, STATS = 10;`);
        expect(preview.effect).toContain(`cannot start (${state})`);
        const result = await actions.run('tail-log', 'LYNCSQL01/rtcshared', '', noop);
        expect(result.ok, result.error ?? '').toBe(true);
        expect(result.messages.at(-1)).toMatch(/^BACKUP LOG successfully processed/);
      }
    } finally {
      db.state = 'ONLINE';
      await poller.pollAll();
    }
    expect(journal.read().entries.filter((e) => e.event === 'end').map((e) => e.outcome)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('the journal', () => {
  it('says an outcome it could not record, and sends nothing more while it cannot write', async () => {
    /** A journal on a disk that fills after the first entry. */
    class FullDisk extends Journal {
      writes = 0;
      override append(entry: Parameters<Journal['append']>[0]): void {
        if (++this.writes > 1) throw new Error('ENOSPC: no space left on device, write');
        super.append(entry);
      }
    }
    const journal = new FullDisk(path.join(dir, 'full-disk.jsonl'));
    const ex = new Executor(journal, false);
    const statement = multiUser('xds');
    const outcome = await ex.execute(instance, statement, ex.confirm(instance, statement, null), run());
    expect(outcome.outcome).toBe('succeeded');
    expect(outcome.messages.at(-1)).toMatch(/^succeeded, but not recorded: the journal could not be written \(ENOSPC/);
    await expect(ex.execute(instance, statement, ex.confirm(instance, statement, null), run())).rejects.toThrow(/ENOSPC/);
    expect(journal.read().entries.map((e) => e.event)).toEqual(['start']);
  });

  it('finds statements that started and never ended, and survives a line cut short', () => {
    const journal = new Journal(path.join(dir, 'crash.jsonl'));
    const base = { v: 1 as const, at: new Date().toISOString(), who: { user: 'dba', host: 'jump1' }, planId: 'p', step: 2, instance: 'SQL01', database: 'db', kind: 'restore-log', sql: 'RESTORE LOG [db] ...' };
    journal.append({ ...base, event: 'start', id: 'a' });
    journal.append({ ...base, event: 'end', id: 'a', outcome: 'succeeded' });
    journal.append({ ...base, event: 'start', id: 'b', step: 3 });
    appendFileSync(journal.file, '{"v":1,"at":"2026-');
    expect(journal.unfinished().map((e) => e.step)).toEqual([3]);
    expect(journal.read().damaged).toEqual([4]);
  });
});

describe('a restore plan from the console', () => {
  it('writes an open plan to a new .sql file: every step as it runs, one batch each, never over a file', async () => {
    const actions = consoleActions('export.jsonl');
    await poller.pollAll();
    const plan = await begin(actions, 'LYNCSQL01/rgsconfig');
    if ('refused' in plan) throw new Error(plan.refused);
    const out = mkdtempSync(path.join(tmpdir(), 'rpotop-export-'));
    const written = actions.exportPlan(plan.planId, out);
    if ('refused' in written) throw new Error(written.refused);
    expect(path.basename(written.path)).toMatch(/^rpotop-plan-LYNCSQL01-rgsconfig-\d{8}-\d{6}\.sql$/);
    const text = readFileSync(written.path, 'utf8');
    expect(text.split('\n').filter((l) => l === 'GO')).toHaveLength(plan.steps.length);
    for (const step of plan.steps) expect(text).toContain(step.script);
    expect(text.startsWith(`-- rpotop restore plan: ${plan.title}`)).toBe(true);
    // A second export in the same second would overwrite: it is refused instead.
    const again = actions.exportPlan(plan.planId, out);
    if ('path' in again) expect(again.path).not.toBe(written.path);
    else expect(again.refused).toMatch(/EEXIST/);
    expect(actions.exportPlan('no-such-plan', out)).toEqual({ refused: 'that plan is no longer open' });
    // Log restores that leave the database restoring may be confirmed together; the one that recovers, alone.
    for (const step of plan.steps) expect(step.batchable, step.script).toBe(/RESTORE LOG/.test(step.script) && /\bNORECOVERY\b/.test(step.script));
    actions.closePlan(plan.planId, 'exported only');
  });

  it('runs steps only in order, stops on a failure with SQL Server\'s message, and retries the same step', async () => {
    const journal = new Journal(path.join(dir, 'console-plan.jsonl'));
    const actions = consoleActions(journal);
    await poller.pollAll();
    const plan = await begin(actions, 'LYNCSQL01/rtcshared');
    if ('refused' in plan) throw new Error(plan.refused);
    // Connections close in the tail's batch (step 1), then the full (step 2), the logs, the tail, MULTI_USER.
    expect(plan.steps.map((s) => s.summary.split(' ')[0])).toEqual(['close', 'restore', ...plan.steps.slice(2, -1).map(() => 'restore'), 'let']);
    const noop = () => undefined;
    expect(await actions.runPlanStep(plan.planId, 1, 'rtcshared', noop)).toMatchObject({ ok: false, error: 'step 2 cannot run before step 1' });
    expect((await actions.runPlanStep(plan.planId, 0, 'rtcshared', noop)).ok).toBe(true);
    // Make the full's file unreadable: the restore fails as SQL Server fails it, and nothing moves on.
    const inst = fleet.instance('LYNCSQL01');
    const media = inst.mediafamily.find((m) => plan.steps[1]!.script.includes(m.physical_device_name.replace(/'/g, "''")))!;
    const file = media.physical_device_name.toLowerCase();
    inst.removedFiles.add(file);
    const failed = await actions.runPlanStep(plan.planId, 1, 'rtcshared', noop);
    expect(failed.ok).toBe(false);
    expect(failed.messages[0]).toMatch(/^Msg 3201: Cannot open backup device/);
    expect(await actions.runPlanStep(plan.planId, 2, 'rtcshared', noop)).toMatchObject({ ok: false, error: 'step 3 cannot run before step 2' });
    inst.removedFiles.delete(file);
    expect((await actions.runPlanStep(plan.planId, 1, 'rtcshared', noop)).ok).toBe(true);
    for (let i = 2; i < plan.steps.length; i++) {
      const r = await actions.runPlanStep(plan.planId, i, 'rtcshared', noop);
      expect(r.ok, [plan.steps[i]!.script, ...r.messages].join('\n')).toBe(true);
    }
    expect(inst.findDatabase('rtcshared')!.state).toBe('ONLINE');
    const ends = journal.read().entries.filter((e) => e.event === 'end');
    expect(ends.filter((e) => e.outcome === 'failed').map((e) => e.step)).toEqual([2]);
  }, 60_000);
});

describe('a log backup taken between the plan and its tail', () => {
  /** A fleet of its own (the restore makes a new incarnation), polled, with a plan begun over `name`. */
  async function planned(journalFile: string, name: string) {
    const input = smallScenario();
    const { fleet: own, endpoints } = await startFleet(input);
    const inv = resolveInventory(configSchema.parse(demoInventory(scenarioSchema.parse(input), endpoints)));
    const p = new FleetPoller({ inventory: inv, env: { [DEMO_PASSWORD_ENV]: own.password }, prompt: null });
    await p.pollAll();
    const journal = new Journal(path.join(dir, journalFile));
    const actions = new ConsoleActions(p, inv, journal, false);
    const plan = await begin(actions, `SQLTEST/${name}`);
    if ('refused' in plan) throw new Error(plan.refused);
    const stop = async () => {
      await p.stop();
      await own.stop();
    };
    return { own, inst: own.instance('SQLTEST'), actions, plan, journal, stop };
  }

  it('restores it too: the plan gains its restore before the tail, nothing sent, and then runs to the end', async () => {
    const name = "Pay]roll 'Ærø'";
    const { own, inst, actions, plan, journal, stop } = await planned('late-log.jsonl', name);
    try {
      // The Agent job runs twice between the plan and the operator's first step.
      const now = own.clock.now();
      performBackup(inst, { database: name, kind: 'log', devices: ['L:\\late\\payroll_late1.trn'], checksum: true }, now, now + 1000);
      performBackup(inst, { database: name, kind: 'log', devices: ['L:\\late\\payroll_late2.trn'], checksum: true }, now + 2000, now + 3000);
      const sets = inst.backupSetsOf(name).length;
      const changed = await actions.runPlanStep(plan.planId, 0, name, () => undefined);
      expect(changed).toMatchObject({ ok: false, error: null });
      expect(inst.findDatabase(name)!.state).toBe('ONLINE');
      expect(inst.backupSetsOf(name)).toHaveLength(sets);
      const steps = changed.planChanged!.steps;
      expect(steps).toHaveLength(plan.steps.length + 2);
      const tailRestore = plan.steps.findIndex((s) => s.summary.includes('tail-log backup taken in step 1'));
      expect(steps.slice(tailRestore, tailRestore + 2).map((s) => s.script)).toEqual([expect.stringContaining('payroll_late1.trn'), expect.stringContaining('payroll_late2.trn')]);
      expect(steps[tailRestore + 2]!.summary).toContain('tail-log backup taken in step 1');
      expect(changed.planChanged!.why).toMatch(new RegExp(`^2 log backup\\(s\\) of Pay\\]roll 'Ærø' taken after the plan was made \\(#\\d+, #\\d+\\) are restored before its tail, as steps ${tailRestore + 1}-${tailRestore + 2}\\. Nothing was sent: confirm step 1 again`));
      // A lost session resumes the plan as it now stands.
      expect(journal.interruptedPlans().map((p) => p.plan.steps?.length)).toEqual([steps.length]);
      for (let i = 0; i < steps.length; i++) {
        const r = await actions.runPlanStep(plan.planId, i, name, () => undefined);
        expect(r.ok, [steps[i]!.script, r.error ?? '', ...r.messages].join('\n')).toBe(true);
      }
      expect(inst.findDatabase(name)!.state).toBe('ONLINE');
      expect(journal.interruptedPlans()).toEqual([]);
      // Every entry knows the server's clock (UTC+1 here), so the journal shows its times as the tables do.
      expect(new Set(journal.read().entries.map((e) => e.serverOffsetMinutes))).toEqual(new Set([60]));
    } finally {
      await stop();
    }
  }, 60_000);

  it('stops the tail with nothing sent when the late log cannot carry the chain (it went to NUL)', async () => {
    const name = "Pay]roll 'Ærø'";
    const { own, inst, actions, plan, stop } = await planned('late-nul.jsonl', name);
    try {
      const now = own.clock.now();
      performBackup(inst, { database: name, kind: 'log', devices: ['NUL'], checksum: false }, now, now + 1000);
      const sets = inst.backupSetsOf(name).length;
      const refused = await actions.runPlanStep(plan.planId, 0, name, () => undefined);
      expect(refused.ok).toBe(false);
      expect(refused.planChanged).toBeUndefined();
      expect(refused.error).toMatch(
        /^a log backup of Pay\]roll 'Ærø' was taken after this plan was made: its log now continues from LSN \d+, past the end of the plan's last backup \(#\d+, LSN \d+\), so the tail would not restore after it, and no usable log backup in msdb carries the chain from there .*nothing was sent; close this plan and make it again$/,
      );
      expect(inst.findDatabase(name)!.state).toBe('ONLINE');
      expect(inst.backupSetsOf(name)).toHaveLength(sets);
    } finally {
      await stop();
    }
  }, 60_000);
});

describe('resuming an interrupted restore', () => {
  it('finds the plan in the journal after the process is gone, and resumes at the step that did not finish', async () => {
    const file = path.join(dir, 'resume.jsonl');
    await poller.pollAll();
    const before = consoleActions(new Journal(file));
    const plan = await begin(before, 'LYNCSQL01/lis');
    if ('refused' in plan) throw new Error(plan.refused);
    const noop = () => undefined;
    expect((await before.runPlanStep(plan.planId, 0, 'lis', noop)).ok).toBe(true);
    expect((await before.runPlanStep(plan.planId, 1, 'lis', noop)).ok).toBe(true);
    expect(fleet.instance('LYNCSQL01').findDatabase('lis')!.state).toBe('RESTORING');

    // A new process: nothing in memory, only the journal.
    const after = consoleActions(new Journal(file));
    expect(after.interruptedPlans()).toEqual([{ planId: plan.planId, what: 'LYNCSQL01 / lis', next: 2, total: plan.steps.length }]);
    const resumed = after.resumePlan(plan.planId);
    if ('refused' in resumed) throw new Error(resumed.refused);
    expect(resumed.current).toBe(2);
    expect(resumed.steps.map((s) => s.script)).toEqual(plan.steps.map((s) => s.script));
    expect(await after.runPlanStep(plan.planId, 3, 'lis', noop)).toMatchObject({ ok: false, error: 'step 4 cannot run before step 3' });
    for (let i = 2; i < plan.steps.length; i++) {
      const r = await after.runPlanStep(plan.planId, i, 'lis', noop);
      expect(r.ok, r.error ?? '').toBe(true);
    }
    expect(fleet.instance('LYNCSQL01').findDatabase('lis')!.state).toBe('ONLINE');
    expect(after.interruptedPlans()).toEqual([]);
  }, 60_000);

  it('does not offer a plan the operator stopped', async () => {
    const file = path.join(dir, 'stopped.jsonl');
    const actions = consoleActions(new Journal(file));
    const plan = await begin(actions, 'LYNCSQL01/rtcab');
    if ('refused' in plan) throw new Error(plan.refused);
    expect(actions.interruptedPlans()).toHaveLength(1);
    actions.closePlan(plan.planId, 'stopped by the operator before step 1');
    expect(actions.interruptedPlans()).toEqual([]);
  });

  it('never offers to resume a plan on an instance the inventory does not hold', async () => {
    const file = path.join(dir, 'other-fleet.jsonl');
    const plan = await begin(consoleActions(new Journal(file)), 'LYNCSQL01/rgsdyn');
    if ('refused' in plan) throw new Error(plan.refused);
    const elsewhere = { ...inventory, config: { ...inventory.config, instances: inventory.config.instances.filter((i) => i.name !== 'LYNCSQL01') } };
    const other = new ConsoleActions(poller, elsewhere, new Journal(file), false);
    expect(other.interruptedPlans()).toEqual([]);
    expect(other.resumePlan(plan.planId)).toEqual({ refused: 'that plan is not interrupted (finished, stopped, or unknown) on an instance of this inventory' });
    expect(consoleActions(new Journal(file)).interruptedPlans()).toHaveLength(1);
  });
});

describe('permissions', () => {
  it('does not offer a tail-log backup or a restore the login may not run, and names what is missing', async () => {
    const actions = consoleActions('perm.jsonl');
    const inst = fleet.instance('LYNCSQL01');
    inst.options.readOnlyLogin = true;
    try {
      await poller.pollAll();
      expect(actions.preview('tail-log', 'LYNCSQL01/rtcshared')).toEqual({
        refused: 'the login lacks the BACKUP LOG permission on rtcshared (add it to db_backupoperator in that database, or grant BACKUP LOG)',
      });
      expect(await actions.draftRestore('LYNCSQL01/rtcshared', defaultRestoreForm)).toEqual({
        refused: 'the login lacks CREATE ANY DATABASE, which RESTORE needs (add it to the dbcreator server role)',
      });
    } finally {
      inst.options.readOnlyLogin = false;
      await poller.pollAll();
    }
    // With the permissions back, the same actions are offered again (xds still has an unbroken chain).
    expect('refused' in actions.preview('tail-log', 'LYNCSQL01/xds')).toBe(false);
  });
});

describe('skipping a failed step', () => {
  // Last in the file: it restores xds, which the tests above use.
  it('skips a failed check with a reason in the journal, never a restore of the chain', async () => {
    const journal = new Journal(path.join(dir, 'skip.jsonl'));
    const actions = consoleActions(journal);
    await poller.pollAll();
    const plan = await begin(actions, 'LYNCSQL01/xds', { verifyFirst: true });
    if ('refused' in plan) throw new Error(plan.refused);
    const kinds = plan.steps.map((s) => s.summary.split(' ')[0]);
    expect(kinds[0]).toBe('check');
    expect(plan.steps.map((s) => s.skippable)).toEqual(plan.steps.map((s) => /^(check|let)/.test(s.summary)));
    const inst = fleet.instance('LYNCSQL01');
    const media = inst.mediafamily.find((m) => plan.steps[0]!.script.includes(m.physical_device_name.replace(/'/g, "''")))!;
    const file = media.physical_device_name.toLowerCase();
    inst.removedFiles.add(file);
    const noop = () => undefined;
    try {
      const failed = await actions.runPlanStep(plan.planId, 0, '', noop);
      expect(failed.ok).toBe(false);
      expect(actions.skipPlanStep(plan.planId, 0, '  ')).toEqual({ refused: 'say why the step is skipped: the journal keeps the reason' });
      expect(actions.skipPlanStep(plan.planId, 0, 'file read by hand on the share')).toEqual({ ok: true });
      expect(actions.interruptedPlans()).toMatchObject([{ planId: plan.planId, next: 1 }]);
      const verifies = kinds.filter((k) => k === 'check').length;
      for (let i = 1; i < verifies; i++) expect((await actions.runPlanStep(plan.planId, i, '', noop)).ok).toBe(true);
      const full = plan.steps.findIndex((s) => /^restore the full/.test(s.summary));
      for (let i = verifies; i < full; i++) expect((await actions.runPlanStep(plan.planId, i, 'xds', noop)).ok).toBe(true);
      expect((await actions.runPlanStep(plan.planId, full, 'xds', noop)).ok).toBe(false);
      expect(actions.skipPlanStep(plan.planId, full, 'in a hurry')).toEqual({ refused: `step ${full + 1} cannot be skipped: the restores after it need it` });
      inst.removedFiles.delete(file);
      for (let i = full; i < plan.steps.length; i++) {
        const r = await actions.runPlanStep(plan.planId, i, 'xds', noop);
        expect(r.ok, r.error ?? '').toBe(true);
      }
    } finally {
      inst.removedFiles.delete(file);
    }
    expect(inst.findDatabase('xds')!.state).toBe('ONLINE');
    const skipped = journal.read().entries.filter((e) => e.event === 'skipped');
    expect(skipped.map((e) => [e.step, e.kind, e.reason])).toEqual([[1, 'verify', 'file read by hand on the share']]);
    expect(actions.interruptedPlans()).toEqual([]);
    const { formatJournal } = await import('../../src/report/journal.js');
    expect(formatJournal(journal.read().entries, [])).toContain('SKIPPED by the operator: file read by hand on the share');
  }, 60_000);
});

describe('a running statement', () => {
  it('is cancelled when the operator asks: SQL Server gets an attention, the journal says cancelled, the plan stays at that step', async () => {
    const small = scenarioSchema.parse(smallScenario());
    // 100 MB/s: restoring the 1 GB full takes some 10 s, time enough to cancel it.
    const slow = new SimFleet({ scenario: small, clock: new SimClock(), manualClock: true, statementThroughput: 100 * 1024 ** 2 });
    const endpoints = await slow.start();
    const input = demoInventory(small, endpoints);
    input.groups = [];
    const inv = resolveInventory(configSchema.parse(input));
    const p = new FleetPoller({ inventory: inv, env: { [DEMO_PASSWORD_ENV]: slow.password }, prompt: null });
    try {
      await p.pollAll();
      const journal = new Journal(path.join(dir, 'cancel.jsonl'));
      const actions = new ConsoleActions(p, inv, journal, false);
      const name = "Pay]roll 'Ærø'";
      const plan = await begin(actions, `SQLTEST/${name}`);
      if ('refused' in plan) throw new Error(plan.refused);
      expect(actions.cancelRunning()).toBe(false);
      expect((await actions.runPlanStep(plan.planId, 0, name, () => undefined)).ok).toBe(true);
      const started = Date.now();
      const running = actions.runPlanStep(plan.planId, 1, name, () => undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(actions.cancelRunning()).toBe(true);
      const result = await running;
      expect(result.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
      const ends = journal.read().entries.filter((e) => e.event === 'end');
      expect(ends.map((e) => [e.step, e.outcome])).toEqual([
        [1, 'succeeded'],
        [2, 'cancelled'],
      ]);
      // The plan waits at the cancelled step: the next cannot run before it.
      expect(await actions.runPlanStep(plan.planId, 2, name, () => undefined)).toMatchObject({ ok: false, error: 'step 3 cannot run before step 2' });
      expect(actions.cancelRunning()).toBe(false);
    } finally {
      await p.stop();
      await slow.stop();
    }
  }, 60_000);
});
