import { describe, expect, it } from 'vitest';
import type { ActionPreview, PlanPreview } from '../../src/ui/actions-port.js';
import type { ConfirmState } from '../../src/ui/ConfirmView.js';
import { bindingsFor, whyUnavailable } from '../../src/ui/keymap.js';
import type { Binding, KeyContext } from '../../src/ui/keys.js';
import type { PlanState } from '../../src/ui/PlanView.js';
import { confirmBindings, confirmKeys } from '../../src/ui/screens/confirm.js';
import { optionsBindings, optionsKeys } from '../../src/ui/screens/options.js';
import { planBindings, planKeys, planState } from '../../src/ui/screens/plan.js';
import type { Screen } from '../../src/ui/screens/screen.js';
import { defaultRestoreForm } from '../../src/ui/actions-port.js';
import type { OptionsState } from '../../src/ui/restore-options.js';
import { browseKeys } from '../../src/ui/screens/browse.js';
import { buildRows, initialGrid } from '../../src/ui/grid-model.js';
import { fixtureSnapshot } from './fixture.js';

const NOW = 1_000_000;
const step = (over: Partial<PlanPreview['steps'][number]>): PlanPreview['steps'][number] => ({
  script: 'RESTORE ...',
  summary: 'a step',
  destructive: true,
  skippable: false,
  confirmWord: "Pay]roll 'Ærø'",
  instance: 'SQL01',
  ...over,
});
const plan: PlanPreview = {
  planId: 'p',
  title: 'Restore',
  facts: [],
  confirmWord: "Pay]roll 'Ærø'",
  steps: [
    step({ summary: 'verify', destructive: false, skippable: true }),
    step({ summary: 'restore the full' }),
    step({ summary: 'log 1', batchable: true }),
    step({ summary: 'log 2', batchable: true }),
    step({ summary: 'log 3', batchable: true }),
  ],
};

const planAt = (over: Partial<PlanState>): PlanState => ({ ...planState(plan), ...over });
const planCtx = (st: PlanState): KeyContext => ({ screen: { kind: 'plan', key: 'k', back: { kind: 'dashboard' }, state: st }, selected: null });
/** What pressing a binding means: its first key, with the name typed first where it asks for one. */
const press = (b: Binding, word: string) => (b.command === 'confirmName' ? [...word, 'enter'] : [b.keys[0]!]);

/** The plan screen in each state a binding is about, with the bindings that act there. */
const planStates: [string, PlanState][] = [
  ['a step that asks for y', planAt({ current: 0 })],
  ['a step that asks for the name', planAt({ current: 1 })],
  ['after a first log restore, more following', planAt({ current: 3 })],
  ['a failed check', planAt({ current: 0, failed: true })],
  ['a failed restore', planAt({ current: 1, failed: true })],
  ['a finished plan', planAt({ current: 5 })],
];

describe("the plan screen's keys come from its own bindings", () => {
  it.each(planStates)('%s: every binding help calls available acts, every other runs nothing', (_, st) => {
    for (const b of planBindings.filter((x) => x.command !== 'help')) {
      const why = whyUnavailable(b, planCtx(st));
      const out = planKeys(st, press(b, plan.steps[st.current]?.confirmWord ?? ''), NOW);
      if (why === null) expect(out.state !== st || out.effects.length > 0, `${b.label} should act`).toBe(true);
      else expect(out.effects.some((e) => e.kind === 'run' || e.kind === 'batch'), `${b.label}: ${why}`).toBe(false);
    }
  });

  it('answers, refuses and stops as the screen says', () => {
    expect(planKeys(planAt({ current: 0 }), ['y'], NOW).effects).toEqual([{ kind: 'run', typed: '' }]);
    const named = planKeys(planAt({ current: 1 }), [..."Pay]roll 'Ærø'", 'enter'], NOW);
    expect(named.effects).toEqual([{ kind: 'run', typed: "Pay]roll 'Ærø'" }]);
    const wrong = planKeys(planAt({ current: 1 }), [...'Payroll', 'enter'], NOW);
    expect(wrong.effects).toEqual([{ kind: 'message', text: "type the name exactly as shown (Pay]roll 'Ærø') to confirm" }]);
    expect(wrong.state.typed).toBe('Payroll');
    expect(planKeys(planAt({ current: 1 }), ['esc'], NOW).effects).toEqual([{ kind: 'stop' }]);
    expect(planKeys(planAt({ current: 5 }), ['enter'], NOW).effects).toEqual([{ kind: 'leave' }]);
    // Ctrl-E writes the script and the read goes on.
    expect(planKeys(planAt({ current: 0 }), ['ctrl+e', 'y'], NOW).effects).toEqual([{ kind: 'export' }, { kind: 'run', typed: '' }]);
  });

  it('keeps a skip reason typed in one read whole', () => {
    const skipping = planKeys(planAt({ current: 0, failed: true }), ['s'], NOW).state;
    expect(skipping.skipping).toBe('');
    expect(planKeys(skipping, [...'share offline', 'enter'], NOW).effects).toEqual([{ kind: 'skip', reason: 'share offline' }]);
    // A restore of the chain is never skipped: s does not start a reason there.
    const restore = planAt({ current: 1, failed: true });
    expect(planKeys(restore, ['s'], NOW).state.skipping).toBeNull();
  });

  it('never runs a failed step again on the r of a name typed ahead, in one read or just after', () => {
    const failed = planAt({ current: 1, failed: true });
    const typed = planKeys(failed, [..."Pay]roll 'Ærø'", 'enter'], NOW);
    expect(typed.effects).toEqual([{ kind: 'message', text: 'step 2 failed: r alone runs it again, Esc stops the plan; keys typed with other letters are ignored' }]);
    // An r a moment after those letters is still part of them; a second later it answers.
    expect(planKeys(typed.state, ['r'], NOW + 500).effects.map((e) => e.kind)).toEqual(['message']);
    expect(planKeys(typed.state, ['r'], NOW + 1500).effects).toEqual([{ kind: 'run', typed: '' }]);
  });

  it('confirms the remaining log restores together with the name once', () => {
    const batching = planKeys(planAt({ current: 3 }), ['ctrl+r'], NOW).state;
    expect(batching.batch).toEqual({ typed: '' });
    expect(planKeys(batching, [..."Pay]roll 'Ærø'", 'enter'], NOW).effects).toEqual([{ kind: 'batch', typed: "Pay]roll 'Ærø'", to: 4 }]);
  });

  it('while a statement runs, only Esc twice does anything: it cancels', () => {
    const st = planAt({ current: 1, running: { percent: 10, message: '', startedAt: NOW, cancel: null } });
    expect(planKeys(st, ['y', 'enter'], NOW).effects).toEqual([]);
    expect(planKeys(st, ['esc', 'esc'], NOW).effects).toEqual([{ kind: 'cancelRunning' }]);
  });

  it('hints in the status bar only what acts now: y or the name, never both', () => {
    const hints = (st: PlanState) => bindingsFor('plan', false).filter((b) => b.hint && !whyUnavailable(b, planCtx(st))).map((b) => b.label);
    expect(hints(planAt({ current: 0 }))).toEqual(['y', 'F1', 'Esc']);
    expect(hints(planAt({ current: 1 }))).toEqual(['NAME Enter', 'F1', 'Esc']);
    expect(hints(planAt({ current: 3 }))).toEqual(['NAME Enter', 'Ctrl-R', 'F1', 'Esc']);
    expect(hints(planAt({ current: 0, failed: true }))).toEqual(['r', 's', 'F1', 'Esc']);
    expect(hints(planAt({ current: 1, failed: true }))).toEqual(['r', 'F1', 'Esc']);
  });
});

describe("the confirm step's keys come from its own bindings", () => {
  const preview = (confirmWord: string | null): ActionPreview => ({ title: 't', steps: [{ script: 's', summary: 's' }], effect: 'e', confirmWord });
  const at = (confirmWord: string | null, over: Partial<ConfirmState> = {}): ConfirmState => ({ preview: preview(confirmWord), typed: '', running: null, result: null, ...over });
  const ctx = (st: ConfirmState): KeyContext => ({ screen: { kind: 'confirm', action: 'tail-log', key: 'k', back: { kind: 'dashboard' }, state: st }, selected: null });

  it.each([
    ['asks for y', at(null)],
    ['asks for the name', at('Sales]')],
  ] as const)('%s: every binding available acts, every other runs nothing', (_, st) => {
    for (const b of confirmBindings.filter((x) => x.command !== 'help')) {
      const why = whyUnavailable(b, ctx(st));
      const out = confirmKeys(st, press(b, st.preview.confirmWord ?? ''), NOW);
      if (why === null) expect(out.state !== st || out.effects.length > 0, `${b.label} should act`).toBe(true);
      else expect(out.effects.some((e) => e.kind === 'run'), `${b.label}: ${why}`).toBe(false);
    }
  });

  it('runs on y alone or the exact name, goes back on Esc, and leaves once the result is read', () => {
    expect(confirmKeys(at(null), ['y'], NOW).effects).toEqual([{ kind: 'run', typed: '' }]);
    expect(confirmKeys(at(null), ['x', 'y'], NOW).effects).toEqual([{ kind: 'message', text: 'this asks for y alone: keys typed with other letters are ignored' }]);
    expect(confirmKeys(at('Sales]'), [...'Sales]', 'enter'], NOW).effects).toEqual([{ kind: 'run', typed: 'Sales]' }]);
    expect(confirmKeys(at('Sales]'), ['esc'], NOW).effects).toEqual([{ kind: 'cancel' }]);
    expect(confirmKeys(at(null, { result: { ok: true, messages: [], error: null } }), ['enter'], NOW).effects).toEqual([{ kind: 'leave' }]);
  });
});

describe("the restore options' keys come from their own bindings", () => {
  const draft: PlanPreview = { ...plan, losesTail: null };
  const at = (field: number, over: Partial<OptionsState> = {}): OptionsState => ({ form: defaultRestoreForm, field, draft, ...over });
  const ctx = (st: OptionsState): KeyContext => ({ screen: { kind: 'options', key: 'k', title: 't', back: { kind: 'dashboard' }, state: st } as Screen, selected: null });

  it('Space toggles only a yes/no option, Ctrl-U clears only a text field, Enter begins only a drafted plan', () => {
    const byCommand = (c: string) => optionsBindings.find((b) => b.command === c)!;
    // Field 0 is the point in time (text), field 2 the tail-log toggle.
    expect(whyUnavailable(byCommand('toggle'), ctx(at(0)))).toMatch(/text field/);
    expect(optionsKeys(at(2), [' '], ).state.form.tailFirst).toBe(!defaultRestoreForm.tailFirst);
    expect(whyUnavailable(byCommand('clearField'), ctx(at(2)))).toMatch(/yes\/no/);
    expect(optionsKeys(at(1, { form: { ...defaultRestoreForm, as: 'Copy' } }), ['ctrl+u']).state.form.as).toBe('');
    expect(whyUnavailable(byCommand('begin'), ctx(at(0, { draft: null })))).toMatch(/being drafted/);
    expect(whyUnavailable(byCommand('begin'), ctx(at(0, { draft: { refused: 'no full backup' } })))).toBe('no plan for these options: no full backup');
    expect(optionsKeys(at(0), ['enter']).effect).toEqual({ kind: 'begin', planId: 'p' });
    expect(optionsKeys(at(0), ['esc', 'enter']).effect).toEqual({ kind: 'cancel' });
  });
});

describe("the browse screens' commands come from their own module", () => {
  const snapshot = fixtureSnapshot();
  const rows = buildRows(snapshot, initialGrid);
  const at = (screen: Screen, cursor = 1) => ({ screen, grid: initialGrid, cursor });
  const dbRow = rows.findIndex((r) => r.kind === 'database');
  const selected = (cursor: number) => {
    const row = rows[cursor];
    return row?.kind === 'database' ? row.db : null;
  };

  it('every dashboard binding that help calls available acts: it moves, opens, changes the grid or asks the console', () => {
    const st = at({ kind: 'dashboard' }, dbRow + 1);
    const ctx: KeyContext = { screen: st.screen, selected: selected(st.cursor) };
    for (const b of bindingsFor('dashboard', false)) {
      if (whyUnavailable(b, ctx) || b.command === 'up') continue;
      // Esc on the dashboard clears a filter: with none there is nothing to go back from.
      const from = b.command === 'back' ? { ...st, grid: { ...initialGrid, filter: 'x' } } : st;
      const out = browseKeys(from, b.command, rows, 10, ctx.selected);
      expect(out.state.cursor !== from.cursor || out.state.screen !== from.screen || out.state.grid !== from.grid || out.effects.length > 0, `${b.label} should act`).toBe(true);
    }
    expect(browseKeys(st, 'up', rows, 10, ctx.selected).state.cursor).toBe(dbRow);
  });

  it('goes back a level at a time: q on a view is Esc, Esc on the dashboard clears the filter, q there quits', () => {
    const detail: Screen = { kind: 'detail', key: rows[dbRow]!.key, scroll: 3 };
    expect(browseKeys(at(detail), 'quit', rows, 10, null).state.screen).toEqual({ kind: 'dashboard' });
    const filtered = { ...at({ kind: 'dashboard' }), grid: { ...initialGrid, filter: 'breach' } };
    expect(browseKeys(filtered, 'back', rows, 10, null).state.grid.filter).toBe('');
    expect(browseKeys(at({ kind: 'dashboard' }), 'quit', rows, 10, null).effects).toEqual([{ kind: 'quit' }]);
    // The detail view scrolls and never below its first row.
    expect(browseKeys(at(detail), 'pageUp', rows, 10, null).state.screen).toEqual({ ...detail, scroll: 0 });
  });

  it('hands an action to the console with the selected database, and opens a new filter with its prompt', () => {
    const db = selected(dbRow)!;
    expect(browseKeys(at({ kind: 'dashboard' }, dbRow), 'tailLog', rows, 10, db).effects).toEqual([{ kind: 'act', command: 'tailLog', key: db.key }]);
    const filter = browseKeys({ ...at({ kind: 'dashboard' }), grid: { ...initialGrid, filter: 'old' } }, 'filter', rows, 10, null);
    expect([filter.state.grid.filter, filter.effects]).toEqual(['', [{ kind: 'prompt', prompt: 'filter' }]]);
  });
});
