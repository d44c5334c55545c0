import { describe, expect, it } from 'vitest';
import { defaultRestoreForm } from '../../src/ui/actions-port.js';
import { FIELDS, optionsKey, type OptionsState } from '../../src/ui/restore-options.js';

const start: OptionsState = { form: defaultRestoreForm, field: 0, draft: null };
const press = (state: OptionsState, ...names: string[]) => {
  const actions: string[] = [];
  for (const n of names) {
    const next = optionsKey(state, n);
    state = next.state;
    actions.push(next.action);
  }
  return { state, actions };
};
const drafted = (state: OptionsState): OptionsState => ({
  ...state,
  draft: { planId: 'p', title: 't', facts: [], steps: [], confirmWord: 'db' },
});

describe('the restore options', () => {
  it('types into text fields, including keys that are commands elsewhere', () => {
    const { state, actions } = press(start, '2', '0', '2', '6', '-', 'q', 'j', 'k', 'backspace', 'backspace', 'backspace');
    expect(state.form.stopAt).toBe('2026-');
    expect(state.field).toBe(0);
    expect(actions.every((a) => a === 'redraft')).toBe(true);
  });

  it('moves with arrows and Tab (and j/k on toggles), wrapping around', () => {
    expect(press(start, 'up').state.field).toBe(FIELDS.length - 1);
    expect(press(start, 'tab', 'tab').state.field).toBe(2);
    expect(press(start, 'tab', 'tab', 'j', 'j', 'k').state.field).toBe(3);
    expect(press(start, 'down', 'shift+tab').state.field).toBe(0);
  });

  it('toggles with Space only, and redrafts', () => {
    const tail = FIELDS.findIndex((f) => f.id === 'tailFirst');
    const at = { ...start, field: tail };
    expect(press(at, ' ')).toMatchObject({ state: { form: { tailFirst: false } }, actions: ['redraft'] });
    expect(press(at, 'x').actions).toEqual(['none']);
  });

  it('begins only a plan that was drafted for the options on screen, and Esc cancels', () => {
    expect(press(start, 'enter').actions).toEqual(['none']);
    expect(press(drafted(start), 'enter').actions).toEqual(['begin']);
    // A change drops the draft: Enter right after it cannot begin the plan for the old options.
    expect(press(drafted(start), '1', 'enter').actions).toEqual(['redraft', 'none']);
    expect(press({ ...drafted(start), draft: { refused: 'no' } }, 'enter').actions).toEqual(['none']);
    expect(press(start, 'esc').actions).toEqual(['cancel']);
  });

  it('takes a second Enter to begin a plan that loses the tail of the log, and any change asks again', () => {
    const losing: OptionsState = { ...drafted(start), draft: { planId: 'p', title: 't', facts: [], steps: [], confirmWord: 'db', losesTail: 'this plan overwrites db without a tail-log backup' } };
    expect(press(losing, 'enter')).toMatchObject({ state: { lossAcknowledged: true }, actions: ['none'] });
    expect(press(losing, 'enter', 'enter').actions).toEqual(['none', 'begin']);
    const changed = press(losing, 'enter', '1').state;
    expect(changed.lossAcknowledged).toBe(false);
    expect(press(drafted(start), 'enter').actions).toEqual(['begin']);
  });
});

describe('the restore options on screen', () => {
  it('shows a box the plan cannot honour as not applied, with why, and what losing the tail costs', async () => {
    const { render } = await import('ink-testing-library');
    const { RestoreOptionsView } = await import('../../src/ui/RestoreOptionsView.js');
    const { loadTheme } = await import('../../src/ui/theme.js');
    const state: OptionsState = {
      form: { ...defaultRestoreForm, stopAt: '-10m' },
      field: 0,
      draft: {
        planId: 'p',
        title: 't',
        facts: [],
        steps: [],
        confirmWord: 'db',
        notApplied: { tailFirst: 'a point in time is restored without the tail' },
        losesTail: 'this plan overwrites db without a tail-log backup: what was written after 2026-11-27 09:00:00 (server time) is lost',
      },
      lossAcknowledged: true,
    };
    const frame = render(<RestoreOptionsView title="Restore" state={state} theme={loadTheme('default')} height={30} width={100} />).lastFrame() ?? '';
    expect(frame).toMatch(/Tail-log backup first +\[-\] not applied: a point in time is restored without the tail/);
    expect(frame).toMatch(/Close connections first +\[x\]/);
    expect(frame.replace(/\n/g, ' ')).toContain('⚠ this plan overwrites db without a tail-log backup: what was written after 2026-11-27 09:00:00 (server time) is lost. Press Enter again to begin anyway');
  });
});
