import type { Binding, KeyContext, Scope } from '../keys.js';

/**
 * The screens that read the fleet and change nothing by themselves: the dashboard (the grid), a database's
 * detail, an instance, and help. Their keys are commands (App.tsx runs them); a key that starts an action
 * opens one of the action screens (confirm, options, plan), which take every key themselves.
 */

/** Keys that act on a database: none while the selection is a heading (grouped rows) or nothing. */
const needsDatabase = (ctx: KeyContext) => (ctx.selected ? null : 'select a database row (not a heading)');
const needsGroup = (ctx: KeyContext) =>
  needsDatabase(ctx) ?? (ctx.selected!.groups.length === 0 ? "the selected database is in no application group (P restores a group: select one of its databases)" : null);

const ALL: Scope[] = ['dashboard', 'detail', 'instance', 'help'];
/** Views that move (the grid's selection, the detail view's scroll); the instance view fits its screen and does not. */
const LISTS: Scope[] = ['dashboard', 'detail'];

export const browseBindings: readonly Binding[] = [
  { command: 'up', keys: ['k', 'up'], label: '↑/k', description: 'move up', scopes: LISTS, mutates: false, hint: false },
  { command: 'down', keys: ['j', 'down'], label: '↓/j', description: 'move down', scopes: LISTS, mutates: false, hint: false },
  { command: 'pageUp', keys: ['pageup', 'ctrl+b'], label: 'PgUp', description: 'page up', scopes: LISTS, mutates: false, hint: false },
  { command: 'pageDown', keys: ['pagedown', 'ctrl+f'], label: 'PgDn', description: 'page down', scopes: LISTS, mutates: false, hint: false },
  { command: 'top', keys: ['g', 'home'], label: 'g/Home', description: 'first row', scopes: LISTS, mutates: false, hint: false },
  { command: 'bottom', keys: ['G', 'end'], label: 'G/End', description: 'last row', scopes: LISTS, mutates: false, hint: false },
  { command: 'open', keys: ['enter', 'l', 'right'], label: 'Enter', description: 'open the database: history, timeline, findings', scopes: ['dashboard'], mutates: false, hint: true, unavailable: needsDatabase },
  { command: 'instance', keys: ['i'], label: 'i', description: 'open the instance: version, clock, encryption, errors', scopes: ['dashboard', 'detail'], mutates: false, hint: true, unavailable: needsDatabase },
  { command: 'filter', keys: ['/'], label: '/', description: 'new filter by text or status word (breach, unknown...); Up recalls the last one', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'command', keys: [':'], label: ':', description: 'command: :db NAME, :instance NAME, :sort COLUMN, :group instance|group|none, :resume, :q', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'sort', keys: ['s'], label: 's', description: 'sort by the next column', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'reverse', keys: ['S'], label: 'S', description: 'reverse the sort', scopes: ['dashboard'], mutates: false, hint: false },
  { command: 'group', keys: ['a'], label: 'a', description: 'group rows: none, by instance, by application group', scopes: ['dashboard'], mutates: false, hint: true },
  { command: 'tailLog', keys: ['t'], label: 't', description: 'tail-log backup of the selected database (confirmed first)', scopes: ['dashboard', 'detail'], mutates: true, hint: true, unavailable: needsDatabase },
  { command: 'recover', keys: ['o'], label: 'o', description: 'bring a RESTORING database back online (confirmed first)', scopes: ['dashboard', 'detail'], mutates: true, hint: false, unavailable: needsDatabase },
  { command: 'restore', keys: ['p'], label: 'p', description: 'restore: choose the options (point in time, new name, verify...), then step through the plan', scopes: ['dashboard', 'detail'], mutates: true, hint: true, unavailable: needsDatabase },
  { command: 'restoreGroup', keys: ['P'], label: 'P', description: "restore the selected database's application group: every member to one common point, the operator's steps (stop the application) confirmed in the plan", scopes: ['dashboard', 'detail'], mutates: true, hint: false, unavailable: needsGroup },
  { command: 'drill', keys: ['D'], label: 'D', description: "restore drill: the latest chain restored as a copy on the drill target, DBCC CHECKDB, the copy dropped (the copy's name typed first)", scopes: ['dashboard', 'detail'], mutates: true, hint: false, unavailable: needsDatabase },
  { command: 'freeze', keys: ['Z'], label: 'Z', description: 'freeze the order of the rows while you read (values still update); Z again lets them move', scopes: ['dashboard'], mutates: false, hint: false },
  { command: 'copyDatabase', keys: ['y'], label: 'y', description: "copy the selected database's status and facts to the clipboard (through the terminal: OSC 52)", scopes: ['dashboard', 'detail'], mutates: false, hint: false, unavailable: needsDatabase },
  { command: 'copyFleet', keys: ['Y'], label: 'Y', description: "copy the fleet's status as Markdown, for a chat or a ticket (OSC 52)", scopes: ['dashboard', 'detail'], mutates: false, hint: false },
  { command: 'refresh', keys: ['r'], label: 'r', description: 'poll every instance now', scopes: ALL, mutates: false, hint: false },
  { command: 'back', keys: ['esc', 'h', 'left', 'backspace'], label: 'Esc', description: 'back (or clear the filter)', scopes: ALL, mutates: false, hint: true },
  { command: 'help', keys: ['?', 'f1'], label: '?', description: 'this help (F1 too)', scopes: ALL, mutates: false, hint: true },
  { command: 'quit', keys: ['q', 'ctrl+c'], label: 'q', description: 'back from a view; on the dashboard, quit and restore the terminal (Ctrl-C quits anywhere)', scopes: ALL, mutates: false, hint: true },
];
