import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint, SimFleet } from '../../src/sim/fleet.js';
import { startFleet } from './helpers.js';

/**
 * A second, independent TDS client: FreeTDS's tsql (Debian package freetds-bin, which .ci/run installs).
 * The simulator must speak MS-TDS as documented, not only as far as tedious needs.
 */
const tsqlAvailable = spawnSync('tsql', ['-C'], { encoding: 'utf8' }).status === 0;

let fleet: SimFleet;
let ep: Endpoint;

beforeAll(async () => {
  const started = await startFleet();
  fleet = started.fleet;
  ep = started.endpoints[0]!;
});
afterAll(async () => fleet?.stop());

/** Runs tsql asynchronously: the simulator answers from this same process, so its event loop must stay free. */
function tsql(script: string, password = ep.password): Promise<{ out: string }> {
  return new Promise((resolve) => {
    const child = spawn('tsql', ['-H', ep.host, '-p', String(ep.port), '-U', ep.login, '-P', password], {
      env: { ...process.env, TDSVER: '7.4' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill(), 15_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ out });
    });
    child.stdin.end(`${script}\nquit\n`);
  });
}

describe.skipIf(!tsqlAvailable)('FreeTDS tsql against the simulator', () => {
  it('logs in and runs the probes as a batch', async () => {
    const r = await tsql("SELECT 1\ngo\nSELECT @@VERSION\ngo\nSELECT @@SERVERNAME, SERVERPROPERTY('ProductVersion')\ngo");
    expect(r.out).toMatch(/^1$/m);
    expect(r.out).toContain('Microsoft SQL Server 2022');
    expect(r.out).toMatch(/SQLTEST\t16\.0\.4135\.4/);
  });

  it('runs sp_executesql with a typed parameter', async () => {
    const r = await tsql("EXEC sp_executesql N'SELECT @p AS p, @@SERVERNAME AS s', N'@p int', @p = 42\ngo");
    expect(r.out).toMatch(/42\tSQLTEST/);
  });

  it('shows a server error with its number', async () => {
    const r = await tsql("RESTORE DATABASE [x] FROM DISK = N'Z:\\nowhere.bak'\ngo");
    expect(r.out).toMatch(/Msg 3201/);
    expect(r.out).toMatch(/Msg 3013/);
  });

  it('is refused with a wrong password', async () => {
    const r = await tsql('SELECT 1\ngo', 'wrong');
    expect(r.out).toMatch(/Login failed for user/);
  });
});

it('records whether the independent client was available', () => {
  // In CI .ci/run installs FreeTDS; elsewhere the suite above is skipped, visibly.
  expect(typeof tsqlAvailable).toBe('boolean');
  if (process.env.CI) expect(tsqlAvailable).toBe(true);
});
