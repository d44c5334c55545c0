import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDurationMinutes } from '../../src/config/duration.js';
import { findings } from '../../src/domain/findings.js';
import { assess, type Status } from '../../src/domain/status.js';
import { catalog } from '../../src/sql/catalog.js';
import { pollInstance, probeServer } from '../../src/sql/poll.js';
import { toBackupSets, toDatabaseStates } from '../../src/sql/rows.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { loadScenario, scaleScenario, scenarioNames } from '../../src/sim/scenarios.js';
import { connect } from './helpers.js';

describe('the query catalog', () => {
  it('gives every query a unique id that leads its text', () => {
    const ids = catalog.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const q of catalog) expect(q.text.startsWith(`-- rpotop:${q.id}\n`)).toBe(true);
  });
});

describe('the seeds scenario, polled through the driver', () => {
  const scenario = loadScenario('seeds');
  const fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true });
  const statuses = new Map<string, { status: Status; reason: string; findings: string[] }>();

  beforeAll(async () => {
    const endpoints = await fleet.start();
    const rpo = new Map<string, number>();
    for (const inst of scenario.instances) for (const d of inst.databases) rpo.set(d.name, parseDurationMinutes(d.rpo ?? '1d'));
    for (const ag of scenario.availabilityGroups) for (const d of ag.databases) rpo.set(d.name, parseDurationMinutes(d.rpo ?? '1d'));
    for (const ep of endpoints) {
      const pool = await connect(ep);
      try {
        const polled = await pollInstance(pool, await probeServer(pool), 0, 8, true);
        const history = toBackupSets(polled.history, ep.name, polled.server.utc_offset_minutes).sets;
        const serverNow = polled.server.local_now - polled.server.utc_offset_minutes * 60_000;
        for (const db of toDatabaseStates(ep.name, polled.databases, polled.files)) {
          if (!rpo.has(db.name)) continue;
          const own = history.filter((b) => b.databaseName === db.name);
          const a = assess(db, own, { rpoMinutes: rpo.get(db.name)!, rtoMinutes: 240, warnFraction: 0.8 }, {
            serverNow,
            observedAt: 0,
            localNow: 0,
            staleAfterMs: 60_000,
            unreachable: null,
          });
          statuses.set(`${ep.name}/${db.name}`, { status: a.status, reason: a.reason, findings: findings(db, own).map((f) => f.code) });
        }
      } finally {
        await pool.close();
      }
    }
  }, 30_000);
  afterAll(async () => fleet.stop());

  it.each([
    ['AXSQL01/MicrosoftDynamicsAX', 'OK'],
    ['AXSQL01/MicrosoftDynamicsAX_model', 'OK'],
    ['AXSQL01/SharePoint_Config', 'WARN'],
    ['AXSQL01/WSS_Content_Portal', 'OK'],
    ['AXSQL01/ReportServer', 'BREACH'],
    ['AXSQL01/ReportServerTempDB', 'UNPROTECTED'],
    ['AXSQL01/Staging', 'OK'],
    ["AXSQL01/Sales ]Q'4 Björn", 'OK'],
    ['BTSSQL01/BizTalkMsgBoxDb', 'OK'],
    ['BTSSQL01/BizTalkDTADb', 'UNPROTECTED'],
    ['BTSSQL01/BAMStarSchema', 'BREACH'],
    ['BTSSQL01/BAMArchive', 'OK'],
    ['LYNCSQL01/xds', 'OK'],
    ['LYNCSQL01/rgsconfig', 'UNPROTECTED'],
    ['LYNCSQL01/cpsdyn', 'OK'],
    ['LYNCMON01/LcsCDR', 'OK'],
    ['SQLAG02/SalesDW', 'OK'],
    ['SQLAG01/SalesDW', 'UNKNOWN'],
  ] as const)('%s reads %s', (key, status) => {
    const got = statuses.get(key);
    expect(got, `no status for ${key}`).toBeDefined();
    expect(`${got!.status}: ${got!.reason}`).toMatch(new RegExp(`^${status}: `));
  });

  it('explains each non-OK status in words', () => {
    expect(statuses.get('AXSQL01/ReportServerTempDB')!.reason).toBe('never backed up');
    expect(statuses.get('BTSSQL01/BizTalkDTADb')!.reason).toMatch(/log chain broken.*written to NUL/);
    expect(statuses.get('LYNCSQL01/rgsconfig')!.reason).toContain('recovery model switch');
    expect(statuses.get('SQLAG01/SalesDW')!.reason).toContain('another replica');
    expect(statuses.get('AXSQL01/ReportServer')!.reason).toMatch(/^in breach for [^:]+: log backup \d+ h( \d+ min)? ago, RPO 1 h$/);
  });

  it('raises the findings the scenario plants', () => {
    expect(statuses.get('AXSQL01/Staging')!.findings).toEqual(expect.arrayContaining(['copy-only-only', 'data-log-same-volume', 'backup-on-data-volume']));
    expect(statuses.get('BTSSQL01/BizTalkDTADb')!.findings).toContain('backup-to-nul');
  });

  it('stripes the odd-named database\'s fulls and keeps the name intact through msdb', () => {
    const inst = fleet.instance('AXSQL01');
    const full = inst.backupset.filter((b) => b.database_name === "Sales ]Q'4 Björn" && b.type === 'D').at(-1)!;
    expect(inst.devicesOf(full)).toHaveLength(2);
  });
});

describe('scenarios', () => {
  it('lists the shipped scenarios and the generated one', () => {
    expect(scenarioNames()).toEqual(expect.arrayContaining(['seeds', 'scale']));
  });

  it('refuses an unknown scenario, naming the known ones', () => {
    expect(() => loadScenario('nope')).toThrow(/no scenario named "nope" \(scenarios: .*seeds/);
    expect(() => loadScenario('../etc/passwd')).toThrow(/no scenario named/);
  });

  it('generates N instances x M databases for scale runs', () => {
    const s = scaleScenario(3, 7);
    expect(s.instances).toHaveLength(3);
    expect(s.instances.every((i) => i.databases.length === 7)).toBe(true);
    expect(loadScenario('scale:2x5').instances[1]!.databases).toHaveLength(5);
  });

  it('generates real msdb volumes on demand: days of history with logs at the cadence asked for', () => {
    const scenario = loadScenario('scale:1x10:8d:15m');
    expect(scenario.historyHours).toBe(192);
    const fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true });
    const sets = fleet.instance('SQL0001').backupset;
    const starts = (db: string, type: string) => sets.filter((b) => b.database_name === db && b.type === type).map((b) => b.backup_start_date);
    // Jobs due while another backup of the database runs start when it ends (seconds later).
    const spaced = (at: number[], ms: number) => at.length > 1 && at.every((t, i) => i === 0 || Math.abs(t - at[i - 1]! - ms) < 60_000);
    const H = 3_600_000;
    // A FULL database: a daily full, a differential every 6 hours, a log every 15 minutes once the first
    // full has started the log chain: some 800 backup sets in 8 days.
    expect(spaced(starts('App001', 'D'), 24 * H) && spaced(starts('App001', 'I'), 6 * H) && spaced(starts('App001', 'L'), H / 4)).toBe(true);
    expect(starts('App001', 'D')).toHaveLength(8);
    // Logs start with the first full, up to a day into the window (its hour of day): 7 to 8 days of them.
    expect(starts('App001', 'L').length).toBeGreaterThanOrEqual(7 * 96);
    // Every tenth: a weekly full with daily differentials after it.
    expect(starts('App008', 'D').length).toBeLessThanOrEqual(2);
    expect(starts('App008', 'I').every((t) => t > starts('App008', 'D')[0]!)).toBe(true);
    if (starts('App008', 'I').length > 1) expect(spaced(starts('App008', 'I'), 24 * H)).toBe(true);
    // SIMPLE: the daily full only.
    expect([starts('App005', 'D').length, starts('App005', 'L').length]).toEqual([8, 0]);
    expect(() => loadScenario('scale:1x1:8x')).toThrow(/no scenario named/);
  });
});
