import type { DatabaseSnapshot } from '../../fleet/snapshot.js';
import { moveSelection, nextSortKey, type GridRow, type GridState } from '../grid-model.js';
import type { Binding, Command, KeyContext, Scope } from '../keys.js';
import type { Screen } from './screen.js';

/**
 * The screens that read the fleet and change nothing by themselves: the dashboard (the grid), a database's
 * detail, an instance, and help. Their keys are commands, carried out by browseKeys below (pure) and, for what
 * needs the world, by App.tsx; a key that starts an action opens one of the action screens (confirm,
 * options, plan), which take every key themselves.
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

/** What the browse screens' keys change: the screen, the grid's view, and the selection (an index into its rows). */
export interface BrowseState {
  screen: Screen;
  grid: GridState;
  cursor: number;
}

export type BrowseEffect =
  | { kind: 'quit' }
  | { kind: 'refresh' }
  /** A command on a database (an action, a copy) or the fleet (a copy): the console asks the actions or the terminal. */
  | { kind: 'act'; command: Command; key: string | null }
  | { kind: 'prompt'; prompt: 'filter' | 'command' }
  | { kind: 'message'; text: string };

const SCROLL: Partial<Record<Command, number>> = { up: -1, down: 1, pageUp: -10, pageDown: 10, top: -1e9, bottom: 1e9 };
const ACTS: ReadonlySet<Command> = new Set<Command>(['tailLog', 'recover', 'restore', 'restoreGroup', 'drill', 'copyDatabase', 'copyFleet']);

/**
 * A browse screen after one command: pure over the screen, the grid's view and the selection, with the rows
 * on screen (`page` of them) and the database selected; what needs the world (quitting, polling, an action,
 * the clipboard, a prompt) comes back as effects, in order.
 */
export function browseKeys(st: BrowseState, command: Command, rows: readonly GridRow[], page: number, selected: DatabaseSnapshot | null): { state: BrowseState; effects: BrowseEffect[] } {
  const { screen, grid, cursor } = st;
  const to = (next: Partial<BrowseState>, ...effects: BrowseEffect[]) => ({ state: { ...st, ...next }, effects });
  if (command === 'quit') return screen.kind === 'dashboard' ? to({}, { kind: 'quit' }) : browseKeys(st, 'back', rows, page, selected);
  if (command === 'help') return to(screen.kind === 'help' ? {} : { screen: { kind: 'help', back: screen } });
  if (command === 'refresh') return to({}, { kind: 'refresh' }, { kind: 'message', text: 'polling every instance now' });
  if (ACTS.has(command)) return to({}, { kind: 'act', command, key: selected?.key ?? null });
  if (command === 'back') {
    if ('back' in screen) return to({ screen: screen.back });
    if (screen.kind === 'detail') return to({ screen: { kind: 'dashboard' } });
    return to(grid.filter ? { grid: { ...grid, filter: '' } } : {});
  }
  if (screen.kind === 'detail') {
    const by = SCROLL[command];
    if (by !== undefined) return to({ screen: { ...screen, scroll: Math.max(0, screen.scroll + by) } });
    if (command === 'instance' && selected) return to({ screen: { kind: 'instance', name: selected.instance, back: screen } });
    return to({});
  }
  if (screen.kind !== 'dashboard') return to({});
  const row = rows[cursor];
  switch (command) {
    case 'up':
      return to({ cursor: moveSelection(rows, cursor, -1) });
    case 'down':
      return to({ cursor: moveSelection(rows, cursor, 1) });
    case 'pageUp':
      return to({ cursor: moveSelection(rows, cursor, -page) });
    case 'pageDown':
      return to({ cursor: moveSelection(rows, cursor, page) });
    case 'top':
      return to({ cursor: moveSelection(rows, 0, 0) });
    case 'bottom':
      return to({ cursor: moveSelection(rows, rows.length - 1, 0) });
    case 'open':
      return to(row?.kind === 'database' ? { screen: { kind: 'detail', key: row.key, scroll: 0 } } : {});
    case 'instance':
      return to(row?.kind === 'database' ? { screen: { kind: 'instance', name: row.db.instance, back: screen } } : {});
    case 'filter':
      // A new filter each time: reopening the old one and appending to it matched nothing.
      return to({ grid: { ...grid, filter: '' } }, { kind: 'prompt', prompt: 'filter' });
    case 'command':
      return to({}, { kind: 'prompt', prompt: 'command' });
    case 'freeze':
      return grid.frozen
        ? to({ grid: { ...grid, frozen: null } }, { kind: 'message', text: 'rows move again as their status changes' })
        : to(
            { grid: { ...grid, frozen: new Map(rows.filter((r) => r.kind === 'database').map((r, i) => [r.key, i])) } },
            { kind: 'message', text: 'order frozen: values update, rows stay where they are (Z again to let them move)' },
          );
    case 'sort':
      return to({ grid: { ...grid, frozen: null, sort: { key: nextSortKey(grid.sort.key), desc: nextSortKey(grid.sort.key) === 'status' } } });
    case 'reverse':
      return to({ grid: { ...grid, frozen: null, sort: { ...grid.sort, desc: !grid.sort.desc } } });
    case 'group':
      return to({ grid: { ...grid, groupBy: grid.groupBy === 'none' ? 'instance' : grid.groupBy === 'instance' ? 'group' : 'none' } });
    default:
      return to({});
  }
}
