import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { dueForDrill } from '../../src/actions/drill-command.js';
import type { FleetSnapshot } from '../../src/fleet/snapshot.js';
import { exitCodeFor } from '../../src/report/status-command.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';

const scenario = loadScenario('seeds');
let fleet: SimFleet;
let endpoints: Endpoint[];

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true });
  endpoints = await fleet.start();
});
afterAll(async () => fleet?.stop());

/** One poll, then the snapshot `laterMs` after it on this machine's clock (exposures grow; no backup job runs). */
async function snapshotOf(change: (c: ConfigInput) => void = () => undefined, laterMs = 0): Promise<FleetSnapshot> {
  const input = demoInventory(scenario, endpoints);
  input.poll = { ...input.poll, connectTimeoutSeconds: 15, requestTimeoutSeconds: 15, staleAfterSeconds: 3600 };
  change(input);
  let offset = 0;
  const p = new FleetPoller({ inventory: resolveInventory(configSchema.parse(input)), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null, now: () => Date.now() + offset });
  try {
    await p.pollAll();
    offset = laterMs;
    return p.snapshot();
  } finally {
    await p.stop();
  }
}

const groupOf = (s: FleetSnapshot, name: string) => {
  const g = s.groups.find((x) => x.name === name);
  if (!g) throw new Error(`no group ${name}`);
  return g;
};
const dbOf = (s: FleetSnapshot, key: string) => {
  const d = s.databases.find((x) => x.key === key);
  if (!d) throw new Error(`no ${key}`);
  return d;
};

describe('application groups on the seeds fleet, through the driver', () => {
  let s: FleetSnapshot;
  beforeAll(async () => {
    s = await snapshotOf();
  }, 60_000);

  it('BizTalk: the broken tracking database limits the common point and makes the group UNPROTECTED', () => {
    const g = groupOf(s, 'biztalk');
    const dta = dbOf(s, 'BTSSQL01/BizTalkDTADb');
    expect(g.status).toBe('UNPROTECTED');
    expect(g.limitedBy).toEqual({ instance: 'BTSSQL01', database: 'BizTalkDTADb' });
    expect(g.commonPoint).toBe(dta.assessment.chain?.restorableTo);
    expect(g.reason).toMatch(/^BTSSQL01\/BizTalkDTADb's log chain breaks after its backup of /);
    // Every together member's own rows show a chain to that point, or (after the nightly fulls) the reason
    // says which reach it only through an older chain the poll did not read.
    expect(g.commonPointProven || /reaches the common point only through an older chain/.test(g.reason)).toBe(true);
    const together = g.members.filter((m) => m.together).map((m) => m.database).sort();
    expect(together).toEqual(['BAMAlertsApplication', 'BAMAlertsNSMain', 'BAMPrimaryImport', 'BizTalkDTADb', 'BizTalkMgmtDb', 'BizTalkMsgBoxDb', 'BizTalkRuleEngineDb', 'SSODB']);
    expect(g.members.find((m) => m.database === 'BAMArchive')?.together).toBe(false);
    expect(g.rto?.perInstance.map((p) => p.instance)).toEqual(['BTSSQL01']);
    // The Backup BizTalk Server job marks every database before each log backup: the newest mark the broken
    // tracking database still holds in a restorable log is the group's, the same name in every member.
    const inst = fleet.instance('BTSSQL01');
    const dtaChain = dta.assessment.chain!;
    const held = inst.logmarkhistory.filter((m) => m.database_name === 'BizTalkDTADb' && m.lsn >= (dtaChain.diff ?? dtaChain.full).lastLsn && m.lsn < dtaChain.lastLsn);
    if (g.commonPointProven) {
      expect(g.commonMark?.name).toBe(held.at(-1)!.mark_name);
      for (const name of together) expect(inst.logmarkhistory.some((m) => m.database_name === name && m.mark_name === g.commonMark!.name)).toBe(true);
      expect(g.reason).toContain(`newest common mark ${g.commonMark!.name}, `);
    } else {
      // After the nightly fulls the others' chains to latest start past that mark: the status says so (the plan finds it).
      expect(g.commonMark).toBeNull();
      expect(g.reason).toContain("no mark of the last day is in every member's restorable logs");
    }
  });

  it("BizTalk's destination system: each copy's lag from the standby's restorehistory, the whole standby held back by the copy stuck at a NUL log", () => {
    const primary = fleet.instance('BTSSQL01');
    const logsOf = (name: string) => primary.backupSetsOf(name).filter((b) => b.type === 'L');
    const sso = dbOf(s, 'BTSDR01/SSODB');
    const copy = sso.state.standbyOf!;
    expect(copy).toMatchObject({ sourceServer: 'BTSSQL01', sourceDatabase: 'SSODB', restoreType: 'L' });
    // What the copy holds is the end of one of the primary's logs, and no log the primary finished before the
    // standby's last restore is left out (BTSSQL01 keeps UTC, so msdb's wall clock is the instant).
    const finishes = logsOf('SSODB').map((b) => b.backup_finish_date);
    expect(finishes).toContain(copy.holdsTo);
    expect(finishes.some((f) => f > copy.holdsTo && f <= copy.restoredAt)).toBe(false);
    expect(sso.assessment.status).toBe('OK');
    expect(sso.assessment.reason).toMatch(/^standby of BTSSQL01\.SSODB: [^(]+ behind \(last log restored [^)]+ ago\), RPO 30 min$/);
    // Its msdb holds the primary's backups, by restoring them: none of them is read as the copy's own.
    expect(sso.assessment.lastLog).toBeNull();

    // The tracking database's log went to NUL: its copy cannot get past the log before that one.
    const dta = dbOf(s, 'BTSDR01/BizTalkDTADb');
    const nul = logsOf('BizTalkDTADb').find((b) => primary.devicesOf(b).some((f) => f.physical_device_name === 'NUL'))!;
    expect(dta.state.standbyOf!.holdsTo).toBeLessThan(nul.backup_finish_date);
    expect(dta.assessment.status).toBe('BREACH');
    expect(dta.assessment.reason).toMatch(/^in breach for .+: standby of BTSSQL01\.BizTalkDTADb: \d+ h[^(]* behind/);

    const g = groupOf(s, 'biztalk');
    expect(g.members.some((m) => m.instance === 'BTSDR01')).toBe(false);
    expect(g.standbys).toHaveLength(1);
    const [sb] = g.standbys;
    expect(sb).toMatchObject({ instance: 'BTSDR01', status: 'BREACH', limitedBy: 'BizTalkDTADb', holdsTo: dta.state.standbyOf!.holdsTo, notCopied: [] });
    expect(sb!.copies.map((c) => c.database).sort()).toEqual(g.members.filter((m) => m.together).map((m) => m.database).sort());
    expect(g.problem).toContain('standby BTSDR01 ');
  });

  it('counts an availability-group database once, from its primary: in a group, and among the drills due', async () => {
    const withSales = await snapshotOf((c) => {
      c.groups = [{ name: 'sales', members: [{ database: 'SalesDW' }] }];
    });
    const g = groupOf(withSales, 'sales');
    expect(g.members.map((m) => `${m.instance}/${m.database}`)).toEqual(['SQLAG01/SalesDW']);
    expect(withSales.databases.filter((d) => d.name === 'SalesDW').map((d) => d.instance).sort()).toEqual(['SQLAG01', 'SQLAG02']);
    expect(dueForDrill(withSales, 30, Date.now()).filter((d) => d.name === 'SalesDW').map((d) => d.instance)).toEqual(['SQLAG01']);
  });

  it('Dynamics AX: the common point is the earlier of the business database and its model store', () => {
    const g = groupOf(s, 'ax-production');
    const business = dbOf(s, 'AXSQL01/MicrosoftDynamicsAX').assessment.chain!.restorableTo;
    const model = dbOf(s, 'AXSQL01/MicrosoftDynamicsAX_model').assessment.chain!.restorableTo;
    expect(g.commonPoint).toBe(Math.min(business, model));
    // ReportServerTempDB (Enterprise Portal's reports, not restored together) was never backed up.
    expect(g.status).toBe('UNPROTECTED');
    expect(g.problem).toContain('worst member AXSQL01/ReportServerTempDB: never backed up');
  });

  it('an estate over two instances restores them in parallel, and a member the server lacks is named', async () => {
    const two = await snapshotOf((c) => {
      c.groups = [
        {
          name: 'orders',
          members: [
            { instance: 'AXSQL01', database: 'MicrosoftDynamicsAX' },
            { instance: 'BTSSQL01', database: 'SSODB' },
            { instance: 'BTSSQL01', database: 'BizTalkMgmtDb' },
            { instance: 'AXSQL01', database: "Orders ]Q'4" },
          ],
        },
      ];
    });
    const g = groupOf(two, 'orders');
    expect(g.rto?.perInstance.map((p) => [p.instance, p.members.length]).sort()).toEqual([
      ['AXSQL01', 1],
      ['BTSSQL01', 2],
    ]);
    expect(g.missing).toEqual([
      expect.objectContaining({ instance: 'AXSQL01', database: "Orders ]Q'4", required: true, unreachable: false, why: 'no database of that name on AXSQL01' }),
    ]);
    expect(g.status).toBe('UNPROTECTED');
    expect(g.reason).toMatch(/^Orders \]Q'4 \(member\) is missing: no database of that name on AXSQL01, so the group cannot be restored whole; /);
  }, 60_000);

  it('a group past its RPO fails the run though each member is within its own', async () => {
    // Ten minutes after the poll on this machine's clock: advancing the simulator's clock would run the log
    // jobs of those minutes, and exposures would start again.
    const late = await snapshotOf((c) => {
      const ax = c.instances!.find((i) => i.name === 'AXSQL01')!;
      ax.databases = { include: ['MicrosoftDynamicsAX', 'MicrosoftDynamicsAX_model'], targets: { 'MicrosoftDynamicsAX*': { rpo: '1d' } } };
      c.instances = [ax];
      c.groups = [{ name: 'ax', instance: 'AXSQL01', members: [{ database: 'MicrosoftDynamicsAX' }, { database: 'MicrosoftDynamicsAX_model' }], targets: { rpo: '5m' } }];
    }, 10 * 60_000);
    expect(late.databases.filter((d) => d.inventoried).map((d) => d.assessment.status)).toEqual(['OK', 'OK']);
    const g = groupOf(late, 'ax');
    expect(g.status).toBe('BREACH');
    // Ten minutes since the poll, plus up to fifteen since the last log: 10 to 25 minutes, 5 to 20 in breach.
    expect(g.reason).toMatch(/^in breach for \d+ min: common point \d+ min ago \(AXSQL01\/MicrosoftDynamicsAX(_model)? limits it\), RPO 5 min/);
    expect(g.exposureMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(late.worst).toBe('BREACH');
    expect(exitCodeFor(late.worst, 'breach')).toBe(2);
  }, 60_000);

  it('a member on an instance that cannot be polled makes the group UNKNOWN, not missing', async () => {
    await fleet.server('BTSSQL01').setFaults({ refuse: true });
    try {
      const down = await snapshotOf((c) => {
        c.poll = { ...c.poll, connectTimeoutSeconds: 2 };
      });
      const g = groupOf(down, 'biztalk');
      expect(g.status).toBe('UNKNOWN');
      expect(g.commonPoint).toBeNull();
      expect(g.missing.filter((m) => m.required).map((m) => [m.database, m.unreachable])).toEqual([
        ['BizTalkMgmtDb', true],
        ['BizTalkMsgBoxDb', true],
        ['BizTalkDTADb', true],
        ['SSODB', true],
      ]);
      expect(g.reason).toMatch(/^BizTalkMgmtDb \(configuration\): not seen: BTSSQL01 cannot be polled/);
    } finally {
      await fleet.server('BTSSQL01').setFaults({ refuse: false });
    }
  }, 60_000);
});
