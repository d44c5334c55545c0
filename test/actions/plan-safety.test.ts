import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailVariant } from '../../src/actions/console-actions.js';
import { withWholeHistory } from '../../src/actions/restore-request.js';
import { buildRestorePlan } from '../../src/actions/plan.js';
import { contextFor, planRequestFrom } from '../../src/actions/restore-request.js';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { formatServerTime, utcToServerLocal } from '../../src/domain/time.js';
import { describeError } from '../../src/sql/client.js';
import { runStatement } from '../../src/sql/run-statement.js';
import type { Statement } from '../../src/sql/statements.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';
import { defaultRestoreForm, type RestoreForm } from '../../src/ui/actions-port.js';

/**
 * Restore plans in the states where a plan used to be one SQL Server refuses: a broken log chain, log
 * backups impossible, logs taken where this msdb does not see them, an availability-group database, a
 * database that cannot start. Each plan is run through the driver against the strict simulator.
 */
const scenario = loadScenario('seeds');
let fleet: SimFleet;
let endpoints: Endpoint[];
const pools = new Map<string, sql.ConnectionPool>();
const pollers: FleetPoller[] = [];

beforeAll(async () => {
  fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true, statementThroughput: 100 * 1024 ** 3 });
  endpoints = await fleet.start();
});
afterAll(async () => {
  for (const p of pollers) await p.stop();
  for (const p of pools.values()) await p.close();
  await fleet?.stop();
});

async function poolOf(instance: string): Promise<sql.ConnectionPool> {
  let pool = pools.get(instance);
  if (!pool) {
    const e = endpoints.find((x) => x.name === instance)!;
    pool = await new sql.ConnectionPool({ server: e.host, port: e.port, user: e.login, password: e.password, options: { encrypt: false } }).connect();
    pools.set(instance, pool);
  }
  return pool;
}

/** A fresh poll of some instances, the plan the console's options give for one database, and a way to run it. */
async function planFor(instances: string[], instance: string, name: string, form: Partial<RestoreForm> = {}) {
  const input = demoInventory(scenario, endpoints.filter((e) => instances.includes(e.name)));
  input.groups = [];
  const poller = new FleetPoller({ inventory: resolveInventory(configSchema.parse(input)), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
  pollers.push(poller);
  await poller.pollAll();
  const s = poller.snapshot();
  const db = await withWholeHistory(poller, s.databases.find((d) => d.instance === instance && d.name === name)!);
  if ('refused' in db) throw new Error(db.refused);
  const ctx = contextFor(s, db, poller.runnerFor(instance), new Map());
  const request = await planRequestFrom({ ...defaultRestoreForm, ...form }, ctx);
  if ('refused' in request) throw new Error(request.refused);
  return { db, plan: buildRestorePlan(db, request, ctx.serverNowUtc, ctx.offsetMinutes), request, ctx };
}

async function runAll(instance: string, steps: Statement[]): Promise<string[]> {
  const pool = await poolOf(instance);
  const failures: string[] = [];
  for (const s of steps) {
    try {
      await runStatement(pool, s, { timeoutMs: 30_000 });
    } catch (error) {
      // A plan stops at its first failure, as the executor does.
      failures.push(`${s.summary}: ${describeError(error)}`);
      break;
    }
  }
  return failures;
}

const stateOf = (instance: string, name: string) => fleet.instance(instance).findDatabase(name)?.state;
const kinds = (steps: Statement[]) => steps.map((s) => s.kind);

describe('restore plans SQL Server accepts', () => {
  it('restores a broken chain to the last point it reaches, without a tail, saying how much is lost', async () => {
    const { db, plan } = await planFor(['BTSSQL01'], 'BTSSQL01', 'BizTalkDTADb');
    expect(db.assessment.chain?.brokenAfter).not.toBeNull();
    if (!plan.ok) throw new Error(plan.reason);
    expect(kinds(plan.steps)).not.toContain('tail-log');
    expect(plan.steps.find((s) => s.kind === 'restore-full')!.text).toContain('REPLACE');
    expect(plan.notes.join('\n')).toMatch(/the log chain is broken: this plan restores to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(server time\), the last point the chain reaches; the \d.* of transactions since then cannot be restored/);
    expect(await runAll('BTSSQL01', plan.steps)).toEqual([]);
    expect(stateOf('BTSSQL01', 'BizTalkDTADb')).toBe('ONLINE');
  }, 60_000);

  it('takes no tail when log backups are impossible (switched through SIMPLE), and says why', async () => {
    const { db, plan } = await planFor(['LYNCSQL01'], 'LYNCSQL01', 'rgsconfig');
    expect(db.state.lastLogBackupLsn).toBeNull();
    if (!plan.ok) throw new Error(plan.reason);
    expect(kinds(plan.steps)).not.toContain('tail-log');
    expect(plan.notes.join('\n')).toContain('no tail-log backup (no log backup is possible: no full or differential since the recovery model changed (BACKUP LOG would fail with 4214))');
    expect(await runAll('LYNCSQL01', plan.steps)).toEqual([]);
    expect(stateOf('LYNCSQL01', 'rgsconfig')).toBe('ONLINE');
  }, 60_000);

  it('refuses to plan to the latest point when log backups were taken where this msdb does not see them', async () => {
    const pool = await poolOf('AXSQL01');
    await pool.request().batch("BACKUP LOG [MicrosoftDynamicsAX_model] TO DISK = N'\\\\otherhost\\share\\taken-elsewhere.trn'");
    // Recorded by another server's msdb, not this one: gone from here.
    const inst = fleet.instance('AXSQL01');
    inst.forgetBackupSet(inst.backupset.find((b) => b.database_name === 'MicrosoftDynamicsAX_model' && b.type === 'L' && inst.devicesOf(b)[0]!.physical_device_name.includes('taken-elsewhere'))!.backup_set_id);
    const { plan } = await planFor(['AXSQL01'], 'AXSQL01', 'MicrosoftDynamicsAX_model');
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.reason).toMatch(/^no plan to the latest point: log backups were taken where this msdb does not see them .*add the replica or tool that took them to the inventory$/);
  });

  it('refuses to restore over an availability-group database, naming what a DBA does, and restores it under a new name', async () => {
    const over = await planFor(['SQLAG01'], 'SQLAG01', 'SalesDW');
    // The console's tail-log action follows the same rule.
    expect(tailVariant(over.db)).toEqual({ refused: expect.stringContaining('in availability group AG_Sales, where SQL Server refuses BACKUP LOG WITH NORECOVERY') });
    expect(over.plan.ok).toBe(false);
    if (!over.plan.ok) {
      expect(over.plan.reason).toContain('SQL Server refuses RESTORE over a database in an availability group (3104): SalesDW is in AG_Sales (PRIMARY here)');
      expect(over.plan.reason).toContain('ALTER AVAILABILITY GROUP [AG_Sales] REMOVE DATABASE [SalesDW]');
    }
    const copy = await planFor(['SQLAG01', 'SQLAG02'], 'SQLAG02', 'SalesDW', { as: 'SalesDW_copy' });
    if (!copy.plan.ok) throw new Error(copy.plan.reason);
    expect(kinds(copy.plan.steps)).not.toContain('tail-log');
    expect(copy.plan.steps.some((s) => s.text.includes('SINGLE_USER'))).toBe(false);
    expect(await runAll('SQLAG02', copy.plan.steps)).toEqual([]);
    expect(stateOf('SQLAG02', 'SalesDW_copy')).toBe('ONLINE');
  }, 60_000);

  it.each([
    ['SUSPECT', 'NO_TRUNCATE, CONTINUE_AFTER_ERROR'],
    ['RECOVERY_PENDING', 'NO_TRUNCATE, CHECKSUM'],
  ] as const)('backs up the tail of a %s database with %s, then restores it', async (state, withs) => {
    const name = state === 'SUSPECT' ? 'rtcab' : 'rtcshared';
    const database = fleet.instance('LYNCSQL01').findDatabase(name)!;
    if (database.recoveryModel === 'SIMPLE') database.setRecoveryModel('FULL');
    // A log backup now: the chain and the server agree on where the tail starts.
    await (await poolOf('LYNCSQL01')).request().batch(`BACKUP DATABASE [${name}] TO DISK = N'B:\\x\\${name}-base.bak' WITH CHECKSUM`);
    await (await poolOf('LYNCSQL01')).request().batch(`BACKUP LOG [${name}] TO DISK = N'B:\\x\\${name}-base.trn' WITH CHECKSUM`);
    database.state = state;
    const { plan } = await planFor(['LYNCSQL01'], 'LYNCSQL01', name);
    if (!plan.ok) throw new Error(plan.reason);
    const tail = plan.steps.find((s) => s.kind === 'tail-log')!;
    expect(tail.text).toContain(`WITH ${withs}`);
    expect(plan.steps.some((s) => s.text.includes('SINGLE_USER'))).toBe(false);
    expect(await runAll('LYNCSQL01', plan.steps)).toEqual([]);
    expect(stateOf('LYNCSQL01', name)).toBe('ONLINE');
  }, 60_000);

  it('restores a differential taken on a new recovery fork on top of its base full from before the fork', async () => {
    // A full, a restore of it WITH RECOVERY (a new incarnation and fork), then a differential and a log:
    // the differential names the full as its base, and SQL Server restores full + differential + logs
    // across that fork (the differential's base is checked, not the fork).
    const pool = await poolOf('BTSSQL01');
    await pool.request().batch("BACKUP DATABASE [BAMAlertsNSMain] TO DISK = N'B:\\Backup\\BAMAlertsNSMain_base.bak'");
    await pool.request().batch('ALTER DATABASE [BAMAlertsNSMain] SET SINGLE_USER WITH ROLLBACK IMMEDIATE');
    await pool.request().batch("RESTORE DATABASE [BAMAlertsNSMain] FROM DISK = N'B:\\Backup\\BAMAlertsNSMain_base.bak' WITH REPLACE, RECOVERY");
    // No time passes: 45 minutes that crossed the daily full's hour (00:00) ran that full, which then became
    // the newest base (the test failed so when run at 23:21).
    await pool.request().batch("BACKUP DATABASE [BAMAlertsNSMain] TO DISK = N'B:\\Backup\\BAMAlertsNSMain_fork.dif' WITH DIFFERENTIAL");
    await pool.request().batch("BACKUP LOG [BAMAlertsNSMain] TO DISK = N'B:\\Backup\\BAMAlertsNSMain_fork.trn'");
    const { db, plan } = await planFor(['BTSSQL01'], 'BTSSQL01', 'BAMAlertsNSMain');
    expect(db.assessment.status).not.toBe('UNPROTECTED');
    if (!plan.ok) throw new Error(plan.reason);
    const restores = plan.steps.filter((s) => s.kind.startsWith('restore-')).map((s) => `${s.kind} ${s.backup?.media[0]?.physicalDeviceName}`);
    expect(restores.slice(0, 2)).toEqual(['restore-full B:\\Backup\\BAMAlertsNSMain_base.bak', 'restore-diff B:\\Backup\\BAMAlertsNSMain_fork.dif']);
    // The plan's logs include ours, in LSN order.
    expect(restores.slice(2).every((r) => r.startsWith('restore-log '))).toBe(true);
    expect(restores).toContain('restore-log B:\\Backup\\BAMAlertsNSMain_fork.trn');
    expect(await runAll('BTSSQL01', plan.steps)).toEqual([]);
    expect(stateOf('BTSSQL01', 'BAMAlertsNSMain')).toBe('ONLINE');
  }, 60_000);

  it('restores over a damaged database with REPLACE when the tail is turned off', async () => {
    const database = fleet.instance('LYNCSQL01').findDatabase('xds')!;
    database.state = 'RECOVERY_PENDING';
    const { plan } = await planFor(['LYNCSQL01'], 'LYNCSQL01', 'xds', { tailFirst: false });
    if (!plan.ok) throw new Error(plan.reason);
    expect(kinds(plan.steps)).not.toContain('tail-log');
    expect(plan.steps.find((s) => s.kind === 'restore-full')!.text).toContain('REPLACE');
    expect(await runAll('LYNCSQL01', plan.steps)).toEqual([]);
    expect(stateOf('LYNCSQL01', 'xds')).toBe('ONLINE');
  }, 60_000);

  it('restores backups kept in a URL container FROM URL, and puts the tail beside them', async () => {
    const pool = await poolOf('AXSQL01');
    const container = 'https://rpotopbackups.blob.core.windows.net/sql/AXSQL01';
    await pool.request().batch(`BACKUP DATABASE [SharePoint_Config] TO URL = N'${container}/SharePoint_Config_full.bak' WITH CHECKSUM`);
    await pool.request().batch(`BACKUP LOG [SharePoint_Config] TO URL = N'${container}/SharePoint_Config_log.trn' WITH CHECKSUM`);
    // SQL Server reads a URL backup FROM URL only.
    const fromDisk = await pool.request().batch(`RESTORE VERIFYONLY FROM DISK = N'${container}/SharePoint_Config_full.bak'`).catch((e: unknown) => e as Error);
    expect((fromDisk as Error).message).toBe('VERIFY DATABASE is terminating abnormally.');
    const { plan } = await planFor(['AXSQL01'], 'AXSQL01', 'SharePoint_Config');
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.steps.find((s) => s.kind === 'tail-log')!.text).toContain('TO URL = @file1');
    expect(plan.steps.filter((s) => s.kind.startsWith('restore-')).every((s) => s.text.includes('FROM URL = @file1'))).toBe(true);
    expect(await runAll('AXSQL01', plan.steps)).toEqual([]);
    expect(stateOf('AXSQL01', 'SharePoint_Config')).toBe('ONLINE');
  }, 60_000);

  it('never starts a T-SQL plan from a VSS snapshot full, and says so', async () => {
    const inst = fleet.instance('AXSQL01');
    const fulls = inst.backupset.filter((b) => b.database_name === 'WSS_Content_Portal' && b.type === 'D');
    const snapshot = fulls.at(-1)!;
    snapshot.is_snapshot = true;
    for (const m of inst.familiesOf(snapshot.media_set_id)) m.device_type = 7;
    const { plan } = await planFor(['AXSQL01'], 'AXSQL01', 'WSS_Content_Portal');
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.chain.full.backupSetId).toBe(fulls.at(-2)!.backup_set_id);
    expect(plan.notes).toContain(
      `full backup #${snapshot.backup_set_id} is not used: a VSS snapshot backup: restore it with the tool that took it; this plan starts from full #${fulls.at(-2)!.backup_set_id}, the newest T-SQL can restore`,
    );
    expect(await runAll('AXSQL01', plan.steps)).toEqual([]);
    expect(stateOf('AXSQL01', 'WSS_Content_Portal')).toBe('ONLINE');
  }, 60_000);

  it('says which options it cannot honour and what overwriting without the tail loses', async () => {
    // A point inside the newest log (not "-30m": the simulated clock stands still while the real one runs).
    const lastLog = fleet.instance('LYNCSQL01').backupset.filter((b) => b.database_name === 'lis' && b.type === 'L').at(-1)!;
    const pit = await planFor(['LYNCSQL01'], 'LYNCSQL01', 'lis', { stopAt: formatServerTime(lastLog.backup_finish_date - 5 * 60_000) });
    if (!pit.plan.ok) throw new Error(pit.plan.reason);
    expect(pit.plan.notApplied).toEqual({ tailFirst: 'a point in time is restored without the tail' });
    const newestLog = pit.db.assessment.lastLog!;
    expect(pit.plan.losesTail).toBe(
      `this plan overwrites lis without a tail-log backup: the log written since the last log backup (${formatServerTime(utcToServerLocal(newestLog.finish, pit.ctx.offsetMinutes))}, server time) is lost for good`,
    );
    const copy = await planFor(['LYNCSQL01'], 'LYNCSQL01', 'lis', { as: 'lis_copy' });
    if (!copy.plan.ok) throw new Error(copy.plan.reason);
    expect(copy.plan.notApplied).toEqual({
      tailFirst: 'a restore under a new name leaves this database as it is',
      closeConnections: "a restore under a new name leaves this database's connections alone",
    });
    expect(copy.plan.losesTail).toBeNull();
    const latest = await planFor(['LYNCSQL01'], 'LYNCSQL01', 'lis');
    if (!latest.plan.ok) throw new Error(latest.plan.reason);
    expect([latest.plan.notApplied, latest.plan.losesTail]).toEqual([{}, null]);
  }, 60_000);
});
