import type { Key } from 'ink';

/**
 * Every key rpotop answers, as data: input handling, the help view, the status-bar hints and read-only
 * filtering all read this one table (docs/architecture.md 1).
 */
export type Scope = 'dashboard' | 'detail' | 'instance' | 'help' | 'confirm' | 'options' | 'plan';

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
}

const ALL: Scope[] = ['dashboard', 'detail', 'instance', 'help'];
/**
 * The screens that change a server take every key themselves (a name typed there may hold any letter), so
 * their bindings describe what those screens do with keys, for help and hints; they are not dispatched.
 */
const ACTION: Scope[] = ['confirm', 'options', 'plan'];
const ASKS: Scope[] = ['confirm', 'plan'];
/** Views that move (the grid's selection, the detail view's scroll); the instance view fits its screen and does not. */
const LISTS: Scope[] = ['dashboard', 'detail'];

export const keymap: readonly Binding[] = [
  { command: 'up', keys: ['k', 'up'], label: '↑/k', description: 'move up', scopes: LISTS, mutates: false, hint: false },
  { command: 'down', keys: ['j', 'down'], label: '↓/j', description: 'move down', scopes: LISTS, mutates: false, hint: false },
  { command: 'pageUp', keys: ['pageup', 'ctrl+b'], label: 'PgUp', description: 'page up', scopes: LISTS, mutates: false, hint: false },
  { command: 'pageDown', keys: ['pagedown', 'ctrl+f'], label: 'PgDn', description: 'page down', scopes: LISTS, mutates: false, hint: false },
  { command: 'top', keys: ['g', 'home'], label: 'g/Home', description: 'first row', scopes: LISTS, mutates: false, hint: false },
  { command: 'bottom', keys: ['G', 'end'], label: 'G/End', description: 'last row', scopes: LISTS, mutates: false, hint: false },
  { command: 'open', keys: ['enter', 'l', 'right'], label: 'Enter', description: 'open the database: history, timeline, findings', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'instance', keys: ['i'], label: 'i', description: 'open the instance: version, clock, encryption, errors', scopes: ['dashboard', 'detail'], mutates: false, hint: true },
  { command: 'filter', keys: ['/'], label: '/', description: 'new filter by text or status word (breach, unknown...); Up recalls the last one', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'command', keys: [':'], label: ':', description: 'command: :db NAME, :instance NAME, :sort COLUMN, :group instance|group|none, :resume, :q', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'sort', keys: ['s'], label: 's', description: 'sort by the next column', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'reverse', keys: ['S'], label: 'S', description: 'reverse the sort', scopes: ['dashboard'], mutates: false, hint: false },
  { command: 'group', keys: ['a'], label: 'a', description: 'group rows: none, by instance, by application group', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'tailLog', keys: ['t'], label: 't', description: 'tail-log backup of the selected database (confirmed first)', scopes: ['dashboard', 'detail'], mutates: true, hint: true },
  { command: 'recover', keys: ['o'], label: 'o', description: 'bring a RESTORING database back online (confirmed first)', scopes: ['dashboard', 'detail'], mutates: true, hint: false },
  { command: 'restore', keys: ['p'], label: 'p', description: 'restore: choose the options (point in time, new name, verify...), then step through the plan', scopes: ['dashboard', 'detail'], mutates: true, hint: true },
  { command: 'restoreGroup', keys: ['P'], label: 'P', description: "restore the selected database's application group: every member to one common point, the operator's steps (stop the application) confirmed in the plan", scopes: ['dashboard', 'detail'], mutates: true, hint: false },
  { command: 'drill', keys: ['D'], label: 'D', description: "restore drill: the latest chain restored as a copy on the drill target, DBCC CHECKDB, the copy dropped (the copy's name typed first)", scopes: ['dashboard', 'detail'], mutates: true, hint: false },
  { command: 'freeze', keys: ['Z'], label: 'Z', description: 'freeze the order of the rows while you read (values still update); Z again lets them move', scopes: ['dashboard'], mutates: false, hint: false },
  { command: 'copyDatabase', keys: ['y'], label: 'y', description: "copy the selected database's status and facts to the clipboard (through the terminal: OSC 52)", scopes: ['dashboard', 'detail'], mutates: false, hint: false },
  { command: 'copyFleet', keys: ['Y'], label: 'Y', description: "copy the fleet's status as Markdown, for a chat or a ticket (OSC 52)", scopes: ['dashboard', 'detail'], mutates: false, hint: false },
  { command: 'refresh', keys: ['r'], label: 'r', description: 'poll every instance now', scopes: ALL, mutates: false, hint: false },
  { command: 'back', keys: ['esc', 'h', 'left', 'backspace'], label: 'Esc', description: 'back (or clear the filter)', scopes: ALL, mutates: false, hint: true },
  { command: 'help', keys: ['?', 'f1'], label: '?', description: 'this help (F1 too)', scopes: ALL, mutates: false, hint: true },
  { command: 'help', keys: ['f1'], label: 'F1', description: 'this help (? is typed text here); not while a statement runs', scopes: ACTION, mutates: false, hint: true },
  { command: 'answer', keys: ['y'], label: 'y', description: 'run the statement shown, where the screen asks for y: a y typed with other letters, or just after them, is text and runs nothing', scopes: ASKS, mutates: true, hint: false },
  { command: 'confirmName', keys: ['enter'], label: 'NAME Enter', description: 'where the screen asks for a name: type it exactly as shown, then Enter, to run a statement that overwrites a database or takes it offline (done, for your own step)', scopes: ASKS, mutates: true, hint: false },
  { command: 'batch', keys: ['ctrl+r'], label: 'Ctrl-R', description: 'after a first log restore succeeded: confirm the remaining log restores together (the name once); each still runs on its own and the first failure stops the rest', scopes: ['plan'], mutates: true, hint: false },
  { command: 'retry', keys: ['r'], label: 'r', description: 'after a step failed: run it again', scopes: ['plan'], mutates: true, hint: false },
  { command: 'skip', keys: ['s'], label: 's', description: 'after a check (VERIFYONLY) or MULTI_USER failed: skip it, with a reason the journal keeps; a BACKUP or RESTORE of the chain is never skipped', scopes: ['plan'], mutates: false, hint: false },
  { command: 'exportPlan', keys: ['ctrl+e'], label: 'Ctrl-E', description: 'write the whole plan, exactly as it runs, to a new .sql file in the working directory', scopes: ['plan'], mutates: false, hint: false },
  { command: 'choose', keys: ['up', 'down', 'tab', 'shift+tab'], label: '↑/↓ Tab', description: 'choose an option (j and k too, outside a text field)', scopes: ['options'], mutates: false, hint: false },
  { command: 'toggle', keys: [' '], label: 'Space', description: 'turn a yes/no option on or off', scopes: ['options'], mutates: false, hint: false },
  { command: 'clearField', keys: ['ctrl+u'], label: 'Ctrl-U', description: 'clear the text field (a time, a new name)', scopes: ['options'], mutates: false, hint: false },
  { command: 'begin', keys: ['enter'], label: 'Enter', description: 'begin the plan shown (each step is still confirmed on its own); a plan that loses the tail asks for a second Enter', scopes: ['options'], mutates: true, hint: false },
  { command: 'cancel', keys: ['esc'], label: 'Esc', description: 'go back, or stop a plan before its next step (later steps do not run); while a statement runs, asks whether to cancel it (SQL Server rolls it back)', scopes: ACTION, mutates: false, hint: true },
  { command: 'quit', keys: ['q', 'ctrl+c'], label: 'q', description: 'back from a view; on the dashboard, quit and restore the terminal (Ctrl-C quits anywhere)', scopes: ALL, mutates: false, hint: true },
];

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

export function bindingsFor(scope: Scope, readOnly: boolean): Binding[] {
  return keymap.filter((b) => b.scopes.includes(scope) && !(readOnly && b.mutates));
}

export function commandFor(scope: Scope, name: string, readOnly: boolean): Command | null {
  return bindingsFor(scope, readOnly).find((b) => b.keys.includes(name))?.command ?? null;
}

/** A text field's value after one key: Backspace deletes, a printable character appends; null for any other key. */
export function typeInto(text: string, name: string): string | null {
  if (name === 'backspace') return text.slice(0, -1);
  if (!name.startsWith('ctrl+') && [...name].length === 1) return text + name;
  return null;
}
