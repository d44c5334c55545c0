import type { Key } from 'ink';
import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import type { Screen, ScreenStates } from './screens/screen.js';

/**
 * What a key is, in the keymap's terms: the screens (scopes), the commands, a binding's shape, and how a key
 * press is named. Each screen's module (src/ui/screens/) exports its own bindings; keymap.ts gathers them.
 */
export type Scope = Screen['kind'];

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'open'
  | 'instance'
  | 'back'
  | 'filter'
  | 'command'
  | 'sort'
  | 'reverse'
  | 'group'
  | 'refresh'
  | 'help'
  | 'tailLog'
  | 'recover'
  | 'restore'
  | 'restoreGroup'
  | 'drill'
  | 'freeze'
  | 'copyDatabase'
  | 'copyFleet'
  | 'quit'
  | 'answer'
  | 'confirmName'
  | 'cancel'
  | 'choose'
  | 'toggle'
  | 'clearField'
  | 'begin'
  | 'batch'
  | 'retry'
  | 'skip'
  | 'exportPlan';

/** What a binding's availability is judged on: the screen as it is, and the database the keys would act on. */
export interface KeyContext {
  screen: Screen;
  /** The selected database (the grid's row, the detail view's database); null on a heading or elsewhere. */
  selected: DatabaseSnapshot | null;
}

export interface Binding {
  command: Command;
  /** Key names: a printable character, or up, down, pageup, pagedown, home, end, enter, esc, tab, f1. */
  keys: string[];
  label: string;
  description: string;
  scopes: Scope[];
  /** Changes a server: hidden and refused in read-only mode. */
  mutates: boolean;
  /** Shown in the status bar (the rest only in help). */
  hint: boolean;
  /** Why the key does nothing now (help says so, the status bar leaves it out, a press tells it); null when it acts. */
  unavailable?: (ctx: KeyContext) => string | null;
}

/** An `unavailable` judged on one screen's state (elsewhere the binding is not in scope: always available). */
export const judgedOn =
  <K extends keyof ScreenStates>(kind: K, why: (state: ScreenStates[K]) => string | null) =>
  (ctx: KeyContext): string | null =>
    ctx.screen.kind === kind ? why((ctx.screen as unknown as { state: ScreenStates[K] }).state) : null;

/** The name of a key press in the keymap's terms. Several keys in one read arrive as one string: each is named. */
export function keyNames(input: string, key: Key): string[] {
  const names = plainKeyNames(input, key);
  // An Esc typed just before another key reaches the terminal in the same read, and ink parses the pair
  // as Alt+key (meta). rpotop binds no Alt key, so it is what was typed: the Esc, then the key.
  return key.meta && !key.escape ? ['esc', ...names] : names;
}

function plainKeyNames(input: string, key: Key): string[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.return) return ['enter'];
  if (key.escape) return ['esc'];
  if (key.tab) return [key.shift ? 'shift+tab' : 'tab'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl) return [`ctrl+${input}`];
  const named: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\x1b': 'esc', '\x7f': 'backspace', '\t': 'tab' };
  return [...input].map((ch) => named[ch] ?? ch);
}

/** A text field's value after one key: Backspace deletes, a printable character appends; null for any other key. */
export function typeInto(text: string, name: string): string | null {
  if (name === 'backspace') return text.slice(0, -1);
  if (!name.startsWith('ctrl+') && [...name].length === 1) return text + name;
  return null;
}
