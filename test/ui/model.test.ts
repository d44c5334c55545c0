import { describe, expect, it } from 'vitest';
import { fit, fitColumns } from '../../src/ui/cells.js';
import { buildRows, findDatabaseRow, indexOfKey, initialGrid, filterTest, moveSelection, scrollTop } from '../../src/ui/grid-model.js';
import { bindingsFor, commandFor, keymap } from '../../src/ui/keymap.js';
import { keyNames } from '../../src/ui/keys.js';
import { chooseTheme, loadTheme, themeNames } from '../../src/ui/theme.js';
import { timeline } from '../../src/ui/timeline.js';
import { buildRestoreChain } from '../../src/domain/chain.js';
import { HistoryBuilder, minutes } from '../domain/history-builder.js';
import { fixtureSnapshot } from './fixture.js';

const key = (over: Partial<Parameters<typeof keyNames>[1]> = {}) => ({
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false,
  capsLock: false, numLock: false, ...over,
}) as Parameters<typeof keyNames>[1];

describe('keymap', () => {
  it('binds every key once per scope', () => {
    for (const scope of ['dashboard', 'detail', 'instance', 'help', 'confirm', 'options', 'plan'] as const) {
      const keys = bindingsFor(scope, false).flatMap((b) => b.keys);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('moves with vim keys and arrows alike', () => {
    expect(commandFor('dashboard', 'j', false)).toBe('down');
    expect(commandFor('dashboard', keyNames('', key({ downArrow: true }))[0]!, false)).toBe('down');
    expect(commandFor('dashboard', keyNames('', key({ pageDown: true }))[0]!, false)).toBe('pageDown');
    expect(commandFor('dashboard', 'x', false)).toBeNull();
    // The instance view does not move: its help does not offer keys that would do nothing.
    expect(commandFor('instance', 'j', false)).toBeNull();
  });

  it('names every key of a read that carried several', () => {
    expect(keyNames('jj\r', key())).toEqual(['j', 'j', 'enter']);
    expect(keyNames('c', key({ ctrl: true }))).toEqual(['ctrl+c']);
  });

  it('hides commands that change a server in read-only mode', () => {
    expect(keymap.filter((b) => b.mutates && b.scopes.includes('dashboard')).map((b) => b.command)).toEqual(['tailLog', 'recover', 'restore', 'restoreGroup', 'drill']);
    expect(commandFor('dashboard', 't', false)).toBe('tailLog');
    expect(commandFor('dashboard', 't', true)).toBeNull();
    expect(commandFor('dashboard', 'D', true)).toBeNull();
    expect(bindingsFor('dashboard', true).some((b) => b.mutates)).toBe(false);
  });
});

describe('grid model', () => {
  const snapshot = fixtureSnapshot();

  it('frozen, keeps each row where it was while statuses change; a database that appears goes after', () => {
    const keysOf = (rows: ReturnType<typeof buildRows>) => rows.filter((r) => r.kind === 'database').map((r) => r.key);
    const before = keysOf(buildRows(snapshot, initialGrid));
    // Frozen in the reverse of the sorted order: the order held is the frozen one, not the status order.
    const frozen = new Map([...before].reverse().slice(1).map((k, i) => [k, i]));
    const rows = keysOf(buildRows(snapshot, { ...initialGrid, frozen }));
    expect(rows).toEqual([...[...before].reverse().slice(1), before[before.length - 1]!]);
    expect(keysOf(buildRows(snapshot, { ...initialGrid, frozen: null }))).toEqual(before);
  });

  it(':db prefers the exact name, then one prefix, then names every candidate', () => {
    const rows = buildRows(snapshot, initialGrid);
    const at = (text: string) => {
      const found = findDatabaseRow(rows, text);
      const row = found ? rows[found.index] : undefined;
      return { key: row?.kind === 'database' ? row.db.key : null, alternatives: found?.alternatives ?? [] };
    };
    // ReportServerTempDB sorts first (UNPROTECTED); the exact name still wins.
    expect(at('reportserver')).toEqual({ key: 'AXSQL01/ReportServer', alternatives: [] });
    expect(at('AXSQL01/ReportServerTempDB')).toEqual({ key: 'AXSQL01/ReportServerTempDB', alternatives: [] });
    expect(at('MicrosoftDynamicsAX_m')).toEqual({ key: 'AXSQL01/MicrosoftDynamicsAX_model', alternatives: [] });
    const several = at('bam');
    expect(several.alternatives.length).toBeGreaterThan(1);
    expect(several.alternatives).toContain(several.key);
    expect(findDatabaseRow(rows, 'no such database')).toBeNull();
  });

  it('sorts worst first by default', () => {
    const statuses = buildRows(snapshot, initialGrid).map((r) => (r.kind === 'database' ? r.db.assessment.status : ''));
    expect(statuses[0]).toBe('UNPROTECTED');
    expect(statuses.at(-1)).toBe('OK');
  });

  it('filters by text and by status word', () => {
    const breach = buildRows(snapshot, { ...initialGrid, filter: 'breach' });
    expect(breach.length).toBeGreaterThan(0);
    expect(breach.every((r) => r.kind === 'database' && r.db.assessment.status === 'BREACH')).toBe(true);
    const text = buildRows(snapshot, { ...initialGrid, filter: 'sales ]q' });
    expect(text.map((r) => r.key)).toEqual(["AXSQL01/Sales ]Q'4 Björn"]);
    expect(filterTest('ok björn')(text[0]!.kind === 'database' ? text[0]!.db : (undefined as never))).toBe(true);
  });

  it('groups by instance with a heading that carries the worst status', () => {
    const rows = buildRows(snapshot, { ...initialGrid, groupBy: 'instance' });
    expect(rows[0]).toMatchObject({ kind: 'heading' });
    expect(rows.filter((r) => r.kind === 'heading').map((r) => (r.kind === 'heading' ? r.label : ''))).toContain('AXSQL01');
  });

  it('keeps the selection on its database when rows reorder, and skips headings', () => {
    const rows = buildRows(snapshot, { ...initialGrid, groupBy: 'instance' });
    const target = rows.find((r) => r.kind === 'database')!;
    const reordered = buildRows(snapshot, { ...initialGrid, groupBy: 'instance', sort: { key: 'database', desc: false } });
    expect(reordered[indexOfKey(reordered, target.key)]!.key).toBe(target.key);
    expect(rows[moveSelection(rows, 1, -1)]!.kind).toBe('database');
  });

  it('scrolls as little as needed to keep the selection visible', () => {
    expect(scrollTop(0, 5, 10, 100)).toBe(0);
    expect(scrollTop(0, 12, 10, 100)).toBe(3);
    expect(scrollTop(50, 40, 10, 100)).toBe(40);
    expect(scrollTop(95, 99, 10, 100)).toBe(90);
  });
});

describe('columns', () => {
  it('drops the least important columns first and keeps status, database and exposure', () => {
    const narrow = fitColumns(80).columns.map((c) => c.id);
    expect(narrow).toEqual(expect.arrayContaining(['status', 'instance', 'database', 'exposure']));
    expect(narrow).not.toContain('diff');
    const wide = fitColumns(200);
    expect(wide.columns.map((c) => c.id)).toContain('diff');
    expect(wide.reasonWidth).toBeGreaterThan(40);
  });

  it('cuts with an ellipsis and pads to the width', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
    expect(fit('Ærø', 3)).toBe('Ærø');
  });
});

describe('timeline', () => {
  it('puts fulls, logs and a broken chain on the time axis', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 60 * 6 });
    h.log({ after: 60 * 6, nul: true });
    h.log({ after: 60 * 6 });
    const built = buildRestoreChain(h.rows, { kind: 'latest' });
    const cells = timeline(h.rows, built.ok ? built.chain : null, h.now + minutes(60), 1, 24).map((c) => c.char).join('');
    expect(cells).toHaveLength(24);
    expect(cells).toContain('F');
    expect(cells).toContain('│');
    expect(cells).toContain('x');
    expect(cells).toContain('!');
  });
});

describe('themes', () => {
  it('ships default, high-contrast, colour-blind and monochrome, all valid', () => {
    expect(themeNames()).toEqual(['colour-blind', 'default', 'high-contrast', 'monochrome']);
    for (const name of themeNames()) expect(loadTheme(name).name).toBe(name);
  });

  it('uses no colour at all in monochrome, and NO_COLOR selects it', () => {
    const mono = loadTheme('monochrome');
    expect(Object.values(mono.tokens).some((s) => s.fg || s.bg)).toBe(false);
    expect(chooseTheme('default', { NO_COLOR: '1' })).toBe('monochrome');
    expect(chooseTheme('high-contrast', {})).toBe('high-contrast');
  });

  it('refuses an unknown theme with the list', () => {
    expect(() => loadTheme('neon')).toThrow(/no theme named "neon" \(themes: colour-blind, default, high-contrast, monochrome\)/);
  });
});
