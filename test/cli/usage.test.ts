import { describe, expect, it } from 'vitest';
import { parseCommand, usageOf, UsageError, USAGE } from '../../src/usage.js';

describe('parseCommand', () => {
  it.each([
    [[], { kind: 'tui', config: undefined, theme: undefined, readOnly: false }],
    [['--config', 'a.json', '--read-only'], { kind: 'tui', config: 'a.json', theme: undefined, readOnly: true }],
    [['-h'], { kind: 'help' }],
    [['demo', '--help'], { kind: 'help', topic: 'demo' }],
    [['status', '--help'], { kind: 'help', topic: 'status' }],
    [['config', '--help'], { kind: 'help', topic: 'config' }],
    [['config', 'check', '-h'], { kind: 'help', topic: 'config' }],
    [['--version'], { kind: 'version' }],
    [['demo'], { kind: 'demo', scenario: 'seeds', theme: undefined, readOnly: false }],
    [['demo', '--theme', 'monochrome'], { kind: 'demo', scenario: 'seeds', theme: 'monochrome', readOnly: false }],
    [['config', 'check', '--config=x.json'], { kind: 'config-check', config: 'x.json' }],
    [['config', 'init'], { kind: 'config-init', config: undefined }],
    [['config', 'schema'], { kind: 'config-schema' }],
    [['journal'], { kind: 'journal', format: 'text', demo: false, filter: {} }],
    [['journal', '--demo', '--format', 'json'], { kind: 'journal', format: 'json', demo: true, filter: {} }],
    [['journal', '--instance', 'SQL01', '--since', '2026-11-27'], { kind: 'journal', format: 'text', demo: false, filter: { instance: 'SQL01', since: '2026-11-27' } }],
  ])('%j -> %j', (argv, command) => {
    expect(parseCommand(argv)).toEqual(command);
  });

  it.each([
    [['--version', 'x'], 'unexpected argument "x"'],
    [['demo', 'x'], 'unexpected argument "x"'],
    [['demo', '--config', 'x'], "Unknown option '--config'"],
    [['config', 'schema', '--config', 'x'], "Unknown option '--config'"],
    [['--config'], "Option '--config <value>' argument missing"],
    [['journal', '--since', 'yesterday'], '--since is a time such as 2026-11-27'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('the journal file', () => {
  it('keeps the demo apart from real servers, unless RPOTOP_JOURNAL names one file for both', async () => {
    const { defaultJournalPath } = await import('../../src/actions/journal.js');
    const env = { XDG_STATE_HOME: '/state' };
    if (process.platform === 'linux') {
      expect(defaultJournalPath(env)).toBe('/state/rpotop/journal.jsonl');
      expect(defaultJournalPath(env, true)).toBe('/state/rpotop/journal-demo.jsonl');
    }
    expect(defaultJournalPath({ RPOTOP_JOURNAL: '/x/j.jsonl' }, true)).toBe('/x/j.jsonl');
  });
});

describe('a command\'s --help', () => {
  it('prints that command with its options, and nothing of the others', () => {
    const status = usageOf('status');
    expect(status).toContain('rpotop status [--config FILE | --demo [--scenario NAME]] [--format table|json|markdown]');
    expect(status).toContain('[--fail-on warn|breach]');
    expect(status).toContain('3 UNKNOWN or the run failed');
    expect(status).not.toContain('rpotop sim');
    expect(usageOf('config').match(/rpotop config \w+( (csv|cms))?/g)).toEqual([
      'rpotop config path',
      'rpotop config check',
      'rpotop config init',
      'rpotop config schema',
      'rpotop config add',
      'rpotop config import csv',
      'rpotop config import cms',
    ]);
    expect(usageOf('exporter')).toContain('binds to loopback (127.0.0.1:9187)');
    // Every command's block is a part of the whole.
    for (const topic of ['demo', 'status', 'plan', 'journal', 'sim', 'config', 'exporter', 'drill']) {
      const block = usageOf(topic).split('\n').slice(1, -2).join('\n');
      expect(block.length).toBeGreaterThan(0);
      expect(USAGE).toContain(block);
    }
  });
});
