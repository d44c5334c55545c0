import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runRpotop } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-cli-'));

const rpotop = (args: string[], env: Record<string, string> = {}) => runRpotop(args, dir, env);

describe('rpotop command line', () => {
  it('prints help and the version', () => {
    const help = rpotop(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('rpotop config check');
    const version = rpotop(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(version).toMatchObject({ code: 0, stdout: `rpotop ${pkg.version}\n` });
  });

  it.each([[['frobnicate']], [['--frob']], [['config']], [['config', 'wat']], [['config', 'check', '--nope']], [['config', 'path', 'extra']]])(
    'refuses %j with the usage and exit code 2',
    (args) => {
      const r = rpotop(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^rpotop: .+\n\n/);
      expect(r.stderr).toContain('Usage:');
      expect(r.stdout).toBe('');
    },
  );

  it('reports where the inventory is read from', () => {
    expect(rpotop(['config', 'path']).stdout).toBe(`${path.join(dir, 'xdg', 'rpotop', 'config.json')}\n`);
    expect(rpotop(['config', 'path'], { RPOTOP_CONFIG: '/srv/inv.json' }).stdout).toBe('/srv/inv.json\n');
    expect(rpotop(['config', 'path', '--config', 'here.json']).stdout).toBe(`${path.join(root, 'here.json')}\n`);
  });

  it('initialises an inventory that config check accepts, and never overwrites it', () => {
    const file = path.join(dir, 'init', 'inventory.json');
    expect(rpotop(['config', 'init', '--config', file]).code).toBe(0);
    const check = rpotop(['config', 'check', '--config', file]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('AX01/MicrosoftDynamicsAX_model');
    const again = rpotop(['config', 'init', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('will not overwrite');
  });

  it('exits 1 on a broken inventory, naming the file and the path inside it', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ version: 1, instances: [{ name: 'x', host: 'h', auth: { type: 'sql', user: 'u', password: 'pa55' } }] }));
    const r = rpotop(['config', 'check', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('instances[0].auth.password');
    expect(r.stderr + r.stdout).not.toContain('pa55');
  });

  it('refuses an unknown --theme with exit 2 and ends, even for the demo whose servers are already up', { timeout: 40_000 }, () => {
    const r = rpotop(['demo', '--theme', 'typo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rpotop: no theme named "typo" \(themes: colour-blind, default, high-contrast, monochrome\)/);
  });

  it('prints the JSON Schema', () => {
    const r = rpotop(['config', 'schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).properties.instances).toBeDefined();
  });
});

describe('rpotop drill', () => {
  it('drills a demo database unattended with --yes, records it, and refuses to run unconfirmed without a terminal', { timeout: 90_000 }, () => {
    const env = { RPOTOP_JOURNAL: path.join(dir, 'drill', 'journal-demo.jsonl') };
    const unconfirmed = rpotop(['drill', 'BTSSQL01', 'SSODB', '--demo'], env);
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stderr).toContain('add --yes to run the drill unattended');
    const ran = rpotop(['drill', 'BTSSQL01', 'SSODB', '--demo', '--yes'], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^drill of BTSSQL01 \/ SSODB on BTSSQL01 as SSODB_rpotop_drill_\d{8}_\d{4}: \d+ statements/);
    expect(ran.stdout).toMatch(/\npassed: restore \d+ s \(within the RTO of 4 h\), CHECKDB \d+ s, total \d+ s\n/);
    const recorded = readFileSync(path.join(dir, 'drill', 'drills-demo.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { database: string; result: string; dropped: boolean });
    expect(recorded).toEqual([expect.objectContaining({ database: 'SSODB', result: 'passed', dropped: true })]);
    // As status, drill speaks the monitoring convention: a usage error is 3 too.
    expect(rpotop(['drill', '--due', 'BTSSQL01', 'SSODB']).code).toBe(3);
  });
});

describe('rpotop sim', () => {
  it('runs the fleet until interrupted and prints how to log in to each instance', async () => {
    const { spawn } = await import('node:child_process');
    const { default: sql } = await import('mssql');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.tsx'), 'sim', '--json'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        lines.push(...parts);
        if (lines.length >= 7) resolve();
      });
      child.once('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
    });
    const endpoints = lines.map((l) => JSON.parse(l) as { name: string; host: string; port: number; login: string; password: string });
    expect(endpoints.map((e) => e.name)).toEqual(['AXSQL01', 'BTSSQL01', 'LYNCSQL01', 'LYNCMON01', 'SQLAG01', 'SQLAG02', 'BTSDR01']);
    expect(Object.keys(endpoints[0]!).sort()).toEqual(['host', 'login', 'name', 'password', 'port']);
    const ep = endpoints[1]!;
    const pool = await new sql.ConnectionPool({ server: ep.host, port: ep.port, user: ep.login, password: ep.password, options: { encrypt: false } }).connect();
    expect((await pool.request().query('SELECT @@SERVERNAME AS s')).recordset[0].s).toBe('BTSSQL01');
    await pool.close();
    // The inventory it writes for its instances works as it is: status polls all seven.
    await new Promise((r) => setTimeout(r, 200));
    const inventory = /inventory for these instances: (\S+)/.exec(stderr)?.[1];
    expect(inventory).toBeDefined();
    const status = rpotop(['status', '--config', inventory!, '--format', 'json'], { RPOTOP_SIM_PASSWORD: ep.password });
    const report = JSON.parse(status.stdout) as { instances: { name: string; status: string }[] };
    expect(report.instances.filter((i) => i.status === 'OK').map((i) => i.name)).toEqual(['AXSQL01', 'BTSSQL01', 'LYNCSQL01', 'LYNCMON01', 'SQLAG01', 'SQLAG02', 'BTSDR01']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(inventory!)).toBe(false);
  }, 40_000);

  it('refuses a bad port and an unknown scenario', () => {
    expect(rpotop(['sim', '--base-port', 'x'])).toMatchObject({ code: 2 });
    const unknown = rpotop(['sim', '--scenario', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no scenario named "nope"');
  });
});
