import { judgedOn, type Binding } from '../keys.js';
import { FIELDS, optionsKey, type OptionsState } from '../restore-options.js';

/**
 * The restore options (point in time, new name, tail first, verify, close connections, recover), with the
 * plan they give drafted below as they change; Enter begins that plan, whose steps are each confirmed.
 * The field model is restore-options.ts; this is what a read of keys does with it.
 */

const onText = (st: OptionsState) => typeof st.form[FIELDS[st.field]!.id] === 'string';

export const optionsBindings: readonly Binding[] = [
  { command: 'choose', keys: ['up', 'down', 'tab', 'shift+tab'], label: '↑/↓ Tab', description: 'choose an option (j and k too, outside a text field)', scopes: ['options'], mutates: false, hint: true },
  {
    command: 'toggle', keys: [' '], label: 'Space', description: 'turn a yes/no option on or off', scopes: ['options'], mutates: false, hint: true,
    unavailable: judgedOn('options', (st) => (onText(st) ? 'the cursor is on a text field: a space is typed into it' : null)),
  },
  {
    command: 'clearField', keys: ['ctrl+u'], label: 'Ctrl-U', description: 'clear the text field (a time, a new name)', scopes: ['options'], mutates: false, hint: false,
    unavailable: judgedOn('options', (st) => (onText(st) ? null : 'the cursor is on a yes/no option')),
  },
  {
    command: 'begin', keys: ['enter'], label: 'Enter', scopes: ['options'], mutates: true, hint: true,
    description: 'begin the plan shown (each step is still confirmed on its own); a plan that loses the tail asks for a second Enter',
    unavailable: judgedOn('options', (st) =>
      st.draft === null ? 'the plan for these options is being drafted' : 'refused' in st.draft ? `no plan for these options: ${st.draft.refused}` : null),
  },
  { command: 'help', keys: ['f1'], label: 'F1', description: 'this help (? is typed text here)', scopes: ['options'], mutates: false, hint: true },
  { command: 'cancel', keys: ['esc'], label: 'Esc', description: 'go back: nothing is sent or journaled', scopes: ['options'], mutates: false, hint: true },
];

export type OptionsEffect = { kind: 'cancel' } | { kind: 'begin'; planId: string } | null;

/**
 * The options after the keys of one read, in order; `redraft` when the form changed (the plan below must
 * follow it). Esc or a begun plan ends the read: keys after it were typed before the next screen showed.
 */
export function optionsKeys(st: OptionsState, names: readonly string[]): { state: OptionsState; effect: OptionsEffect; redraft: boolean } {
  let state = st;
  let redraft = false;
  for (const name of names) {
    const next = optionsKey(state, name);
    state = next.state;
    redraft ||= next.action === 'redraft';
    if (next.action === 'cancel') return { state, effect: { kind: 'cancel' }, redraft: false };
    if (next.action === 'begin' && state.draft && 'planId' in state.draft) return { state, effect: { kind: 'begin', planId: state.draft.planId }, redraft };
  }
  return { state, effect: null, redraft };
}
