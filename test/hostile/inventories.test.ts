import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { checkJsonText } from '../../src/config/json-text.js';
import { MAX_INVENTORY_BYTES } from '../../src/config/read-text.js';
import { loadConfig, writeNewConfig } from '../../src/config/store.js';
import { runRpotop } from '../cli/run.js';

/**
 * Inventory files as an attacker or an unlucky operator writes them. Each is refused with the file's name,
 * the place in it and the fix, quickly, and never with a byte of a secret the file holds.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-hostile-inventory-'));
let n = 0;

const instance = { name: 'SQL01', host: 'sql01', auth: { type: 'sql', user: 'mon', passwordEnv: 'PW' } };
const valid = (extra: Record<string, unknown> = {}) => JSON.stringify({ version: 1, instances: [instance], ...extra });

function write(content: string | Buffer, name = `inventory-${n++}.json`): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function refusal(file: string): string {
  try {
    loadConfig({ path: file, source: '--config' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message.startsWith(`${file}: `)).toBe(true);
    return message;
  }
  throw new Error(`expected ${file} to be refused`);
}

const SECRET = 'Pw-LEAK-9f3';

describe('passwords are never echoed', () => {
  it.each([
    ['an unquoted value', `{"version": 1, "instances": [{"name": "a", "host": "h", "auth": {"type": "sql", "user": "u", "password": ${SECRET}}}]}`],
    ['a value in single quotes', `{"version": 1, "password": '${SECRET}'}`],
    ['a value after a missing comma', `{"version": 1 "password": "${SECRET}"}`],
    ['a control character inside the value', `{"version": 1, "password": "${SECRET}\u0001"}`],
    ['a bad escape inside the value', `{"version": 1, "password": "${SECRET}\\q"}`],
    ['the end of the file inside the value', `{"version": 1, "password": "${SECRET}`],
  ])('in a JSON syntax error: %s', (_, content) => {
    const message = refusal(write(content));
    expect(message).toMatch(/not valid JSON at line \d+, column \d+: expected .+, found .+/);
    for (let i = 0; i + 4 <= SECRET.length; i++) expect(message).not.toContain(SECRET.slice(i, i + 4));
  });

  it.each([
    `Server=srv,Password=${SECRET}`,
    `prod Password=${SECRET}`,
    `user=sa&password=${SECRET}`,
    `mssql://sa:${SECRET}@srv`,
    `Password: ${SECRET}`,
    `Server=x;User Id=u;PWD = ${SECRET}`,
  ])('written into any string: %s', (value) => {
    const message = refusal(write(valid({ fleet: value })));
    expect(message).toContain('fleet: this string holds a password');
    expect(message).not.toContain(SECRET);
  });

  it('lets a string that only mentions passwords through', () => {
    const config = loadConfig({ path: write(valid({ fleet: 'password rotation: monthly, see the runbook' })), source: '--config' });
    expect(config.fleet).toContain('rotation');
  });
});

describe('odd files', () => {
  it('accepts a UTF-8 byte order mark', () => {
    expect(loadConfig({ path: write(`\ufeff${valid()}`), source: '--config' }).instances).toHaveLength(1);
  });

  it.each([
    ['UTF-16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid(), 'utf16le')]), /is not UTF-8 text/],
    ['an empty file', '', /line 1, column 1: expected a value .*, found the end of the file/],
    ['nesting 5,000 levels deep', `${'['.repeat(5000)}${']'.repeat(5000)}`, /line 1, column 33: expected at most 32 levels of nesting, found '\['/],
    ['a value after the object', `${valid()} {}`, /expected the end of the file after the top-level object, found '\{'/],
  ])('refuses %s with the place and the fix', (_, content, expected) => {
    expect(refusal(write(content))).toMatch(expected);
  });

  it('refuses a file larger than an inventory can be, before reading it', () => {
    const file = write(Buffer.alloc(MAX_INVENTORY_BYTES + 1, 0x20));
    expect(refusal(file)).toMatch(/is 4194305 bytes; an inventory is at most 4194304 bytes/);
  });

  it('refuses a folder, a device and a FIFO without waiting on them', () => {
    const folder = path.join(dir, 'a-folder.json');
    mkdirSync(folder);
    expect(refusal(folder)).toMatch(/is a folder/);
    if (process.platform === 'win32') return;
    expect(refusal('/dev/zero')).toMatch(/is not a regular file/);
    const fifo = path.join(dir, 'fifo.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Without O_NONBLOCK this open waits for a writer and the test times out.
    expect(refusal(fifo)).toMatch(/is not a regular file \(a FIFO, socket or device\)/);
  });

  it('reads "inv." as that file, and will not write it as another', () => {
    const dotted = path.join(dir, 'inv.');
    writeFileSync(path.join(dir, 'inv'), valid({ fleet: 'the wrong file' }));
    expect(refusal(dotted)).toMatch(/no inventory here/);
    writeFileSync(dotted, valid({ fleet: 'the right file' }));
    expect(loadConfig({ path: dotted, source: '--config' }).fleet).toBe('the right file');
    const fresh = path.join(dir, 'fresh.');
    expect(() => writeNewConfig({ path: fresh, source: '--config' }, JSON.parse(valid()))).toThrow(/a file name ending in "\." cannot be written/);
    expect(existsSync(path.join(dir, 'fresh'))).toBe(false);
  });
});

describe('numbers bounded to what works', () => {
  it.each([
    [{ poll: { connectTimeoutSeconds: 1e9 } }, 'poll.connectTimeoutSeconds: expected whole seconds from 1 to 600'],
    [{ poll: { requestTimeoutSeconds: 0.5 } }, 'poll.requestTimeoutSeconds: expected whole seconds from 1 to 3600'],
    [{ poll: { intervalSeconds: 1e12 } }, 'poll.intervalSeconds: expected whole seconds from 5 to 86400'],
    [{ poll: { staleAfterSeconds: 1e9 } }, 'poll.staleAfterSeconds: expected whole seconds from 10 to 604800'],
    [{ defaults: { rpo: `1${'0'.repeat(400)}d` } }, 'defaults.rpo: expected a duration of at most 366d'],
    [{ defaults: { rto: '0m' } }, 'defaults.rto: expected a duration of at least 1m'],
    [{ instances: [] }, 'instances: empty; list at least one instance'],
    [{ instances: undefined }, 'instances: missing (expected an array)'],
    [{ instances: [{ ...instance, port: '1433' }] }, 'instances[0].port: expected number, received string'],
  ])('%j', (extra, expected) => {
    expect(refusal(write(valid(extra)))).toContain(expected);
  });
});

describe('the syntax check agrees with JSON.parse', () => {
  it.each([
    '{}', '[]', '"x"', '-0.5e+3', 'true', 'null', ' { "a" : [ 1 , 2 , { "b" : "\\u00e9\\n" } ] } ',
    '{', '{"a":}', '{"a" 1}', '[1,]', '01', '1.', '"\\x"', 'nul', '{"a":1,}', "{'a':1}", '"\t"', '[1 2]',
  ])('%j', (text) => {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(checkJsonText(text) === null).toBe(parses);
  });
});

const rpotop = (args: string[], home: string) => runRpotop(args, home);

describe('the command line', () => {
  it('refuses --config "" instead of reading the default inventory', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const r = rpotop(['config', 'check', '--config', ''], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rpotop: --config is empty; give a value or leave the option out/);
  });

  it('prints where the inventory goes without creating its folder', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const r = rpotop(['config', 'path'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(home, 'xdg', 'rpotop', 'config.json')}\n`);
    expect(existsSync(path.join(home, 'xdg'))).toBe(false);
  });

  it('escapes terminal sequences from the file in config check and in its errors', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const retitle = '\u001b]0;pwned\u0007';
    const good = write(valid({ fleet: `fleet${retitle}`, instances: [{ ...instance, name: `SQL${retitle}01`, tags: [`\u202eevil`] }] }));
    const checked = rpotop(['config', 'check', '--config', good], home);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('fleet     fleet\\x1b]0;pwned\\x07');
    expect(checked.stdout).toContain('SQL\\x1b]0;pwned\\x0701');
    expect(checked.stdout).toContain('[\\u202eevil]');
    const bad = write(valid({ [`key${retitle}`]: 1 }));
    const refused = rpotop(['config', 'check', '--config', bad], home);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown key "key\\x1b]0;pwned\\x07"');
    for (const out of [checked.stdout, checked.stderr, refused.stdout, refused.stderr]) {
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    }
  });

  it('answers status on an inventory without instances with UNKNOWN and the reason', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const r = rpotop(['status', '--config', write(JSON.stringify({ version: 1, instances: [] }))], home);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('instances: empty; list at least one instance');
  });
});
