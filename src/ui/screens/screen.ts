import type { ActionKind } from '../actions-port.js';
import type { ConfirmState } from '../ConfirmView.js';
import type { PlanState } from '../PlanView.js';
import type { OptionsState } from '../restore-options.js';

/** The console's screens; each that was opened from another returns to it. */
export type Screen =
  /** `group`: the options of an application group's restore (every member to one point); `key` is then its row's. */
  | { kind: 'options'; key: string; title: string; state: OptionsState; back: Screen; group?: string }
  | { kind: 'plan'; key: string; state: PlanState; back: Screen }
  | { kind: 'confirm'; action: ActionKind; key: string; state: ConfirmState; back: Screen }
  | { kind: 'dashboard' }
  | { kind: 'detail'; key: string; scroll: number }
  | { kind: 'instance'; name: string; back: Screen }
  | { kind: 'help'; back: Screen };

export type ScreenOf<K extends Screen['kind']> = Extract<Screen, { kind: K }>;

/** The state of each screen that keeps one. */
export interface ScreenStates {
  confirm: ConfirmState;
  options: OptionsState;
  plan: PlanState;
}
