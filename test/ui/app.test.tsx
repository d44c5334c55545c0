import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { HelpView } from '../../src/ui/HelpView.js';
import type { BackupSet } from '../../src/domain/history.js';
import type { SnapshotSource } from '../../src/ui/source.js';
import type { ActionsPort, PlanPort } from '../../src/ui/actions-port.js';
import { loadTheme } from '../../src/ui/theme.js';
import { FIXTURE_NOW, fixtureSnapshot } from './fixture.js';

const now = FIXTURE_NOW;
const snapshot = fixtureSnapshot(now);
let refreshed = 0;
const source: SnapshotSource = { snapshot: () => snapshot, subscribe: () => () => undefined, refresh: () => void refreshed++ };
const theme = loadTheme('default');
const mounted: { unmount(): void }[] = [];

function mount(opts: { columns?: number; rows?: number; readOnly?: boolean } = {}) {
  const r = render(<App source={source} theme={theme} readOnly={opts.readOnly ?? false} size={{ columns: opts.columns ?? 120, rows: opts.rows ?? 30 }} now={() => now} />);
  mounted.push(r);
  return r;
}

// ink draws at most 30 frames a second: give each key a frame or two.
const tick = () => new Promise((resolve) => setTimeout(resolve, 80));
async function type(r: ReturnType<typeof mount>, ...keys: string[]) {
  for (const k of keys) {
    r.stdin.write(k);
    await tick();
  }
}
const frame = (r: ReturnType<typeof mount>) => r.lastFrame() ?? '';
const selectedLine = (r: ReturnType<typeof mount>) => frame(r).split('\n').find((l) => l.startsWith('▶')) ?? '';

afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

describe('dashboard', () => {
  it('shows the fleet, counts per status, the grid worst first, and the keys', () => {
    const r = mount();
    const lines = frame(r).split('\n');
    expect(lines[0]).toMatch(/^rpotop · demo: seeds {2}\?0 UNKNOWN ⊘3 UNPROTECTED ✖3 BREACH ▲1 WARN ✔\d+ OK {2}polled 0 s ago/);
    expect(lines[1]).toMatch(/STATUS▼ +INSTANCE +DATABASE/);
    expect(lines[2]).toMatch(/^▶ ⊘ UNPROTECTED/);
    expect(lines.at(-1)).toContain('Enter open the database');
    // rows - 1 lines: a full-height frame would make ink clear the screen on every render.
    expect(lines).toHaveLength(29);
  });

  it('tells an instance still on its first poll from one that is down', () => {
    const [first, second] = snapshot.instances;
    const partial = {
      ...snapshot,
      instances: snapshot.instances.map((i) =>
        i === first
          ? { ...i, status: 'UNKNOWN' as const, lastAttemptAt: null, lastSuccessAt: null, error: 'not polled yet' }
          : i === second
            ? { ...i, status: 'UNKNOWN' as const, lastAttemptAt: now, lastSuccessAt: null, error: 'Failed to connect' }
            : i,
      ),
    };
    const partialSource: SnapshotSource = { snapshot: () => partial, subscribe: () => () => undefined, refresh: () => undefined };
    const r = render(<App source={partialSource} theme={theme} readOnly={false} size={{ columns: 160, rows: 30 }} now={() => now} />);
    mounted.push(r);
    expect(frame(r).split('\n')[0]).toMatch(/^rpotop · demo: seeds  \?1 instance down  \?0 UNKNOWN .*polled 0 s ago · 1 instance not polled yet$/);
    // At 80 columns the counts drop their words first, never the instances that are down or read-only.
    const narrow = render(<App source={partialSource} theme={theme} readOnly={true} size={{ columns: 80, rows: 24 }} now={() => now} />);
    mounted.push(narrow);
    expect(frame(narrow).split('\n')[0]).toMatch(/^rpotop · demo: seeds  READ-ONLY  \?1 instance down  \?0 ⊘3 ✖3 ▲1 ✔\d+  0 s ago$/);
  });

  it('names links in cleartext although the inventory asks for TLS, at 80 columns too', () => {
    const [first] = snapshot.instances;
    const cleartext = {
      ...snapshot,
      instances: snapshot.instances.map((i) => (i === first ? { ...i, encryption: { mode: 'prefer' as const, configured: true, inForce: false } } : i)),
    };
    const source: SnapshotSource = { snapshot: () => cleartext, subscribe: () => () => undefined, refresh: () => undefined };
    const r = render(<App source={source} theme={theme} readOnly={false} size={{ columns: 80, rows: 24 }} now={() => now} />);
    mounted.push(r);
    expect(frame(r).split('\n')[0]).toMatch(/^rpotop · demo: seeds  ▲1 CLEARTEXT  \?0 ⊘3 ✖3 ▲1 ✔\d+/);
  });

  it('moves with j/k and arrows, pages, and jumps to the ends', async () => {
    const r = mount();
    const first = selectedLine(r);
    await type(r, 'j');
    const second = selectedLine(r);
    expect(second).not.toBe(first);
    await type(r, '\x1b[B', 'k');
    expect(selectedLine(r)).toBe(second);
    await type(r, 'G');
    expect(selectedLine(r)).toMatch(/✔ OK/);
    await type(r, 'g');
    expect(selectedLine(r)).toBe(first);
  });

  it('applies several keys that arrive in one read, in order', async () => {
    const r = mount();
    const start = frame(r).split('\n').slice(2, 5);
    await type(r, 'jj');
    expect(selectedLine(r)).toBe(start[2]!.replace(/^ {2}/, '▶ '));
  });

  it('filters by status word and clears with Esc', async () => {
    const r = mount();
    await type(r, '/', 'b', 'r', 'e', 'a', 'c', 'h', '\r');
    const rows = frame(r).split('\n').filter((l) => /^[▶ ] [✔▲✖⊘?] /.test(l));
    expect(rows.length).toBe(3);
    expect(rows.every((l) => l.includes('BREACH'))).toBe(true);
    expect(frame(r)).toContain('filter: breach · 3 of');
    await type(r, '\x1b');
    expect(frame(r)).not.toContain('filter: breach');
  });

  it('sorts by the next column with s, showing the arrow, and groups with a', async () => {
    const r = mount();
    await type(r, 's');
    expect(frame(r)).toContain('INSTANCE▲');
    expect(frame(r)).not.toContain('STATUS▼');
    await type(r, 'S');
    expect(frame(r)).toContain('INSTANCE▼');
    await type(r, 'a');
    expect(frame(r)).toMatch(/── \S+ · \d+ databases · worst/);
    // By application group, a heading is the group: its status, common point against its RPO, restore time.
    await type(r, 'a');
    expect(frame(r)).toMatch(/── ⊘ UNPROTECTED biztalk · common point \d.* ago \/ RPO 30 min · restore \d/);
  });

  it('jumps with :db and opens an instance with :instance', async () => {
    const r = mount();
    await type(r, ':', ...'db björn', '\r');
    expect(selectedLine(r)).toContain("Sales ]Q'4 Björn");
    await type(r, ':', ...'instance lyncmon', '\r');
    expect(frame(r)).toContain('LYNCMON01');
    expect(frame(r)).toContain('server clock');
    await type(r, ':', ...'frobnicate', '\r');
    // A filter that hides the database does not hide it from :db.
    await type(r, '\x1b', '/', ...'breach', '\r');
    expect(selectedLine(r)).toContain('BREACH');
    await type(r, ':', ...'db björn', '\r');
    expect(selectedLine(r)).toContain("Sales ]Q'4 Björn");
    expect(frame(r)).toContain('the filter hid it, and was cleared');
  });

  it('opens the detail view with the timeline and the backups, and Esc comes back', async () => {
    const r = mount();
    await type(r, ':', ...'db BizTalkDTADb', '\r', '\r');
    const f = frame(r);
    expect(f).toContain('BTSSQL01 / BizTalkDTADb  ⊘ UNPROTECTED');
    expect(f).toContain('backups over the last 8 days');
    expect(f).toMatch(/ {2}[·F│Dx!]{40,}/);
    expect(f).toContain('went to NUL');
    expect(f).toMatch(/LSN first → last/);
    await type(r, '\x1b');
    expect(frame(r)).toContain('STATUS▼');
  });

  it('shows the selected row\'s reason under the grid where the REASON column does not fit', async () => {
    const narrow = mount({ columns: 80, rows: 24 });
    await type(narrow, ':', ...'db BizTalkDTADb', '\r');
    const lines = frame(narrow).split('\n');
    expect(lines[1]).not.toContain('REASON');
    const db = snapshot.databases.find((d) => d.name === 'BizTalkDTADb')!;
    const below = lines.findIndex((l) => l.startsWith(`⊘ BTSSQL01/BizTalkDTADb: ${db.assessment.reason.slice(0, 30)}`));
    expect(below).toBeGreaterThan(1);
    expect(lines.slice(below, below + 2).join(' ').replace(/ +/g, ' ')).toContain(db.assessment.reason.slice(0, 100).replace(/ +/g, ' '));
    const wide = mount({ columns: 160, rows: 24 });
    await type(wide, ':', ...'db BizTalkDTADb', '\r');
    expect(frame(wide).split('\n')[1]).toContain('REASON');
    expect(frame(wide)).not.toContain('⊘ BTSSQL01/BizTalkDTADb:');
  });

  it('completes : commands and names with Tab, showing the choices left', async () => {
    const r = mount();
    await type(r, ':', 'd', '\t', 'b', 'i', 'z', '\t');
    expect(frame(r)).toMatch(/^:db BizTalk\b.*BizTalkDTADb · /m);
    await type(r, '\x1b', ':', 'i', 'n', '\t', 'b', 't', 's', '\t');
    expect(frame(r)).toMatch(/^:instance BTS\b.*BTSDR01 · BTSSQL01/m);
  });

  it('goes back with q from a view instead of quitting: help, then the detail view, then the dashboard', async () => {
    const r = mount();
    await type(r, ':', ...'db BizTalkDTADb', '\r', '\r', '?');
    expect(frame(r)).toContain('Keys (detail view)');
    await type(r, 'q');
    expect(frame(r)).toContain('BTSSQL01 / BizTalkDTADb  ⊘ UNPROTECTED');
    await type(r, 'q');
    expect(frame(r)).toContain('STATUS▼');
  });

  it('opens at once with the rows the poll has, says the whole history is being read, and shows it when it comes', async () => {
    let deliver: (rows: readonly BackupSet[]) => void = () => undefined;
    const asked: string[] = [];
    const reading: SnapshotSource = {
      ...source,
      history: (db) => {
        asked.push(db.key);
        return new Promise((resolve) => (deliver = resolve));
      },
    };
    const r = render(<App source={reading} theme={theme} readOnly={false} size={{ columns: 120, rows: 30 }} now={() => now} />);
    mounted.push(r);
    await type(r, ':', ...'db BizTalkDTADb', '\r', '\r');
    expect(frame(r)).toContain('BTSSQL01 / BizTalkDTADb  ⊘ UNPROTECTED');
    expect(frame(r)).toContain('reading the whole history…');
    expect(asked).toEqual(['BTSSQL01/BizTalkDTADb']);
    const db = snapshot.databases.find((d) => d.key === 'BTSSQL01/BizTalkDTADb')!;
    const oldest = db.history[0]!;
    const older = { ...oldest, backupSetId: 1, finish: oldest.finish - 3_600_000, media: [{ ...oldest.media[0]!, physicalDeviceName: 'X:\\read-on-demand.trn' }] };
    deliver([older, ...db.history]);
    await type(r, 'G');
    expect(frame(r)).not.toContain('reading the whole history…');
    expect(frame(r)).toContain('read-on-demand.trn');
  });

  it('shows help generated from the keymap', async () => {
    const r = mount();
    await type(r, '?');
    expect(frame(r)).toContain('Keys (dashboard view)');
    expect(frame(r)).toMatch(/j, down +move down/);
    await type(r, '\x1b');
    expect(frame(r)).toContain('STATUS▼');
  });

  it('opens help with F1 too, and on a screen where ? is typed text, help for that screen, back to it as it was', async () => {
    const r = mount();
    await type(r, '\x1bOP');
    expect(frame(r)).toContain('Keys (dashboard view)');
    await type(r, '\x1b');
    const actions = {
      interruptedPlans: () => [],
      preview: () => ({ title: 'Tail-log backup of SQL01 / Sales?', steps: [{ script: 'BACKUP LOG [Sales?] TO DISK = @file1;', summary: 'back up the tail' }], effect: 'users are disconnected', confirmWord: 'Sales?' }),
    } as unknown as ActionsPort & PlanPort;
    let clock = now;
    const withActions = render(<App source={source} actions={actions} theme={theme} readOnly={false} size={{ columns: 120, rows: 30 }} now={() => clock} />);
    mounted.push(withActions);
    await type(withActions, 't');
    clock += 1000;
    await type(withActions, 'Sal', '?');
    expect(frame(withActions)).toContain('Tail-log backup of SQL01 / Sales?');
    expect(frame(withActions)).not.toContain('Keys (confirm view)');
    await type(withActions, '\x1b[11~');
    const help = frame(withActions);
    expect(help).toContain('Keys (confirm view)');
    expect(help).toMatch(/enter +run the statement: its database name typed exactly as shown, then Enter/);
    // The key that does not act on this statement says why: help is read against the screen as it was left.
    expect(help).toMatch(/y +\(not now: this statement asks for the name Sales\?, then Enter\) run the statement shown/);
    expect(help).not.toContain('Ctrl-R');
    // The options screen's help names the space bar.
    const options = render(<HelpView scope="options" context={null} theme={theme} readOnly={false} width={120} height={30} />);
    mounted.push(options);
    expect(options.lastFrame()).toMatch(/^ +space +turn a yes\/no option on or off/m);
    // At 80 columns every description is whole, wrapped under its key; the statuses too.
    const narrow = render(<HelpView scope="confirm" context={null} theme={theme} readOnly={false} width={80} height={19} />);
    mounted.push(narrow);
    const text = narrow.lastFrame()!;
    expect(text).not.toContain('…');
    // A description's next lines start under its first (two spaces, the key column of 27, a space).
    expect(text).toMatch(/\n {30}\S/);
    expect(text).not.toMatch(/\n {29}\S/);
    expect(text.replace(/\n +/g, ' ')).toContain('go back, nothing sent; while the statement runs, asks whether to cancel it (SQL Server rolls it back)');
    expect(text.replace(/\n/g, ' ')).toContain('UNKNOWN no fresh data');
    await type(withActions, '\x1b');
    clock += 1000;
    // The name typed before help is still there.
    expect(frame(withActions)).toContain('Sal?');
  });

  it('says why a key does nothing on the row selected, from its binding, and opens nothing', async () => {
    let previews = 0;
    const actions = {
      interruptedPlans: () => [],
      preview: () => {
        previews++;
        return { refused: 'x' };
      },
    } as unknown as ActionsPort & PlanPort;
    const r = render(<App source={source} actions={actions} theme={theme} readOnly={false} size={{ columns: 120, rows: 30 }} now={() => now} />);
    mounted.push(r);
    // The demo's databases outside any application group: P names why.
    await type(r, ':', ...'db master', '\r', 'P');
    expect(frame(r)).toContain('P: the selected database is in no application group (P restores a group: select one of its databases)');
    // A filter that matches nothing leaves no database to act on.
    await type(r, '/', ...'zzzz', '\r', 't');
    expect(frame(r)).toContain('t: select a database row (not a heading)');
    expect(previews).toBe(0);
  });

  it('asks for a poll with r', async () => {
    const r = mount();
    const before = refreshed;
    await type(r, 'r');
    expect(refreshed).toBe(before + 1);
    expect(frame(r)).toContain('polling every instance now');
  });

  it('says what it needs below 80x24 instead of drawing a broken layout', () => {
    const r = mount({ columns: 70, rows: 20 });
    expect(frame(r)).toContain('rpotop needs a terminal of at least 80x24; this one is 70x20.');
  });

  it('shows the read-only badge', () => {
    expect(frame(mount({ readOnly: true })).split('\n')[0]).toContain('READ-ONLY');
  });

  it('renders only the rows on screen', () => {
    const r = mount({ rows: 24 });
    const gridRows = frame(r).split('\n').filter((l) => /^[▶ ] [✔▲✖⊘?] /.test(l));
    expect(gridRows.length).toBe(24 - 1 - 5);
    expect(snapshot.databases.length).toBeGreaterThan(gridRows.length);
  });
});

describe('typing ahead', () => {
  it('applies keys that arrive before the screen catches up, in order', async () => {
    const r = mount();
    // One write: open the filter, type it, submit, then open the first match.
    r.stdin.write('/breach\r');
    await tick();
    expect(frame(r)).toContain('filter: breach');
    // Enter then Escape before a frame is drawn: the detail view opens and closes.
    r.stdin.write('\r');
    r.stdin.write('\x1b');
    await tick();
    expect(frame(r)).toContain('STATUS▼');
    // A lone ESC is told from the start of an escape sequence only by what follows, so wait a frame.
    r.stdin.write('?');
    await tick();
    expect(frame(r)).toContain('Keys (dashboard view)');
  });

  it('reads an Esc typed just before a key (one read, parsed as Alt+key) as the Esc, then the key', async () => {
    const r = mount();
    await type(r, '\r');
    expect(frame(r)).not.toContain('STATUS▼');
    // Back from the detail view, then s sorts the dashboard: before, s fell on the detail view and the Esc was lost.
    r.stdin.write('\x1bs');
    await tick();
    expect(frame(r)).toContain('INSTANCE▲');
  });

  it('drops keys typed after the Esc that closes a prompt, and never appends to an old filter', async () => {
    const r = mount();
    r.stdin.write('/breach\r');
    await tick();
    expect(frame(r)).toContain('filter: breach · 3 of');
    // / starts a new filter: "unknown", not "breachunknown".
    r.stdin.write('/unknown\r');
    await tick();
    expect(frame(r)).toContain('filter: unknown');
    expect(frame(r)).not.toContain('breachunknown');
    // Up in a new, empty filter recalls the last one submitted.
    r.stdin.write('/');
    await tick();
    r.stdin.write('\x1b[A');
    await tick();
    r.stdin.write('\r');
    await tick();
    expect(frame(r)).toContain('filter: unknown');
    // Esc then s in one read while typing a filter: the filter closes and clears; the s is not a sort.
    r.stdin.write('/ok');
    await tick();
    r.stdin.write('\x1bs');
    await tick();
    expect(frame(r)).not.toContain('filter:');
    expect(frame(r)).toContain('STATUS▼');
  });
});
