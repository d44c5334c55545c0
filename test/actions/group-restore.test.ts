import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleActions } from '../../src/actions/console-actions.js';
import { Journal } from '../../src/actions/journal.js';
import { resolveInventory, type Inventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';
import { defaultRestoreForm, type PlanPreview, type RestoreForm } from '../../src/ui/actions-port.js';

const scenario = loadScenario('seeds');
let fleet: SimFleet;
let poller: FleetPoller;
let inventory: Inventory;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-group-'));
const HOSTILE = "Sales ]Q'4 Björn";

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 100 * 1024 ** 3 });
  const endpoints = await fleet.start();
  const input = demoInventory(
    scenario,
    endpoints.filter((e) => e.name === 'AXSQL01' || e.name === 'BTSSQL01'),
  );
  // Dynamics AX and BizTalk from the seeds, and an estate over two instances in two time zones.
  input.groups = [
    ...input.groups!.filter((g) => g.name !== 'lync'),
    { name: 'orders', members: [{ instance: 'AXSQL01', database: HOSTILE }, { instance: 'BTSSQL01', database: 'SSODB', role: 'credentials' }] },
  ];
  inventory = resolveInventory(configSchema.parse(input));
  poller = new FleetPoller({ inventory, env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  await poller.pollAll();
});
afterAll(async () => {
  await poller?.stop();
  await fleet?.stop();
});

const noop = () => undefined;

async function draft(actions: ConsoleActions, group: string, form: Partial<RestoreForm> = {}): Promise<PlanPreview> {
  const d = await actions.draftGroupRestore(group, { ...defaultRestoreForm, ...form });
  if ('refused' in d) throw new Error(d.refused);
  return d;
}

/** Runs steps from `from` on, each confirmed as the plan screen asks: done, the database's name, or y. */
async function runSteps(actions: ConsoleActions, plan: PlanPreview, from = 0, to = plan.steps.length) {
  for (let i = from; i < to; i++) {
    const step = plan.steps[i]!;
    const r = await actions.runPlanStep(plan.planId, i, step.operator || step.destructive ? step.confirmWord : '', noop);
    expect(r.ok, [`step ${i + 1} on ${step.instance}`, step.script, r.error, ...r.messages].join('\n')).toBe(true);
  }
}

const restoresOf = (instance: string, database: string) => fleet.instance(instance).restorehistory.filter((r) => r.destination_database_name === database);

describe('restoring an application group through the driver', () => {
  it('Dynamics AX to the latest point: the operator steps, every tail first, then each member with its tail', async () => {
    const journal = new Journal(path.join(dir, 'ax.jsonl'));
    const actions = new ConsoleActions(poller, inventory, journal, false);
    const before = { ax: restoresOf('AXSQL01', 'MicrosoftDynamicsAX').length, model: restoresOf('AXSQL01', 'MicrosoftDynamicsAX_model').length };
    const d = await draft(actions, 'ax-production');
    expect(d.title).toBe('Restore group ax-production (Microsoft Dynamics AX), 2 databases, to the latest point (every member to its tail)');
    // In the inventory's order: the preset's members first to last.
    expect(d.facts).toContain('not restored by this plan (their own procedures): AXSQL01/SharePoint_Config, AXSQL01/WSS_Content_Portal, AXSQL01/ReportServer, AXSQL01/ReportServerTempDB');
    expect(d.facts.filter((f) => / \((business database|model store)\): full #/.test(f)).map((f) => f.split(' ')[0])).toEqual(['AXSQL01/MicrosoftDynamicsAX', 'AXSQL01/MicrosoftDynamicsAX_model']);
    expect(d.losesTail).toBeNull();
    const kinds = d.steps.map((s) => (s.operator ? 'operator' : /^(DECLARE[^\n]*\n)*ALTER DATABASE[^\n]*\nBACKUP LOG/.test(s.script) ? `tail ${s.confirmWord}` : s.confirmWord));
    expect(kinds.slice(0, 3)).toEqual(['operator', 'tail MicrosoftDynamicsAX', 'tail MicrosoftDynamicsAX_model']);
    expect(kinds.at(-1)).toBe('operator');
    expect(d.steps[0]!.summary).toMatch(/^you, outside SQL Server: Stop every AOS instance/);
    // Each member's restores say whose they are, and its tail (taken in step 2 or 3) is restored last.
    const axSteps = d.steps.filter((s) => s.confirmWord === 'MicrosoftDynamicsAX' && !s.operator);
    expect(axSteps.every((s) => s.summary.startsWith('AXSQL01/MicrosoftDynamicsAX: '))).toBe(true);
    expect(d.steps.some((s) => s.summary.includes('MicrosoftDynamicsAX: restore the tail-log backup taken in step 2, then recover'))).toBe(true);
    expect(d.steps.some((s) => s.summary.includes('MicrosoftDynamicsAX_model: restore the tail-log backup taken in step 3, then recover'))).toBe(true);

    const plan = actions.beginPlan(d.planId);
    if ('refused' in plan) throw new Error(plan.refused);
    // An operator step wants the word done, not a yes.
    expect(await actions.runPlanStep(plan.planId, 0, '', noop)).toMatchObject({ ok: false, error: expect.stringMatching(/^type done once it is done/) });
    await runSteps(actions, plan);

    for (const name of ['MicrosoftDynamicsAX', 'MicrosoftDynamicsAX_model']) {
      expect(fleet.instance('AXSQL01').findDatabase(name)!.state).toBe('ONLINE');
    }
    const ax = restoresOf('AXSQL01', 'MicrosoftDynamicsAX').slice(before.ax);
    expect(ax[0]!.restore_type).toBe('D');
    expect(ax.at(-1)).toMatchObject({ restore_type: 'L', recovery: true, stop_at: null });
    expect(restoresOf('AXSQL01', 'MicrosoftDynamicsAX_model').length).toBeGreaterThan(before.model);
    // The operator steps are journaled as acknowledged, with nothing sent; the plan is closed.
    const entries = journal.read().entries;
    const operator = entries.filter((e) => e.kind === 'operator' && e.event === 'end');
    expect(operator.map((e) => e.messages)).toEqual([['the operator typed done; rpotop sent nothing'], ['the operator typed done; rpotop sent nothing']]);
    expect(entries.at(-1)).toMatchObject({ event: 'plan-closed', reason: 'every step succeeded' });
    expect(journal.interruptedPlans()).toEqual([]);
  }, 120_000);

  it('BizTalk to the latest point: the broken tracking database sets the point, and a later one is refused naming it', async () => {
    await poller.pollAll();
    const actions = new ConsoleActions(poller, inventory, new Journal(path.join(dir, 'bts.jsonl')), false);
    const dta = poller.snapshot().databases.find((x) => x.key === 'BTSSQL01/BizTalkDTADb')!;
    const d = await draft(actions, 'biztalk');
    expect(d.facts.find((f) => f.startsWith('no tail for BTSSQL01/BizTalkDTADb (the log chain is broken'))).toBeDefined();
    expect(d.facts[0]).toBe(`common point ${d.title.match(/to (\S+ \S+) \(BTSSQL01's clock\)$/)![1]} on BTSSQL01's clock (${new Date(dta.assessment.chain!.restorableTo).toISOString()})`);
    // Every member is restored to the same instant (the logs run every 15 minutes on one clock: none needs STOPAT).
    const ends = d.facts.filter((f) => /^BTSSQL01\/\S+ \(.*\): full #/.test(f)).map((f) => / to (\S+ \S+) server time$/.exec(f)![1]);
    expect(ends).toHaveLength(8);
    expect(new Set(ends).size).toBe(1);
    // One time for all 8 when their last logs finished together; each its own just after the nightly fulls.
    expect(d.losesTail).toMatch(/^this plan overwrites 8 database\(s\) without their tail-log backups: what each logged since its last log backup is lost for good \((since \S+ \S+ on BTSSQL01's clock, for all 8|BTSSQL01\/\S+ since .*, server time)\)$/);
    expect(d.notApplied).toEqual({ tailFirst: 'not every member can take one (see the facts)' });
    // Five minutes past the tracking database's break, which the others' logs cover.
    const past = new Date(dta.assessment.chain!.restorableTo + 5 * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    const late = await actions.draftGroupRestore('biztalk', { ...defaultRestoreForm, stopAt: `${past} UTC` });
    expect(late).toEqual({ refused: expect.stringMatching(/^BTSSQL01\/BizTalkDTADb cannot be restored to \S+ \S+: LSN gap after log #\d+/) });
  }, 120_000);

  it('an estate over two time zones: a wall-clock time is refused, UTC or -30m is one instant on both', async () => {
    await poller.pollAll();
    const journal = new Journal(path.join(dir, 'orders.jsonl'));
    const actions = new ConsoleActions(poller, inventory, journal, false);
    const wall = await actions.draftGroupRestore('orders', { ...defaultRestoreForm, stopAt: '2026-11-27 10:00' });
    expect(wall).toEqual({ refused: expect.stringMatching(/^the members' servers keep different time zones \(AXSQL01 at UTC\+1, BTSSQL01 at UTC\+0\): give the time in UTC/) });
    const d = await draft(actions, 'orders', { stopAt: '-40m' });
    const instances = [...new Set(d.steps.map((s) => s.instance))];
    expect(instances.sort()).toEqual(['AXSQL01', 'BTSSQL01']);
    // Names with ] and ' are quoted in every statement, and typed as they are to confirm.
    expect(d.steps.filter((s) => s.confirmWord === HOSTILE && !s.operator).every((s) => s.script.includes("[Sales ]]Q'4 Björn]"))).toBe(true);

    // Interrupted after the full of the first member: a new console finds the plan and resumes it on the right instances.
    const plan = actions.beginPlan(d.planId);
    if ('refused' in plan) throw new Error(plan.refused);
    await runSteps(actions, plan, 0, 2);
    const again = new ConsoleActions(poller, inventory, journal, false);
    expect(again.interruptedPlans()).toEqual([{ planId: plan.planId, what: 'AXSQL01 / orders', next: 2, total: plan.steps.length }]);
    const resumed = again.resumePlan(plan.planId);
    if ('refused' in resumed) throw new Error(resumed.refused);
    expect(resumed.steps.map((s) => [s.instance, s.confirmWord])).toEqual(plan.steps.map((s) => [s.instance, s.confirmWord]));
    await runSteps(again, resumed, 2);
    const ax = restoresOf('AXSQL01', HOSTILE).at(-1)!;
    const sso = restoresOf('BTSSQL01', 'SSODB').at(-1)!;
    expect(ax.recovery && sso.recovery).toBe(true);
    // STOPAT is each server's wall clock: one instant, an hour apart on the clocks (UTC+1 and UTC+0).
    expect(ax.stop_at! - sso.stop_at!).toBe(60 * 60_000);
    expect(fleet.instance('AXSQL01').findDatabase(HOSTILE)!.state).toBe('ONLINE');
    expect(fleet.instance('BTSSQL01').findDatabase('SSODB')!.state).toBe('ONLINE');
  }, 120_000);

  it('refuses a group with a required member missing, and a copy under a new name', async () => {
    const actions = new ConsoleActions(poller, inventory, new Journal(path.join(dir, 'refused.jsonl')), false);
    expect(await actions.draftGroupRestore('orders', { ...defaultRestoreForm, as: 'copy' })).toEqual({ refused: expect.stringMatching(/^a group is restored over its databases/) });
    expect(await actions.draftGroupRestore('nope', defaultRestoreForm)).toEqual({ refused: 'no group named "nope" in the inventory (ax-production, biztalk, orders)' });
  });
});
