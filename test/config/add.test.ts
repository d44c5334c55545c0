import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConfigAdd, type AddCommand } from '../../src/config/add-command.js';
import { runRpotop } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-add-'));
const rpotop = (args: string[]) => runRpotop(args, dir);
const inventoryAt = (name: string) => path.join(dir, name);
const instancesIn = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { instances: Record<string, unknown>[] }).instances;

class Text extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('rpotop config add', () => {
  it('adds one instance from its flags, a name that needs quoting kept as typed, and the login without a password', () => {
    const file = inventoryAt('flags.json');
    const r = rpotop(['config', 'add', "Pay]roll 'Ærø'", '--host', 'sql07\\PROD', '--password-env', 'SQL07_PASSWORD', '--tag', 'finance', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("added     Pay]roll 'Ærø' (sql07\\PROD, tag finance)");
    expect(instancesIn(file)).toEqual([{ name: "Pay]roll 'Ærø'", host: 'sql07', instanceName: 'PROD', auth: { type: 'sql', user: 'rpotop_monitor', passwordEnv: 'SQL07_PASSWORD' }, tags: ['finance'] }]);
    // The same again is kept; another server under that name is a conflict, and the file keeps the first.
    expect(rpotop(['config', 'add', "Pay]roll 'Ærø'", '--host', 'sql07\\PROD', '--config', file]).stdout).toContain('kept      ');
    const other = rpotop(['config', 'add', "PAY]ROLL 'ÆRØ'", '--host', 'sql08,1533', '--config', file]);
    expect(other.stdout).toContain("conflict  PAY]ROLL 'ÆRØ': the inventory has sql07\\PROD, the command has sql08:1533; the inventory's is kept");
    expect(instancesIn(file)).toHaveLength(1);
    // rpotop config check reads what was written.
    expect(rpotop(['config', 'check', '--config', file]).code).toBe(0);
  });

  it('writes nothing with --dry-run, and refuses what it cannot take with exit 2 and the fix, never echoing it', () => {
    const file = inventoryAt('refused.json');
    expect(rpotop(['config', 'add', 'SQL1', '--host', 'sql1', '--config', file, '--dry-run']).stdout).toContain('--dry-run: nothing written; 1 instance(s) would be added');
    expect(existsSync(file)).toBe(false);
    const bidi = rpotop(['config', 'add', 'SQL\u202e1', '--host', 'sql1', '--config', file]);
    expect(bidi.code).toBe(2);
    expect(bidi.stderr).toBe('rpotop: config add: --name: no control characters, line breaks or bidirectional marks\n');
    const env = rpotop(['config', 'add', 'SQL1', '--host', 'sql1', '--password-env', 'MY-PASS', '--config', file]);
    expect(env.stderr).toContain('--password-env: an environment variable name (letters, digits, _)');
    // No terminal to ask on (CI, a script): what is missing is named.
    const missing = rpotop(['config', 'add', '--config', file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('NAME is needed and there is no terminal to ask on (rpotop config add NAME --host SERVER)');
    expect(existsSync(file)).toBe(false);
  });

  it('asks on a terminal for what the flags leave out, again until an answer can be taken, defaulting the login', async () => {
    const file = inventoryAt('asked.json');
    const answers = ['  ', 'AX01', 'ax01:1433', 'ax01,1533', '', 'AX_PASSWORD', 'erp'];
    const asked: string[] = [];
    const out = new Text();
    const err = new Text();
    const cmd: AddCommand = { name: undefined, host: undefined, user: undefined, passwordEnv: undefined, tag: undefined, config: file, dryRun: false };
    const code = await runConfigAdd(cmd, out, err, async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    });
    expect(code).toBe(0);
    expect(asked).toEqual([
      'Name (as rpotop shows it, e.g. AXSQL01): ',
      'Name (as rpotop shows it, e.g. AXSQL01): ',
      'Server (host, host\\instance or host,port): ',
      'Server (host, host\\instance or host,port): ',
      'Login [rpotop_monitor]: ',
      'Environment variable holding its password (empty: asked for at start): ',
      'Tag (optional, e.g. production): ',
    ]);
    expect(err.text).toBe('  a name is needed\n  a host, host\\instance or host,port (as SSMS takes a server name)\n');
    expect(instancesIn(file)).toEqual([{ name: 'AX01', host: 'ax01', port: 1533, auth: { type: 'sql', user: 'rpotop_monitor', passwordEnv: 'AX_PASSWORD' }, tags: ['erp'] }]);
    expect(out.text).toContain('wrote 1 instance(s)');
  });
});
