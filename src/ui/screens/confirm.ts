import type { ConfirmState } from '../ConfirmView.js';
import { judgedOn, typeInto, type Binding } from '../keys.js';
import { runningKeys } from './running-keys.js';
import { answersAlone, isLetter } from './answer-alone.js';

/**
 * The confirm step of one action (a tail-log backup, bringing a database online, a drill): the statement
 * shown, then y, or the database's name and Enter where the statement overwrites a database or takes it
 * offline. It takes every key itself: a database name may hold q, j or any other command key.
 */

const busy = (st: ConfirmState) => (st.running ? 'a statement is running (Esc asks whether to cancel it)' : st.result ? 'done: Enter or Esc goes back' : null);

export const confirmBindings: readonly Binding[] = [
  {
    command: 'answer', keys: ['y'], label: 'y', scopes: ['confirm'], mutates: true, hint: true,
    description: 'run the statement shown: a y typed with other letters, or just after them, is text and runs nothing',
    unavailable: judgedOn('confirm', (st) => busy(st) ?? (st.preview.confirmWord !== null ? `this statement asks for the name ${st.preview.confirmWord}, then Enter` : null)),
  },
  {
    command: 'confirmName', keys: ['enter'], label: 'NAME Enter', scopes: ['confirm'], mutates: true, hint: true,
    description: 'run the statement: its database name typed exactly as shown, then Enter, where the statement overwrites a database or takes it offline',
    unavailable: judgedOn('confirm', (st) => busy(st) ?? (st.preview.confirmWord === null ? 'this statement asks for y alone' : null)),
  },
  { command: 'help', keys: ['f1'], label: 'F1', description: 'this help (? is typed text here); not while the statement runs', scopes: ['confirm'], mutates: false, hint: true },
  {
    command: 'cancel', keys: ['esc'], label: 'Esc', scopes: ['confirm'], mutates: false, hint: true,
    description: 'go back, nothing sent; while the statement runs, asks whether to cancel it (SQL Server rolls it back)',
  },
];

export type ConfirmEffect =
  /** Back to the screen it came from: the result was read. */
  | { kind: 'leave' }
  /** Back without sending anything. */
  | { kind: 'cancel' }
  | { kind: 'run'; typed: string }
  | { kind: 'message'; text: string }
  /** Ask SQL Server to stop the running statement (an attention). */
  | { kind: 'cancelRunning' };

/** The confirm step after the keys of one read, in order, and what they ask the console to do. Pure. */
export function confirmKeys(st: ConfirmState, names: readonly string[], now: number): { state: ConfirmState; effects: ConfirmEffect[] } {
  if (st.result) return { state: st, effects: names.includes('enter') || names.includes('esc') ? [{ kind: 'leave' }] : [] };
  if (st.running) {
    const r = runningKeys(st.running, names);
    return { state: { ...st, running: r.running }, effects: r.cancel ? [{ kind: 'cancelRunning' }] : [] };
  }
  const word = st.preview.confirmWord;
  let typed = st.typed;
  // Keys typed ahead arrive together: each in order (a backspace, then the name, then Enter).
  for (const [i, name] of names.entries()) {
    if (name === 'esc') return { state: st, effects: [{ kind: 'cancel' }] };
    if (word === null) {
      if (name === 'y' && answersAlone(names, i, st.strayAt ?? null, now)) return { state: st, effects: [{ kind: 'run', typed }] };
      if (isLetter(name)) return { state: { ...st, strayAt: now }, effects: [{ kind: 'message', text: 'this asks for y alone: keys typed with other letters are ignored' }] };
      continue;
    }
    if (name === 'enter') {
      if (typed === word) return { state: st, effects: [{ kind: 'run', typed }] };
      return { state: { ...st, typed }, effects: [{ kind: 'message', text: `type the name exactly as shown (${word}) to confirm` }] };
    }
    typed = typeInto(typed, name) ?? typed;
  }
  return { state: { ...st, typed }, effects: [] };
}
