import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseDurationMinutes } from '../../src/config/duration.js';
import { matchesPattern } from '../../src/config/pattern.js';
import { presets } from '../../src/config/presets.js';
import { classifyDatabase, describeCredentials, resolveInventory } from '../../src/config/resolve.js';
import { configJsonSchema, configSchema } from '../../src/config/schema.js';
import { findInlineSecrets } from '../../src/config/secrets.js';
import { CONFIG_ENV, loadConfig, locateConfig, writeNewConfig } from '../../src/config/store.js';
import { describeInventory } from '../../src/config/describe.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-config-'));
let n = 0;
function file(content: string): { path: string; source: '--config' } {
  const p = path.join(dir, `inventory-${n++}.json`);
  writeFileSync(p, content);
  return { path: p, source: '--config' };
}

function problems(content: string): string[] {
  try {
    loadConfig(file(content));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.message).toContain(e.file);
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the inventory to be refused');
}

const minimal = { version: 1, instances: [{ name: 'SQL01', host: 'sql01', auth: { type: 'sql', user: 'mon', passwordEnv: 'PW' } }] };

describe('loading an inventory', () => {
  it('fills every default', () => {
    const config = loadConfig(file(JSON.stringify(minimal)));
    expect(config.defaults).toEqual({ rpo: 1440, rto: 240, warnAt: 0.8 });
    expect(config.instances[0]).toMatchObject({
      encrypt: true,
      trustServerCertificate: false,
      readOnly: false,
      databases: { include: ['*'], exclude: [], targets: {} },
    });
    expect(config.poll.concurrency).toBe(32);
  });

  it('names the path and the expectation for each problem', () => {
    const bad = {
      version: 1,
      defaults: { rpo: '15 minutes', warnAt: 1.5 },
      instances: [{ name: 'a', host: 'h', port: 70000, instanceName: 'X', auth: { type: 'sql' } }],
    };
    expect(problems(JSON.stringify(bad))).toEqual([
      'defaults.rpo: expected a duration such as "15m", "4h", "1d" or "1h30m"',
      'defaults.warnAt: Too big: expected number to be <1',
      'instances[0].port: expected a TCP port from 1 to 65535',
      'instances[0].auth.user: missing (expected a string)',
    ]);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    expect(problems(JSON.stringify({ ...minimal, pol: {} }))).toEqual([
      '(top level): unknown key "pol" (check the spelling; `rpotop config schema` lists every key)',
    ]);
  });

  it('rejects both port and instanceName, duplicate names and groups that name unknown instances', () => {
    expect(
      problems(
        JSON.stringify({
          version: 1,
          instances: [
            { name: 'SQL01', host: 'a', port: 1433, instanceName: 'X', auth: { type: 'azure-active-directory-default' } },
          ],
        }),
      ),
    ).toEqual(['instances[0].instanceName: give either port or instanceName, not both']);
    expect(
      problems(
        JSON.stringify({
          version: 1,
          instances: [minimal.instances[0], { ...minimal.instances[0], name: 'sql01' }],
          groups: [{ name: 'g', preset: 'biztalk', instance: 'BTS' }, { name: 'empty' }],
        }),
      ),
    ).toEqual([
      'instances[1].name: duplicate instance name "sql01" (also instances[0])',
      'groups[0].instance: no instance named "BTS" in instances',
      'groups[1]: a group needs a preset or members',
    ]);
  });

  it('refuses a password written in the file, without repeating it', () => {
    const withPassword = { version: 1, instances: [{ name: 'a', host: 'h', auth: { type: 'sql', user: 'u', password: 'hunter2' } }] };
    const found = problems(JSON.stringify(withPassword));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^instances\[0\]\.auth\.password: a password must not be stored/);
    expect(found.join('')).not.toContain('hunter2');
  });

  it('finds passwords in connection strings and under other names', () => {
    expect(findInlineSecrets({ a: ['Server=x;User Id=u;Password=p'], b: { PWD: 'x' }, c: { secret: '' } }).map((p) => p.path)).toEqual([
      'a[0]',
      'b.PWD',
    ]);
  });

  it('gives the line and column of a JSON syntax error', () => {
    const found = problems('{\n  "version": 1,\n  "instances": [\n    { "name": "a"\n      "host": "h" }\n  ]\n}\n');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\(file\): not valid JSON at line 5, column 7: /);
  });

  it('says how to create a missing inventory', () => {
    expect(() => loadConfig({ path: path.join(dir, 'absent.json'), source: '--config' })).toThrow(/rpotop config init/);
  });
});

describe('locating and writing the inventory', () => {
  it('takes --config, then the environment variable, then the platform default', () => {
    expect(locateConfig('x.json', {})).toEqual({ path: path.resolve('x.json'), source: '--config' });
    expect(locateConfig(undefined, { [CONFIG_ENV]: '/etc/rpotop.json' })).toEqual({ path: '/etc/rpotop.json', source: CONFIG_ENV });
    const fallback = locateConfig(undefined, {});
    expect(fallback.source).toBe('default');
    expect(fallback.path).toMatch(/rpotop[/\\]config\.json$/);
  });

  it('writes a new inventory and never overwrites one', () => {
    const target = { path: path.join(dir, 'new', 'inventory.json'), source: '--config' as const };
    writeNewConfig(target, minimal);
    expect(JSON.parse(readFileSync(target.path, 'utf8'))).toEqual(minimal);
    expect(() => writeNewConfig(target, { version: 1 })).toThrow(/will not overwrite/);
    expect(JSON.parse(readFileSync(target.path, 'utf8'))).toEqual(minimal);
  });

  it('refuses to write a password', () => {
    const target = { path: path.join(dir, 'secret.json'), source: '--config' as const };
    expect(() => writeNewConfig(target, { pwd: 'x' })).toThrow(ConfigError);
    expect(existsSync(target.path)).toBe(false);
  });
});

describe('resolving the inventory', () => {
  const config = configSchema.parse({
    version: 1,
    defaults: { rpo: '1d', rto: '4h' },
    instances: [
      {
        name: 'AX01',
        host: 'ax01',
        auth: { type: 'ntlm', domain: 'CORP', user: 'svc', passwordEnv: 'AX_PW' },
        targets: { rpo: '1h' },
        databases: { exclude: ['tempdb', 'scratch*'], targets: { "O'Brien]s DB": { rpo: '5m' } } },
      },
      { name: 'BTS01', host: 'bts01', auth: { type: 'sql', user: 'mon' }, databases: { include: ['BizTalk*'] } },
    ],
    groups: [
      { name: 'ax', preset: 'dynamics-ax', business: 'AXProd', instance: 'AX01', targets: { rpo: '15m', rto: '2h' } },
      { name: 'bts', preset: 'biztalk', instance: 'BTS01', targets: { rpo: '30m' } },
      { name: 'extra', members: [{ database: 'AXProd' }], targets: { rpo: '10m' } },
    ],
  });
  const inventory = resolveInventory(config);

  it('expands the Dynamics AX preset with the business database and its model store', () => {
    const ax = inventory.groups[0]!;
    expect(ax.members.slice(0, 2)).toEqual([
      { instance: 'AX01', database: 'AXProd', role: 'business database', together: true, optional: false },
      { instance: 'AX01', database: 'AXProd_model', role: 'model store', together: true, optional: false },
    ]);
    expect(ax.notes.join(' ')).toContain('AOS');
  });

  it.each([
    ['AX01', 'AXProd_model', true, 15, 'group', 120, 'group'],
    ['AX01', 'AXProd', true, 10, 'group', 120, 'group'],
    ['AX01', "O'Brien]s DB", true, 5, 'database', 240, 'default'],
    ['AX01', 'Staging', true, 60, 'instance', 240, 'default'],
    ['AX01', 'scratch_2026', false, 60, 'instance', 240, 'default'],
    ['BTS01', 'BizTalkMsgBoxDb', true, 30, 'group', 240, 'default'],
    ['BTS01', 'SSODB', true, 30, 'group', 240, 'default'],
    ['BTS01', 'ReportServer', false, 1440, 'default', 240, 'default'],
  ])('%s/%s: inventoried %s, RPO %i min from %s, RTO %i from %s', (instance, db, inventoried, rpo, rpoSource, rto, rtoSource) => {
    const c = classifyDatabase(inventory, instance, db);
    expect(c.inventoried).toBe(inventoried);
    expect(c.targets.rpoMinutes).toBe(rpo);
    expect(c.targets.source.rpoMinutes).toBe(rpoSource);
    expect(c.targets.rtoMinutes).toBe(rto);
    expect(c.targets.source.rtoMinutes).toBe(rtoSource);
  });

  it('describes where passwords come from, never what they are', () => {
    expect(describeCredentials(config.instances[0]!, { AX_PW: 's3cret' })).toBe('Windows CORP\\svc, password from $AX_PW (set)');
    expect(describeCredentials(config.instances[0]!, {})).toContain('NOT SET');
    expect(describeCredentials(config.instances[1]!, {})).toBe('SQL login mon, password prompted at start');
    const text = describeInventory(inventory, '/x.json', { AX_PW: 's3cret' });
    expect(text).not.toContain('s3cret');
    expect(text).toContain('BTS01/BizTalkMsgBoxDb');
    expect(text).toContain("O'Brien]s DB: RPO 5 min (explicit)");
  });
});

describe('presets', () => {
  it('place a preset member on another instance, and never make a named member optional', () => {
    const bts = resolveInventory(
      configSchema.parse({
        version: 1,
        instances: ['BTS01', 'BAM01'].map((name) => ({ name, host: 'h', auth: { type: 'sql' as const, user: 'u', passwordEnv: 'P' } })),
        groups: [{ name: 'bts', preset: 'biztalk', instance: 'BTS01', members: [{ database: 'BAMPrimaryImport', instance: 'BAM01' }] }],
      }),
    ).groups[0]!;
    const bam = bts.members.filter((m) => m.database === 'BAMPrimaryImport');
    expect(bam).toEqual([{ instance: 'BAM01', database: 'BAMPrimaryImport', role: 'BAM primary import', together: true, optional: false }]);
    expect(bts.members.find((m) => m.database === 'BAMAlertsNSMain')).toMatchObject({ instance: 'BTS01', optional: true });
    expect(bts.members.find((m) => m.database === 'BizTalkMsgBoxDb')).toMatchObject({ optional: false });
  });

  it('list BizTalk\'s jointly backed-up databases as restored together', () => {
    const together = presets.biztalk.members({}).filter((m) => m.together).map((m) => m.database);
    expect(together).toEqual([
      'BizTalkMgmtDb',
      'BizTalkMsgBoxDb',
      'BizTalkDTADb',
      'SSODB',
      'BizTalkRuleEngineDb',
      'BAMPrimaryImport',
      'BAMAlertsApplication',
      'BAMAlertsNSMain',
    ]);
  });

  it('list Lync 2013\'s stores and Reporting Services\' pair', () => {
    expect(presets['lync-2013'].members({}).map((m) => m.database)).toEqual([
      'xds', 'lis', 'rtcxds', 'rtcshared', 'rtcab', 'rgsconfig', 'rgsdyn', 'cpsdyn', 'LcsLog', 'LcsCDR', 'QoEMetrics',
    ]);
    expect(presets['reporting-services'].members({}).map((m) => m.database)).toContain('ReportServerTempDB');
  });
});

describe('patterns and durations', () => {
  it.each([
    ['*', 'anything', true],
    ['WSS_Content*', 'wss_content_portal', true],
    ['Report?erver', 'ReportServer', true],
    ['ReportServer$*', 'ReportServer$SSRS', true],
    ["O'Brien]s DB", "o'brien]s db", true],
    ['[abc]', 'a', false],
    ['Sales.*', 'SalesX1', false],
    ['Straße', 'STRASSE', false],
    ['Ærø', 'æRØ', true],
  ])('%j matches %j: %s', (pattern, name, expected) => {
    expect(matchesPattern(pattern, name)).toBe(expected);
  });

  it.each([
    ['15m', 15],
    ['4h', 240],
    ['1d', 1440],
    ['1h30m', 90],
    ['2d12h', 3600],
  ])('%s is %i minutes', (text, minutes) => expect(parseDurationMinutes(text)).toBe(minutes));

  it('rejects durations it cannot read', () => {
    expect(() => parseDurationMinutes('m')).toThrow(/not a duration/);
    expect(() => parseDurationMinutes('1m1h')).toThrow(/not a duration/);
  });
});

describe('JSON Schema', () => {
  it('is what ships in schema/rpotop.schema.json (run `npm run schema` after changing the zod schema)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../schema/rpotop.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(configJsonSchema());
  });
});
