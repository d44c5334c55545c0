import { Box, useApp, useInput, useStdout } from 'ink';
import { Text } from './Text.js';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { BackupSet } from '../domain/history.js';
import { withPolled } from '../fleet/history-cache.js';
import { serverClock, type FleetSnapshot } from '../fleet/snapshot.js';
import { DetailView } from './DetailView.js';
import {
  buildRows,
  findDatabaseRow,
  indexOfKey,
  initialGrid,
  scrollTop,
  SORT_KEYS,
  type GridState,
  type SortKey,
} from './grid-model.js';
import { Grid } from './Grid.js';
import { Header } from './Header.js';
import { HelpView } from './HelpView.js';
import { InstanceView } from './InstanceView.js';
import { bindingFor, keymap, whyUnavailable } from './keymap.js';
import { browseKeys } from './screens/browse.js';
import { keyNames, typeInto, type Command, type KeyContext } from './keys.js';
import { useF1 } from './function-keys.js';
import type { SnapshotSource } from './source.js';
import { defaultRestoreForm, type ActionKind, type ActionsPort, type PlanPort } from './actions-port.js';
import { actionScreens } from './action-screens.js';
import { planState } from './screens/plan.js';
import type { Screen } from './screens/screen.js';
import { RestoreOptionsView } from './RestoreOptionsView.js';
import { PlanView } from './PlanView.js';
import { ConfirmView } from './ConfirmView.js';
import { StatusBar } from './StatusBar.js';
import { fitColumns } from './cells.js';
import { completeCommand } from './complete.js';
import { statusGlyph } from '../domain/status.js';
import { osc52 } from './clipboard.js';
import { formatMarkdown } from '../report/markdown.js';
import { databaseFacts } from '../report/columns.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

interface UiState {
  grid: GridState;
  selectedKey: string | null;
  top: number;
  screen: Screen;
  /** `choices`: what Tab found more than one of, shown after the text until the next key. */
  prompt: { kind: 'filter' | 'command'; text: string; choices?: string[] } | null;
  message: string | null;
  /** When the screen last changed kind (ms), for SETTLE_MS. */
  screenSince: number;
  /** The last filter and command submitted with Enter: Up in an empty prompt recalls them. */
  recall: { filter: string; command: string };
}

/**
 * Keys that reach an action screen (options, a confirmation, a plan) within this time of its opening were
 * typed before anyone could read it: typed ahead for the screen before (a name for a prompt that had not
 * appeared yet), they are dropped, never answers. Reading a new screen takes longer than this.
 */
const SETTLE_MS = 250;
const ACTION_SCREENS: ReadonlySet<Screen['kind']> = new Set(['confirm', 'plan', 'options']);

interface Props {
  source: SnapshotSource;
  /** Absent: the console offers no action (read-only by construction). */
  actions?: ActionsPort & PlanPort;
  theme: Theme;
  readOnly: boolean;
  /** For tests: a fixed terminal size instead of the real one. */
  size?: { columns: number; rows: number };
  now?: () => number;
}

function useTerminalSize(fixed?: { columns: number; rows: number }) {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** The keys that start an action on a server (tail-log, recover, restore). */
const ACTION_COMMANDS: ReadonlySet<Command> = new Set(keymap.filter((b) => b.mutates).map((b) => b.command));

const REASON_LINES = 2;

/** The selected database's status and reason in full (two lines, wrapped), for widths without the REASON column. */
function SelectedReason({ row, theme }: { row: ReturnType<typeof buildRows>[number] | undefined; theme: Theme }) {
  const db = row?.kind === 'database' ? row.db : null;
  return (
    <Box height={REASON_LINES} flexDirection="column" overflowY="hidden">
      {db ? (
        <Styled theme={theme} token={`status.${db.assessment.status}`} wrap="wrap">
          {`${statusGlyph[db.assessment.status]} ${db.instance}/${db.name}: ${db.assessment.reason}`}
        </Styled>
      ) : null}
    </Box>
  );
}

/** The console: dashboard, database detail, instance and help views over the fleet snapshot. */
export function App({ source, actions, theme, readOnly, size: fixedSize, now = Date.now }: Props) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const size = useTerminalSize(fixedSize);
  const [snapshot, setSnapshot] = useState<FleetSnapshot>(() => source.snapshot());
  // UI state lives in a ref updated synchronously by each key, then rendered: keys typed faster than
  // React re-renders (paste, typing ahead over SSH) must each see what the previous one did.
  const ui = useRef<UiState>({ grid: initialGrid, selectedKey: null, top: 0, screen: { kind: 'dashboard' }, prompt: null, message: null, screenSince: 0, recall: { filter: '', command: '' } });
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const update = (change: Partial<UiState>) => {
    const since = change.screen && change.screen.kind !== ui.current.screen.kind ? { screenSince: now() } : {};
    ui.current = { ...ui.current, ...change, ...since };
    rerender();
  };
  const { grid, selectedKey, top, screen, prompt, message } = ui.current;
  const setGrid = (fn: (g: GridState) => GridState) => update({ grid: fn(ui.current.grid) });
  const setScreen = (next: Screen) => update({ screen: next });
  const setPrompt = (next: UiState['prompt']) => update({ prompt: next });
  const setMessage = (next: string | null) => update({ message: next });

  useEffect(() => {
    const interrupted = actions?.interruptedPlans() ?? [];
    const first = interrupted[0];
    if (first) setMessage(`interrupted restore of ${first.what} before step ${first.next + 1} of ${first.total}: type :resume to continue it`);
  }, [actions]);

  // The source also tells of time passing (exposure grows between polls), about once a second.
  useEffect(() => source.subscribe(setSnapshot), [source]);

  // A detail view opens at once with the rows the poll has, and shows the whole history when it is read.
  const [loaded, setLoaded] = useState<{ key: string; rows: readonly BackupSet[] | null; error: string | null } | null>(null);
  const detailKey = screen.kind === 'detail' ? screen.key : null;
  useEffect(() => {
    const db = detailKey === null ? undefined : source.snapshot().databases.find((d) => d.key === detailKey);
    if (!db || !source.history) return;
    let live = true;
    setLoaded({ key: db.key, rows: null, error: null });
    source.history(db).then(
      (rows) => live && setLoaded({ key: db.key, rows, error: null }),
      (error: unknown) => live && setLoaded({ key: db.key, rows: null, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [detailKey, source]);

  const rowsCache = useRef<{ snapshot: FleetSnapshot; grid: GridState; rows: ReturnType<typeof buildRows> } | null>(null);
  const rowsFor = (g: GridState) => {
    const c = rowsCache.current;
    if (c && c.snapshot === snapshot && c.grid === g) return c.rows;
    const built = buildRows(snapshot, g);
    rowsCache.current = { snapshot, grid: g, rows: built };
    return built;
  };
  const rows = rowsFor(grid);
  const selected = indexOfKey(rows, selectedKey);
  // Where the REASON column does not fit (80 columns), the selected row's reason stands under the grid.
  const reasonBelow = screen.kind === 'dashboard' && !fitColumns(size.columns).columns.some((c) => c.id === 'reason');
  // Root height is rows - 1 (a full-height frame makes ink clear the screen on every render).
  const gridHeight = Math.max(1, size.rows - 1 - 5 - (reasonBelow ? REASON_LINES : 0));
  const visibleTop = scrollTop(top, Math.max(0, selected), gridHeight, rows.length);
  const serverNow = useMemo(() => {
    const byName = new Map(snapshot.instances.map((i) => [i.name, i]));
    return (instance: string) => {
      const i = byName.get(instance);
      return (i && serverClock(i, now())) ?? now();
    };
  }, [snapshot]);

  const selectIndex = (index: number) => {
    const current = rowsFor(ui.current.grid);
    const row = current[index];
    const topNow = scrollTop(ui.current.top, Math.max(0, indexOfKey(current, ui.current.selectedKey)), gridHeight, current.length);
    update({ selectedKey: row ? row.key : ui.current.selectedKey, top: scrollTop(topNow, index, gridHeight, current.length) });
  };

  /** What the keys would act on: the screen, and the database selected there (the grid's row, the detail's database). */
  const keyContext = (on: Screen, cursor: number): KeyContext => {
    // The grid's row holds its database; a detail view is found by key (once per frame, as the view itself is).
    const row = on.kind === 'dashboard' ? rowsFor(ui.current.grid)[cursor] : undefined;
    const selected = row?.kind === 'database' ? row.db : on.kind === 'detail' ? snapshot.databases.find((d) => d.key === on.key) : undefined;
    return { screen: on, selected: selected ?? null };
  };

  const runCommandLine = (text: string) => {
    const [verb = '', ...rest] = text.trim().split(/\s+/);
    const rows = rowsFor(ui.current.grid);
    const screen = ui.current.screen;
    const arg = rest.join(' ').toLowerCase();
    switch (verb.toLowerCase()) {
      case 'q':
      case 'quit':
        exit();
        return;
      case 'db': {
        let found = findDatabaseRow(rows, arg);
        // A filter hiding the database does not hide it from :db: the filter goes, and the message says so.
        const unfiltered = !found && ui.current.grid.filter ? findDatabaseRow(rowsFor({ ...ui.current.grid, filter: '' }), arg) : null;
        if (unfiltered) {
          setGrid((g) => ({ ...g, filter: '' }));
          found = unfiltered;
        }
        if (!found) {
          setMessage(`no database matching "${arg}"`);
          return;
        }
        selectIndex(found.index);
        if (unfiltered) setMessage('the filter hid it, and was cleared');
        if (found.alternatives.length > 0) {
          const shown = found.alternatives.slice(0, 5).join(', ');
          setMessage(`${found.alternatives.length} databases match "${arg}": ${shown}${found.alternatives.length > 5 ? ', …' : ''} (type more of the name)`);
        }
        return;
      }
      case 'instance': {
        const found = snapshot.instances.find((i) => i.name.toLowerCase().includes(arg));
        if (found) setScreen({ kind: 'instance', name: found.name, back: screen });
        else setMessage(`no instance matching "${arg}"`);
        return;
      }
      case 'sort': {
        const key = SORT_KEYS.find((k) => k === arg);
        if (key) setGrid((g) => ({ ...g, frozen: null, sort: { key: key as SortKey, desc: key === 'status' || key === 'exposure' } }));
        else setMessage(`sort by one of: ${SORT_KEYS.join(', ')}`);
        return;
      }
      case 'resume': {
        const interrupted = actions?.interruptedPlans() ?? [];
        const chosen = interrupted.find((p) => !arg || p.what.toLowerCase().includes(arg)) ?? null;
        if (!chosen || !actions) {
          setMessage('no interrupted restore to resume');
          return;
        }
        const plan = actions.resumePlan(chosen.planId);
        if ('refused' in plan) setMessage(plan.refused);
        else setScreen({ kind: 'plan', key: chosen.what, back: screen, state: planState(plan) });
        return;
      }
      case 'group':
        if (arg === 'instance' || arg === 'group' || arg === 'none') setGrid((g) => ({ ...g, groupBy: arg }));
        else setMessage('group by instance, group or none');
        return;
      default:
        setMessage(`unknown command ":${verb}" (? lists the keys)`);
    }
  };


  /**
   * A command on a database or the fleet that needs the world: the actions (a preview, a drill's plan, the
   * restore options) or the terminal (a copy). `from` is the screen the action returns to.
   */
  const act = (command: Command, key: string | null, from: Screen) => {
    if (command === 'copyDatabase' || command === 'copyFleet') {
      const db = snapshot.databases.find((d) => d.key === key);
      if (command === 'copyDatabase' && !db) return;
      const text = command === 'copyFleet' ? formatMarkdown(snapshot) : databaseFacts(db!, now());
      const sequence = osc52(text);
      if (!sequence) setMessage('too long to copy through the terminal: rpotop status --format markdown prints it');
      else if (!stdout.isTTY) setMessage('no terminal to copy through');
      else {
        stdout.write(sequence);
        const what = command === 'copyFleet' ? 'the fleet status (Markdown)' : `${db!.instance} / ${db!.name}`;
        setMessage(`copied ${what}, ${text.split('\n').length} line(s), through the terminal (OSC 52; in tmux: set -g set-clipboard on)`);
      }
      return;
    }
    if (!actions || key === null) return;
    if (command === 'tailLog' || command === 'recover') {
      const action: ActionKind = command === 'tailLog' ? 'tail-log' : 'recover';
      const preview = actions.preview(action, key);
      if ('refused' in preview) setMessage(`${action === 'tail-log' ? 'no tail-log backup' : 'nothing to bring online'}: ${preview.refused}`);
      else setScreen({ kind: 'confirm', action, key, back: from, state: { preview, typed: '', running: null, result: null } });
      return;
    }
    if (command === 'drill') {
      setMessage('planning the drill: reading the whole history and the backup files on the drill target...');
      void actions.prepareDrill(key).then((preview) => {
        if ('refused' in preview) setMessage(`no drill: ${preview.refused}`);
        else {
          setMessage('');
          setScreen({ kind: 'confirm', action: 'drill', key, back: from, state: { preview, typed: '', running: null, result: null } });
        }
      });
      return;
    }
    const db = snapshot.databases.find((d) => d.key === key);
    // A group restore needs a group: the binding said why when there is none (screens/browse.ts).
    const group = command === 'restoreGroup' ? db?.groups[0] : undefined;
    if (command === 'restoreGroup' && (!db || !group)) return;
    const opened: Screen = {
      kind: 'options',
      key,
      ...(group ? { group } : {}),
      title: group ? `Restore group ${group}: every member to one point; options` : `Restore ${db ? `${db.instance} / ${db.name}` : key}: options`,
      state: { form: defaultRestoreForm, field: 0, draft: null },
      back: from,
    };
    setScreen(opened);
    screens?.redraft(opened);
  };

  /** Runs one command (screens/browse.ts decides what it changes); `cursor` is the selection as earlier keys of the same read left it. */
  const onCommand = (command: Command, cursor: number): number => {
    const from = ui.current.screen;
    if (ui.current.message) setMessage(null);
    const { state, effects } = browseKeys({ screen: from, grid: ui.current.grid, cursor }, command, rowsFor(ui.current.grid), gridHeight, keyContext(from, cursor).selected);
    if (state.screen !== from) setScreen(state.screen);
    if (state.grid !== ui.current.grid) update({ grid: state.grid });
    for (const effect of effects) {
      if (effect.kind === 'quit') exit();
      else if (effect.kind === 'refresh') source.refresh();
      else if (effect.kind === 'message') setMessage(effect.text);
      else if (effect.kind === 'prompt') setPrompt({ kind: effect.prompt, text: '' });
      else act(effect.command, effect.key, from);
    }
    return state.cursor;
  };

  const screens = actions
    ? actionScreens({ actions, screen: () => ui.current.screen, setScreen, setMessage, now })
    : null;

  /**
   * Keys for the open filter or command prompt: text and Backspace edit it, Up in an empty prompt recalls
   * the last one submitted, Enter submits, Esc closes it (clearing a filter). Keys after the one that
   * closed it were typed before the list was back: dropped.
   */
  const promptKeys = (names: readonly string[]) => {
    for (const name of names) {
      const prompt = ui.current.prompt;
      if (!prompt) break;
      if (name === 'esc') {
        if (prompt.kind === 'filter') setGrid((g) => ({ ...g, filter: '' }));
        setPrompt(null);
      } else if (name === 'enter') {
        update({ prompt: null, recall: { ...ui.current.recall, [prompt.kind]: prompt.text || ui.current.recall[prompt.kind] } });
        if (prompt.kind === 'command') runCommandLine(prompt.text);
      } else if (name === 'tab' && prompt.kind === 'command') {
        const snap = source.snapshot();
        const done = completeCommand(prompt.text, { databases: snap.databases.map((d) => d.name), instances: snap.instances.map((i) => i.name) });
        setPrompt({ ...prompt, text: done.text, choices: done.choices });
      } else {
        const text = name === 'up' && prompt.text === '' ? ui.current.recall[prompt.kind] : typeInto(prompt.text, name);
        if (text === null) continue;
        setPrompt({ kind: prompt.kind, text });
        if (prompt.kind === 'filter') setGrid((g) => ({ ...g, filter: text }));
      }
    }
  };

  // F1 is help on every screen, the action screens too, where ? is typed text. Not while a statement runs:
  // its progress and result land on its own screen.
  useF1(() => {
    const current = ui.current.screen;
    if (current.kind === 'help') return;
    if ((current.kind === 'plan' || current.kind === 'confirm') && current.state.running) {
      setMessage('help opens once the statement running now ends (Esc asks whether to cancel it)');
      return;
    }
    setScreen({ kind: 'help', back: current });
  });

  // One input handler for the whole app: every useInput sees every key, so views do not each listen.
  useInput((input, key) => {
    // Ctrl-C always quits, whatever view has the keys: an interrupted restore is resumed from the journal.
    if (key.ctrl && input === 'c') {
      exit();
      return;
    }
    const current = ui.current.screen;
    if (ACTION_SCREENS.has(current.kind) && now() - ui.current.screenSince < SETTLE_MS) {
      setMessage('keys typed before this screen appeared were ignored: read it, then answer');
      return;
    }
    if (screens && current.kind === 'confirm') return screens.onConfirmInput(current, keyNames(input, key));
    if (screens && current.kind === 'plan') return screens.onPlanInput(current, keyNames(input, key));
    if (screens && current.kind === 'options') return screens.onOptionsInput(current, keyNames(input, key));
    const names = keyNames(input, key);
    const open = ui.current.prompt;
    if (open) {
      promptKeys(names);
      return;
    }
    // Keys that arrive in one read (typed ahead over SSH) are applied in order.
    const before = indexOfKey(rowsFor(ui.current.grid), ui.current.selectedKey);
    let cursor = before;
    for (let i = 0; i < names.length; i++) {
      if (ui.current.prompt) {
        // A filter or command typed in the same read as its / or : goes into the prompt.
        promptKeys(names.slice(i));
        break;
      }
      const binding = bindingFor(ui.current.screen.kind, names[i]!, readOnly || !actions);
      const command = binding?.command ?? null;
      const why = binding && whyUnavailable(binding, keyContext(ui.current.screen, cursor));
      if (why) setMessage(`${binding.label}: ${why}`);
      else if (command) cursor = onCommand(command, cursor);
      // A key that starts an action ends the read: its screen (options, a confirmation) may open only
      // after a round trip, and what was typed after the key was typed before that screen was shown.
      if (command && ACTION_COMMANDS.has(command)) break;
    }
    if (cursor !== before && cursor >= 0) selectIndex(cursor);
  });

  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return (
      <Box flexDirection="column" height={Math.max(1, size.rows - 1)}>
        <Text>
          rpotop needs a terminal of at least {MIN_COLUMNS}x{MIN_ROWS}; this one is {size.columns}x{size.rows}.
        </Text>
        <Text>Enlarge the window (or the font smaller). q quits.</Text>
      </Box>
    );
  }

  const t = now();
  const bottomLine = prompt ? (
    <Text>
      <Styled theme={theme} token="accent">{prompt.kind === 'filter' ? '/' : ':'}</Styled>
      {prompt.text}
      <Text inverse> </Text>
      {prompt.choices?.length ? <Styled theme={theme} token="muted">{`  ${prompt.choices.slice(0, 6).join(' · ')}${prompt.choices.length > 6 ? ` · … ${prompt.choices.length - 6} more` : ''}`}</Styled> : null}
    </Text>
  ) : message ? (
    <Styled theme={theme} token="accent">{message}</Styled>
  ) : grid.filter ? (
    <Styled theme={theme} token="muted">{`filter: ${grid.filter} · ${rows.filter((r) => r.kind === 'database').length} of ${snapshot.databases.length} databases (Esc clears)`}</Styled>
  ) : (
    <Styled theme={theme} token="muted">{`${snapshot.databases.length} databases on ${snapshot.instances.length} instances · sorted by ${grid.sort.key}${grid.frozen ? ' (frozen: Z lets rows move)' : ''}${grid.groupBy !== 'none' ? ` · grouped by ${grid.groupBy}` : ''}`}</Styled>
  );

  let body;
  if (screen.kind === 'options') {
    body = <RestoreOptionsView title={screen.title} state={screen.state} theme={theme} height={size.rows - 5} width={size.columns} />;
  } else if (screen.kind === 'plan') {
    body = <PlanView state={screen.state} theme={theme} height={size.rows - 5} width={size.columns} now={t} />;
  } else if (screen.kind === 'confirm') {
    body = <ConfirmView state={screen.state} theme={theme} width={size.columns} height={size.rows - 5} now={t} />;
  } else if (screen.kind === 'detail') {
    const db = snapshot.databases.find((d) => d.key === screen.key);
    const inst = db ? snapshot.instances.find((i) => i.name === db.instance) : undefined;
    const whole = db && loaded?.key === db.key ? loaded : null;
    const history = db ? (whole?.rows ? withPolled(whole.rows, db.history) : db.history) : [];
    const historyNote = !source.history || whole?.rows ? null : whole?.error ? `whole history not read (${whole.error}): the rows status reads` : 'reading the whole history…';
    body = db ? (
      <DetailView
        db={db}
        history={history}
        historyNote={historyNote}
        theme={theme}
        width={size.columns}
        height={size.rows - 5}
        serverNow={serverNow(db.instance)}
        offsetMinutes={inst?.utcOffsetMinutes ?? 0}
        scroll={Math.min(screen.scroll, Math.max(0, history.length - 1))}
      />
    ) : (
      <Text>that database is no longer in the snapshot</Text>
    );
  } else if (screen.kind === 'instance') {
    const inst = snapshot.instances.find((i) => i.name === screen.name);
    body = inst ? <InstanceView instance={inst} snapshot={snapshot} theme={theme} now={t} /> : <Text>no such instance</Text>;
  } else if (screen.kind === 'help') {
    body = <HelpView scope={screen.back.kind} context={keyContext(screen.back, selected)} theme={theme} readOnly={readOnly || !actions} width={size.columns} height={size.rows - 5} />;
  } else {
    body = <Grid rows={rows} top={visibleTop} height={gridHeight} selected={selected} width={size.columns} theme={theme} state={grid} nowFor={serverNow} />;
  }

  return (
    <Box flexDirection="column" height={size.rows - 1} width={size.columns}>
      <Header snapshot={snapshot} theme={theme} readOnly={readOnly} now={t} width={size.columns} />
      {/* Vertical clipping only: horizontal clipping makes ink slice every line of every frame (slice-ansi,
          grapheme by grapheme), and each view already fits its lines to the width. */}
      <Box flexDirection="column" flexGrow={1} overflowY="hidden">
        {body}
      </Box>
      {reasonBelow ? <SelectedReason row={rows[selected]} theme={theme} /> : null}
      {bottomLine}
      <StatusBar context={keyContext(screen, selected)} theme={theme} readOnly={readOnly || !actions} width={size.columns} />
    </Box>
  );
}
