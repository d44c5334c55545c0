import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleActions } from '../../src/actions/console-actions.js';
import { Journal } from '../../src/actions/journal.js';
import { resolveInventory, type Inventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { DEMO_PASSWORD_ENV, demoInventory } from '../../src/sim/demo.js';
import type { SimFleet } from '../../src/sim/fleet.js';
import { scenarioSchema, type ScenarioInput } from '../../src/sim/scenario.js';
import { defaultRestoreForm, type PlanPreview } from '../../src/ui/actions-port.js';
import { connect, startFleet } from '../sim/helpers.js';

/**
 * A BizTalk-like estate: its log jobs mark every database with one name before each log backup, as the
 * Backup BizTalk Server job does; SSODB's job stopped marking two hours ago (a job changed by hand), so the
 * newest mark common to all three is older than the newest of each. BizTalkMgmtDb took a full an hour ago,
 * after that mark: it reaches the mark only through its older full and logs.
 */
const scenario: ScenarioInput = {
  name: 'marks',
  description: 'marked log backups across three databases',
  historyHours: 26,
  instances: [
    {
      name: 'BTS01',
      databases: ['BizTalkMgmtDb', 'BizTalkMsgBoxDb', 'SSODB'].map((name) => ({
        name,
        recovery: 'FULL' as const,
        dataGb: 1,
        events: name === 'BizTalkMgmtDb' ? [{ at: '-1h', action: 'backup' as const, type: 'full' as const }] : [],
        jobs: [
          { type: 'full' as const, every: '1d', offset: '1h' },
          ...(name === 'SSODB'
            ? [
                { type: 'log' as const, every: '1h', mark: 'BTS', until: '-2h' },
                { type: 'log' as const, every: '1h', from: '-2h' },
              ]
            : [{ type: 'log' as const, every: '1h', mark: 'BTS' }]),
        ],
      })),
    },
  ],
};

let fleet: SimFleet;
let poller: FleetPoller;
let inventory: Inventory;
let pool: sql.ConnectionPool;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-marks-'));

beforeAll(async () => {
  const started = await startFleet(scenario);
  fleet = started.fleet;
  const input = demoInventory(scenarioSchema.parse(scenario), started.endpoints);
  input.groups = [{ name: 'bts', instance: 'BTS01', members: [{ database: 'BizTalkMgmtDb' }, { database: 'BizTalkMsgBoxDb' }, { database: 'SSODB' }] }];
  inventory = resolveInventory(configSchema.parse(input));
  poller = new FleetPoller({ inventory, env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  await poller.pollAll();
  pool = await connect(started.endpoints[0]!, { encrypt: false });
});
afterAll(async () => {
  await pool?.close();
  await poller?.stop();
  await fleet?.stop();
});

const noop = () => undefined;

async function runAll(actions: ConsoleActions, plan: PlanPreview) {
  for (let i = 0; i < plan.steps.length; i++) {
    const step = plan.steps[i]!;
    const r = await actions.runPlanStep(plan.planId, i, step.operator || step.destructive ? step.confirmWord : '', noop);
    expect(r.ok, [step.script, r.error, ...r.messages].join('\n')).toBe(true);
  }
}

describe('restoring a group to a marked transaction', () => {
  it('refuses a mark one member lacks, naming it', async () => {
    const actions = new ConsoleActions(poller, inventory, new Journal(path.join(dir, 'nomark.jsonl')), false);
    await poller.pollAll();
    const newestMgmt = fleet.instance('BTS01').logmarkhistory.filter((m) => m.database_name === 'BizTalkMgmtDb').at(-1)!;
    expect(await actions.draftGroupRestore('bts', { ...defaultRestoreForm, stopAt: `mark:${newestMgmt.mark_name}` })).toEqual({
      refused: `BTS01/SSODB has no mark ${newestMgmt.mark_name} in msdb.dbo.logmarkhistory`,
    });
  }, 60_000);

  it('finds the newest mark in every member, and restores each through it with STOPATMARK', async () => {
    const inst = fleet.instance('BTS01');
    const ssoMarks = inst.logmarkhistory.filter((m) => m.database_name === 'SSODB');
    const newestSso = ssoMarks.at(-1)!;
    // The other two have newer marks that SSODB lacks.
    expect(inst.logmarkhistory.filter((m) => m.database_name === 'BizTalkMgmtDb').at(-1)!.mark_time).toBeGreaterThan(newestSso.mark_time);

    const actions = new ConsoleActions(poller, inventory, new Journal(path.join(dir, 'mark.jsonl')), false);
    const d = await actions.draftGroupRestore('bts', { ...defaultRestoreForm, stopAt: 'mark' });
    if ('refused' in d) throw new Error(d.refused);
    expect(d.title).toBe(`Restore group bts (bts), 3 databases, to the marked transaction ${newestSso.mark_name}`);
    const marked = d.steps.filter((s) => s.script.includes('STOPATMARK'));
    expect(marked.map((s) => s.confirmWord)).toEqual(['BizTalkMgmtDb', 'BizTalkMsgBoxDb', 'SSODB']);
    for (const s of marked) expect(s.script).toContain(`STOPATMARK = N'${newestSso.mark_name}' AFTER '`);
    // BizTalkMgmtDb's newest full came after the mark: its plan starts from the full before it.
    const mgmtFulls = inst.backupset.filter((b) => b.database_name === 'BizTalkMgmtDb' && b.type === 'D');
    const mgmtFull = d.steps.find((s) => s.confirmWord === 'BizTalkMgmtDb' && /RESTORE DATABASE/.test(s.script))!;
    expect(mgmtFull.summary).not.toContain(`#${mgmtFulls.at(-1)!.backup_set_id} `);
    expect(mgmtFulls.at(-1)!.backup_finish_date).toBeGreaterThan(newestSso.mark_time);
    const plan = actions.beginPlan(d.planId);
    if ('refused' in plan) throw new Error(plan.refused);
    await runAll(actions, plan);

    for (const name of ['BizTalkMgmtDb', 'BizTalkMsgBoxDb', 'SSODB']) {
      const last = inst.restorehistory.filter((r) => r.destination_database_name === name).at(-1)!;
      expect(last).toMatchObject({ restore_type: 'L', recovery: true, stop_at_mark_name: newestSso.mark_name, stop_before: false });
      expect(inst.findDatabase(name)!.state).toBe('ONLINE');
    }
  }, 120_000);

  it('leaves the database restoring with 4329 when the log does not hold the mark, as SQL Server does', async () => {
    const inst = fleet.instance('BTS01');
    const mark = inst.logmarkhistory.filter((m) => m.database_name === 'BizTalkMsgBoxDb').at(-1)!;
    const sets = inst.backupset.filter((b) => b.database_name === 'BizTalkMsgBoxDb' && b.type !== 'I');
    const full = sets.filter((b) => b.type === 'D').at(-1)!;
    const firstLog = sets.find((b) => b.type === 'L' && b.first_lsn <= full.last_lsn && full.last_lsn < b.last_lsn)!;
    expect(firstLog.last_lsn).toBeLessThanOrEqual(mark.lsn);
    const file = (b: { media_set_id: number }) => inst.mediafamily.find((m) => m.media_set_id === b.media_set_id)!.physical_device_name;
    const messages: string[] = [];
    const request = () => {
      const r = pool.request();
      r.on('info', (m: { number: number; message: string }) => messages.push(`${m.number}: ${m.message}`));
      return r;
    };
    await request()
      .input('f', sql.NVarChar, file(full))
      .query(`ALTER DATABASE [BizTalkMsgBoxDb] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nRESTORE DATABASE [BizTalkMsgBoxDb] FROM DISK = @f WITH FILE = ${full.position}, REPLACE, NORECOVERY;`)
      .catch((e: { precedingErrors?: { message: string }[] }) => {
        throw new Error((e.precedingErrors ?? []).map((p) => p.message).join('; ') || String(e));
      });
    await request()
      .input('f', sql.NVarChar, file(firstLog))
      .query(`RESTORE LOG [BizTalkMsgBoxDb] FROM DISK = @f WITH FILE = ${firstLog.position}, STOPATMARK = N'${mark.mark_name}', RECOVERY;`);
    expect(messages).toContain('4329: This log file contains records logged before the designated mark. The database is being left in the Restoring state so you can apply another log file.');
    expect(inst.findDatabase('BizTalkMsgBoxDb')!.state).toBe('RESTORING');
    // A mark by name is for RESTORE LOG only: RESTORE DATABASE takes 'lsn:' marks.
    await expect(
      pool.request().input('f', sql.NVarChar, file(full)).query(`RESTORE DATABASE [BizTalkMsgBoxDb] FROM DISK = @f WITH STOPATMARK = N'${mark.mark_name}', RECOVERY;`),
    ).rejects.toThrow(/Incorrect syntax near 'STOPATMARK'/);
  }, 60_000);
});
