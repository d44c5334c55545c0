import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeInstances, parseInstancesCsv } from '../../src/config/csv-import.js';
import { ConfigError } from '../../src/config/errors.js';
import { runRpotop } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-import-'));

const rpotop = (args: string[]) => runRpotop(args, dir);

const problems = (text: string) => {
  try {
    parseInstancesCsv('servers.csv', text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('a CSV list of servers', () => {
  it('reads the columns by the header, quoted fields, a byte order mark and Windows line ends', () => {
    const rows = parseInstancesCsv('servers.csv', '\uFEFFHost,Name,Group,Port\r\nsql1.corp,SQL1,Finance,1433\r\n"10.0.0.5","Pay ""roll"", Ærø ]",,\r\n\r\n');
    expect(rows).toEqual([
      { from: 'line 2', name: 'SQL1', host: 'sql1.corp', port: 1433, group: 'Finance' },
      { from: 'line 3', name: 'Pay "roll", Ærø ]', host: '10.0.0.5', port: undefined, group: undefined },
    ]);
  });

  it('names the line and the fix for every row it cannot take, and takes none then', () => {
    expect(problems('name,port\nSQL1,1433\n')[0]!.message).toMatch(/^expected a header naming the columns: name,host,port,group/);
    expect(problems('name,host,port\nSQL1,h,99999\n,h2,\nSQL1,h3,\n"SQL4,h4\nSQL\u001b[2J5,h5,\nSQL6,h6\u202e,\n')).toEqual([
      { path: 'line 2', message: 'port "99999" is not a TCP port from 1 to 65535' },
      { path: 'line 3', message: 'name and host are required' },
      { path: 'line 5', message: 'a quoted field is not closed: quote a field with "..." and double a quote inside it' },
      { path: 'line 6', message: 'a field holds a control character or an invisible mark; fix the line (rpotop does not import such a name)' },
      { path: 'line 7', message: 'a field holds a control character or an invisible mark; fix the line (rpotop does not import such a name)' },
    ]);
    expect(problems('name,host\nSQL1,a\nsql1,b\n')).toEqual([{ path: 'line 3', message: '"sql1" is already on line 2: an instance name is unique in the inventory' }]);
  });

  it('keeps an instance the inventory has, and reports one that differs without changing it', () => {
    const raw: Record<string, unknown> = { version: 1, instances: [{ name: 'SQL1', host: 'old.corp', auth: { type: 'sql', user: 'u' } }, { name: 'SQL2', host: 'h2' }] };
    const rows = parseInstancesCsv('f', 'name,host,port,group\nsql1,new.corp,,\nSQL2,h2,,\nSQL3,h3,1500,ERP\n');
    const outcome = mergeInstances(raw, rows, { user: 'rpotop_monitor', passwordEnv: 'SQL_PW' });
    expect(outcome).toEqual({
      added: ['SQL3 (h3:1500, tag ERP)'],
      kept: ['SQL2: already in the inventory'],
      conflicts: ['sql1: the inventory has old.corp, line 2 has new.corp; the inventory\'s is kept'],
    });
    expect(raw.instances).toEqual([
      { name: 'SQL1', host: 'old.corp', auth: { type: 'sql', user: 'u' } },
      { name: 'SQL2', host: 'h2' },
      { name: 'SQL3', host: 'h3', port: 1500, auth: { type: 'sql', user: 'rpotop_monitor', passwordEnv: 'SQL_PW' }, tags: ['ERP'] },
    ]);
  });
});

describe('rpotop config import csv', () => {
  it('writes new instances into the inventory, prints the diff with --dry-run without writing, and never a password', () => {
    const inventory = path.join(dir, 'inventory.json');
    writeFileSync(inventory, `${JSON.stringify({ version: 1, fleet: 'corp', instances: [{ name: 'SQL1', host: 'old.corp', auth: { type: 'sql', user: 'mon', passwordEnv: 'MON_PW' } }] }, null, 2)}\n`);
    const csv = path.join(dir, 'servers.csv');
    writeFileSync(csv, 'name,host,port,group\nSQL1,new.corp,,\nSQL2,sql2.corp,1433,Finance\n');
    const before = readFileSync(inventory, 'utf8');
    const dry = rpotop(['config', 'import', 'csv', csv, '--config', inventory, '--dry-run', '--password-env', 'SQL_PW']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('added     SQL2 (sql2.corp:1433, tag Finance)');
    expect(dry.stdout).toContain("conflict  SQL1: the inventory has old.corp, line 2 has new.corp; the inventory's is kept");
    expect(dry.stdout).toContain('--dry-run: nothing written; 1 instance(s) would be added');
    expect(readFileSync(inventory, 'utf8')).toBe(before);
    const real = rpotop(['config', 'import', 'csv', csv, '--config', inventory, '--password-env', 'SQL_PW']);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/wrote 1 instance\(s\) to .*inventory\.json \(login rpotop_monitor, password from \$SQL_PW\)/);
    const written = JSON.parse(readFileSync(inventory, 'utf8'));
    expect(written.fleet).toBe('corp');
    expect(written.instances.map((i: { name: string; host: string }) => `${i.name}@${i.host}`)).toEqual(['SQL1@old.corp', 'SQL2@sql2.corp']);
    expect(rpotop(['config', 'check', '--config', inventory]).code).toBe(0);
  });

  it('leaves a broken inventory as it is and says why; a bad CSV line stops the import', () => {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"version": 1, "instances": [}');
    const csv = path.join(dir, 'one.csv');
    writeFileSync(csv, 'name,host\nSQL9,h9\n');
    const r = rpotop(['config', 'import', 'csv', csv, '--config', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not valid JSON at line 1');
    expect(readFileSync(broken, 'utf8')).toBe('{"version": 1, "instances": [}');
    writeFileSync(csv, 'name,host,port\nSQL9,h9,http\n');
    const bad = rpotop(['config', 'import', 'csv', csv, '--config', path.join(dir, 'new.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('one.csv: not imported (nothing was written)\n  line 2: port "http" is not a TCP port from 1 to 65535');
    expect(rpotop(['config', 'import', 'xlsx', csv]).code).toBe(2);
  });
});

describe('rpotop config import cms', () => {
  it("reads a folder of the demo fleet's Central Management Server through the driver and keeps what the inventory has", () => {
    const inventory = path.join(dir, 'cms.json');
    writeFileSync(inventory, JSON.stringify({ version: 1, instances: [{ name: 'BTSSQL01', host: 'btssql01.old', auth: { type: 'sql', user: 'mon' } }] }));
    const r = rpotop(['config', 'import', 'cms', '--demo', '--group', 'production/integration', '--config', inventory, '--password-env', 'SQL_PW']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('9 server(s) registered in AXSQL01, 2 under production/integration');
    expect(r.stdout).toContain('added     BTSDR01 (btsdr01.corp.example:1433, tag Production/Integration)');
    expect(r.stdout).toContain("conflict  BTSSQL01: the inventory has btssql01.old, CMS Production/Integration has BTSSQL01; the inventory's is kept");
    const written = JSON.parse(readFileSync(inventory, 'utf8'));
    expect(written.instances).toEqual([
      { name: 'BTSSQL01', host: 'btssql01.old', auth: { type: 'sql', user: 'mon' } },
      { name: 'BTSDR01', host: 'btsdr01.corp.example', port: 1433, auth: { type: 'sql', user: 'rpotop_monitor', passwordEnv: 'SQL_PW' }, tags: ['Production/Integration'] },
    ]);
    const all = rpotop(['config', 'import', 'cms', '--demo', '--config', inventory, '--dry-run']);
    expect(all.stdout).toContain('skipped   Old laptop: its server name "tcp:10.1.2.3,1433" is not host, host\\instance or host,port; add it by hand');
    expect(all.stdout).toContain('added     LYNCMON01 (LYNCSQL01\\MONITORING, tag Production/Unified Communications)');
    expect(rpotop(['config', 'import', 'cms']).code).toBe(2);
  }, 60_000);

  it('verifies the CMS with --ca-file, and stops before connecting when that file is not a CA bundle', () => {
    const notPem = path.join(dir, 'not-a-ca.txt');
    writeFileSync(notPem, 'hello');
    const r = rpotop(['config', 'import', 'cms', '--host', 'cms01,1433', '--ca-file', notPem, '--password-env', 'CMS_PW', '--config', path.join(dir, 'ca.json')], );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`caFile ${notPem}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
    expect(rpotop(['config', 'import', 'cms', '--demo', '--ca-file', notPem]).code).toBe(2);
  });
});
