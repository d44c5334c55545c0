import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/report/status-command.js';
import { STATUS_SCHEMA } from '../../src/report/json.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-status-'));

/** The real entry point, asynchronously (the fleet it polls may live in this process). */
function rpotop(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.tsx'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('exit codes', () => {
  it.each([
    ['OK', 'warn', 0],
    ['WARN', 'warn', 1],
    ['WARN', 'breach', 0],
    ['BREACH', 'warn', 2],
    ['UNPROTECTED', 'breach', 2],
    ['UNKNOWN', 'breach', 3],
  ] as const)('worst %s with --fail-on %s exits %i', (worst, failOn, code) => {
    expect(exitCodeFor(worst, failOn)).toBe(code);
  });
});

describe('rpotop status --demo', () => {
  it('prints the documented JSON and exits 2 for the seeds fleet', async () => {
    const r = await rpotop(['status', '--demo', '--format', 'json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe(STATUS_SCHEMA);
    expect(doc.exitCode).toBe(2);
    expect(doc.worst).toBe('UNPROTECTED');
    const odd = doc.databases.find((d: { database: string }) => d.database === "Sales ]Q'4 Björn");
    expect(odd).toMatchObject({ instance: 'AXSQL01', status: 'OK', recoveryModel: 'FULL', rpoSeconds: 1800 });
    expect(odd.lastLog.lastLsn).toMatch(/^\d{16,25}$/);
    expect(Object.keys(doc.counts)).toEqual(['OK', 'WARN', 'BREACH', 'UNPROTECTED', 'UNKNOWN']);
    // Since when: every BREACH says when its RPO was crossed, before now and after its last backup.
    const breaches = doc.databases.filter((d: { status: string }) => d.status === 'BREACH');
    expect(breaches.length).toBeGreaterThan(0);
    for (const d of breaches) {
      expect(Date.parse(d.breachSince)).toBeLessThanOrEqual(Date.parse(doc.generatedAt));
      expect(d.reason).toMatch(/^in breach for /);
    }
    expect(odd.breachSince).toBeNull();
    expect(r.stdout).not.toContain(process.env[DEMO_PASSWORD_ENV] ?? 'never-set');
  }, 30_000);

  it('prints a markdown summary fit for an incident channel', async () => {
    const r = await rpotop(['status', '--demo', '--format', 'markdown']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^### rpotop: demo: seeds\n\n\? 0 UNKNOWN · ⊘ 3 UNPROTECTED · ✖ \d+ BREACH · ▲ \d+ WARN · ✔ \d+ OK/);
    expect(r.stdout).toContain('| ⊘ UNPROTECTED | BTSSQL01 | BizTalkDTADb |');
  }, 30_000);

  it('prints a table without colour when not on a terminal', async () => {
    const r = await rpotop(['status', '--demo']);
    expect(r.stdout.split('\n')[0]).toMatch(/^STATUS\s+INSTANCE\s+DATABASE\s+EXPOSURE\s+RPO\s+FULL\s+DIFF\s+LOG\s+REASON$/);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/✖ BREACH\s+AXSQL01\s+ReportServer\s/);
  }, 30_000);

  it('treats usage errors as UNKNOWN (3), as monitoring plugins do', async () => {
    const r = await rpotop(['status', '--format', 'xml']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--format is table, json or markdown');
    expect((await rpotop(['status', '--config', path.join(dir, 'absent.json')])).code).toBe(3);
  });
});

describe('rpotop status --config against a fleet', () => {
  let fleet: SimFleet;
  let endpoints: Endpoint[];
  const scenario = loadScenario('seeds');
  beforeAll(async () => {
    fleet = new SimFleet({ scenario, clock: new SimClock(), manualClock: true });
    endpoints = await fleet.start();
  });
  afterAll(async () => fleet?.stop());

  function inventoryFile(name: string, databases: string[]): string {
    const inv = demoInventory(scenario, endpoints.filter((e) => e.name === 'AXSQL01'));
    inv.groups = [];
    inv.instances = inv.instances!.map((i) => ({ ...i, databases: { ...i.databases, include: databases } }));
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(inv));
    return file;
  }

  it('exits 0 when all is OK, 1 on WARN (0 with --fail-on breach)', async () => {
    const env = { [DEMO_PASSWORD_ENV]: fleet.password };
    const ok = await rpotop(['status', '--config', inventoryFile('ok.json', ['MicrosoftDynamicsAX', 'Staging']), '--format', 'json'], env);
    expect(ok.code).toBe(0);
    const warnFile = inventoryFile('warn.json', ['MicrosoftDynamicsAX', 'SharePoint_Config']);
    expect((await rpotop(['status', '--config', warnFile], env)).code).toBe(1);
    expect((await rpotop(['status', '--config', warnFile, '--fail-on', 'breach'], env)).code).toBe(0);
    const listed = JSON.parse(ok.stdout).databases.filter((d: { inventoried: boolean }) => !d.inventoried).map((d: { database: string }) => d.database);
    expect(listed).toContain('ReportServer');
  }, 30_000);

  it('exits 3 with the reason when the instance cannot be reached', async () => {
    await fleet.server('AXSQL01').setFaults({ refuse: true });
    try {
      const r = await rpotop(['status', '--config', inventoryFile('down.json', ['*']), '--format', 'markdown'], { [DEMO_PASSWORD_ENV]: fleet.password });
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/\*\*Instances not answering\*\*\n\n- AXSQL01 \(127\.0\.0\.1,\d+\): Failed to connect/);
    } finally {
      await fleet.server('AXSQL01').setFaults({ refuse: false });
    }
  }, 30_000);
});

describe('rpotop plan --demo', () => {
  it('prints a runnable script for a change ticket, names quoted and values declared', async () => {
    const r = await rpotop(['plan', 'AXSQL01', "Sales ]Q'4 Björn", '--demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-- rpotop restore plan: AXSQL01 \/ Sales \]Q'4 Björn, to the latest point\n/);
    // Connections close in the tail's own batch.
    expect(r.stdout).toContain("\nALTER DATABASE [Sales ]]Q'4 Björn] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nBACKUP LOG [Sales ]]Q'4 Björn] TO DISK = @file1 WITH NORECOVERY");
    expect(r.stdout).toMatch(/DECLARE @file1 nvarchar\(260\) = N'B:\\Backup\\AXSQL01\\Sales \]Q''4 Björn\\/);
    expect(r.stdout).toContain('nothing has been run');
  }, 30_000);

  it('prints JSON with each step', async () => {
    const json = await rpotop(['plan', 'AXSQL01', 'MicrosoftDynamicsAX', '--demo', '--format', 'json', '--as', 'AX copy']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ schema: 'rpotop.plan/1', instance: 'AXSQL01', database: 'MicrosoftDynamicsAX', restoreAs: 'AX copy' });
    expect(doc.steps[0].text).toMatch(/^RESTORE DATABASE \[AX copy\] FROM DISK = @file1 WITH FILE = @position, MOVE @logical1 TO @physical1/);
  }, 60_000);

  it('prints a group plan: operator steps as comments, every step with its instance, one point for all', async () => {
    const r = await rpotop(['plan', '--group', 'ax-production', '--demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-- rpotop restore plan: Restore group ax-production \(Microsoft Dynamics AX\), 2 databases, to the latest point \(every member to its tail\)\n/);
    expect(r.stdout).toContain('\n-- step 1 of ');
    expect(r.stdout).toMatch(/-- step 1 of \d+ on AXSQL01: you, outside SQL Server: Stop every AOS instance .* \[confirm by typing done\]\n-- operator step \(rpotop sends nothing\): Stop every AOS instance/);
    expect(r.stdout).toMatch(/-- step 2 of \d+ on AXSQL01: AXSQL01\/MicrosoftDynamicsAX: close every other connection .*then back up the tail of the log/);
    const json = await rpotop(['plan', '--group', 'biztalk', '--demo', '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ schema: 'rpotop.group-plan/1', commonPoint: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(doc.steps[0]).toMatchObject({ step: 1, instance: 'BTSSQL01', database: null, kind: 'operator' });
    const unknown = await rpotop(['plan', '--group', 'nope', '--demo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no group named "nope" in the inventory (ax-production, biztalk, lync)');
    expect((await rpotop(['plan', 'AXSQL01', 'x', '--group', 'biztalk', '--demo'])).code).toBe(2);
  }, 120_000);

  it('refuses what cannot be planned with exit 1 and the reason, and bad usage with 2', async () => {
    const taken = await rpotop(['plan', 'AXSQL01', 'MicrosoftDynamicsAX', '--demo', '--as', 'reportserver']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('--stopat/--as: ReportServer already exists on AXSQL01: choose a free name');
    const never = await rpotop(['plan', 'AXSQL01', 'ReportServerTempDB', '--demo']);
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('no restore plan for AXSQL01 / ReportServerTempDB: no restorable full backup');
    const missing = await rpotop(['plan', 'AXSQL01', 'Nope', '--demo']);
    expect(missing.stderr).toContain('no database named "Nope" on AXSQL01');
    expect((await rpotop(['plan', 'AXSQL01'])).code).toBe(2);
  }, 120_000);
});
