import { typeInto } from './keys.js';
import type { PlanPreview, RestoreForm } from './actions-port.js';

/**
 * The restore options screen as a pure model: the fields, the one with the cursor, and what a key does.
 * Text fields take printable keys (a database name may hold j, k or q); toggles take Space. Enter begins
 * the plan shown below the options, Esc goes back without anything journaled.
 */
export type FieldId = keyof RestoreForm;

export interface Field {
  id: FieldId;
  label: string;
  /** Shown under the fields while this one has the cursor. */
  hint: string;
  /** What an empty text field means. */
  empty?: string;
}

export const FIELDS: readonly Field[] = [
  { id: 'stopAt', label: 'Point in time', hint: "YYYY-MM-DD HH:MM[:SS] on the server's clock (UTC after it for a group over time zones), or -10m, -2h; a group: mark (the newest common mark) or mark:NAME; empty: the latest", empty: '(the latest point)' },
  { id: 'as', label: 'Restore as', hint: 'type a new name to restore a copy beside the database, its files moved; empty to restore over it', empty: '(over this database)' },
  { id: 'tailFirst', label: 'Tail-log backup first', hint: 'Space: back up the tail of the log first, so nothing it holds is lost (over the database, to the latest point)' },
  { id: 'verifyFirst', label: 'Verify backups first', hint: 'Space: RESTORE VERIFYONLY every backup of the chain before anything changes' },
  { id: 'closeConnections', label: 'Close connections first', hint: 'Space: SINGLE_USER WITH ROLLBACK IMMEDIATE in the batch of the tail (or the first restore), MULTI_USER at the end' },
  { id: 'recover', label: 'Recover at the end', hint: 'Space: off leaves the database RESTORING, to apply more logs later' },
];

export interface OptionsState {
  form: RestoreForm;
  field: number;
  /** The plan these options give (null while it is being drafted). */
  draft: PlanPreview | { refused: string } | null;
  /** Enter was pressed once on a plan that loses the tail: the next Enter begins it. */
  lossAcknowledged?: boolean;
}

export type OptionsAction = 'none' | 'redraft' | 'begin' | 'cancel';

/** Applies one key; `redraft` when the form changed and the plan below must follow it. */
export function optionsKey(state: OptionsState, name: string): { state: OptionsState; action: OptionsAction } {
  const field = FIELDS[state.field]!;
  const text = typeof state.form[field.id] === 'string';
  const move = (by: number) => ({ state: { ...state, field: (state.field + by + FIELDS.length) % FIELDS.length }, action: 'none' as const });
  if (name === 'esc') return { state, action: 'cancel' };
  if (name === 'enter') {
    const draft = state.draft && 'planId' in state.draft ? state.draft : null;
    if (!draft) return { state, action: 'none' };
    // Losing the tail of the log takes its own keystroke: one Enter never overwrites it.
    if (draft.losesTail && !state.lossAcknowledged) return { state: { ...state, lossAcknowledged: true }, action: 'none' };
    return { state, action: 'begin' };
  }
  if (name === 'up' || name === 'shift+tab' || (!text && name === 'k')) return move(-1);
  if (name === 'down' || name === 'tab' || (!text && name === 'j')) return move(1);
  const set = (value: string | boolean) => ({
    state: { ...state, form: { ...state.form, [field.id]: value }, draft: null, lossAcknowledged: false },
    action: 'redraft' as const,
  });
  if (!text) return name === ' ' ? set(!state.form[field.id]) : { state, action: 'none' };
  const value = state.form[field.id] as string;
  if (name === 'ctrl+u') return set('');
  const typed = typeInto(value, name);
  return typed === null || typed === value ? { state, action: 'none' } : set(typed);
}
