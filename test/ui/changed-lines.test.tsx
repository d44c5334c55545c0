import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChangedLines, writingChangedLines } from '../../src/ui/changed-lines.js';
import { CONSOLE_RENDER } from '../../src/ui/render-options.js';
import type { SnapshotSource } from '../../src/ui/source.js';
import { loadTheme } from '../../src/ui/theme.js';
import { FIXTURE_NOW, polledFixture } from './fixture.js';

/**
 * A terminal for ink to draw on: xterm.js's emulator (headless), as an operator's terminal would read the
 * bytes, with the tty's newline translation (ONLCR). Counts what it was sent.
 */
class Terminal extends EventEmitter {
  readonly isTTY = true;
  bytes = 0;
  readonly term: InstanceType<typeof xterm.Terminal>;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
    this.term = new xterm.Terminal({ cols: columns, rows, convertEol: true, allowProposedApi: true });
  }

  write(chunk: string, done?: () => void): boolean {
    this.bytes += Buffer.byteLength(chunk);
    this.pending = this.pending.then(() => new Promise<void>((r) => this.term.write(chunk, r)));
    if (done) void this.pending.then(done);
    return true;
  }

  /** The screen's text, line by line, once every write has been applied. */
  async screen(): Promise<string[]> {
    await this.pending;
    const buffer = this.term.buffer.active;
    return Array.from({ length: this.rows }, (_, i) => buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
  }
}

/**
 * ink decides once, when it is first imported, whether it runs in CI (is-in-ci), and there draws only the
 * last frame: the frames this test compares would never be written. So ink (and the App, which imports it)
 * are imported here as a terminal session would see them, with CI unset for this file's module graph.
 */
let render: typeof import('ink').render;
let App: typeof import('../../src/ui/App.js').App;
const ci = process.env.CI;
beforeAll(async () => {
  process.env.CI = 'false';
  ({ render } = await import('ink'));
  ({ App } = await import('../../src/ui/App.js'));
});
afterAll(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});

const stdin = () =>
  Object.assign(new EventEmitter(), { isTTY: true, setRawMode: () => undefined, setEncoding: () => undefined, read: () => null, ref: () => undefined, unref: () => undefined, resume: () => undefined, pause: () => undefined });

const unmount: (() => void)[] = [];
afterEach(() => {
  for (const u of unmount.splice(0)) u();
});

/** The console drawn twice from one source and clock: as ink writes it, and through ChangedLines. */
function twoConsoles(columns: number, rows: number) {
  let clock = FIXTURE_NOW;
  const at = polledFixture(clock);
  let snapshot = at(clock);
  const listeners = new Set<(s: typeof snapshot) => void>();
  const source: SnapshotSource = {
    snapshot: () => snapshot,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    refresh: () => undefined,
  };
  const mount = (stdout: NodeJS.WriteStream) => {
    const input = stdin();
    const app = render(<App source={source} theme={loadTheme('default')} readOnly={false} size={{ columns, rows }} now={() => clock} />, {
      ...CONSOLE_RENDER,
      stdout,
      stdin: input as unknown as NodeJS.ReadStream,
      patchConsole: false,
    });
    unmount.push(() => app.unmount());
    return (key: string) => {
      (input as unknown as { read: () => string | null }).read = (() => {
        let sent = false;
        return () => (sent ? null : ((sent = true), key));
      })();
      input.emit('readable');
    };
  };
  const whole = new Terminal(columns, rows);
  const changed = new Terminal(columns, rows);
  const keyWhole = mount(whole as unknown as NodeJS.WriteStream);
  const keyChanged = mount(writingChangedLines(changed as unknown as NodeJS.WriteStream));
  const settle = () => new Promise((r) => setTimeout(r, 250));
  return {
    whole,
    changed,
    async tick(ms: number) {
      clock += ms;
      snapshot = at(clock);
      for (const l of listeners) l(snapshot);
      await settle();
    },
    async key(k: string) {
      keyWhole(k);
      keyChanged(k);
      await settle();
    },
    settle,
  };
}

describe('writing only the lines that changed', () => {
  it('leaves the terminal showing what a whole redraw shows, through polls, moves and views, for a fraction of the bytes', async () => {
    const c = twoConsoles(100, 30);
    await c.settle();
    expect(await c.changed.screen()).toEqual(await c.whole.screen());
    const [wholeBefore, changedBefore] = [c.whole.bytes, c.changed.bytes];
    // Idle: time passes, the header's age ticks.
    for (let i = 0; i < 5; i++) await c.tick(1000);
    expect(await c.changed.screen()).toEqual(await c.whole.screen());
    const wholeIdle = c.whole.bytes - wholeBefore;
    const changedIdle = c.changed.bytes - changedBefore;
    expect(wholeIdle).toBeGreaterThan(5 * 2000);
    expect(changedIdle).toBeLessThan(wholeIdle / 5);
    // Moving, opening a view of another height of content, help, and back.
    for (const k of ['j', 'j', '\r', 'G', '\x1b', '?', '\x1b', 'k']) {
      await c.key(k);
      expect(await c.changed.screen(), `after ${JSON.stringify(k)}`).toEqual(await c.whole.screen());
    }
  }, 30_000);

  it('draws the first frame, a frame of another height and whatever it does not recognise as they come', () => {
    const lines = new ChangedLines();
    expect(lines.next('a\nb\n')).toBe('a\nb\n');
    const erase3 = '\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G';
    // Same height, one line changed: up to it, erase it, write it, back down.
    expect(lines.next(`${erase3}a\nB\n`)).toBe('\x1b[1A\r\x1b[2KB\x1b[1B\r');
    // Nothing changed: nothing to send.
    expect(lines.next(`${erase3}a\nB\n`)).toBe('');
    // Another height: ink's own erase and redraw.
    expect(lines.next(`${erase3}a\nB\nc\n`)).toBe(`${erase3}a\nB\nc\n`);
    // An erase that does not match what is on screen: passed on as it is; the frame it draws is known from then.
    expect(lines.next(`${erase3}x\ny\n`)).toBe(`${erase3}x\ny\n`);
    expect(lines.next(`${erase3}x\nz\n`)).toBe('\x1b[1A\r\x1b[2Kz\x1b[1B\r');
    // A write that is not a frame (a clear on resize): the next frame goes whole.
    expect(lines.next(erase3)).toBe(erase3);
    expect(lines.next('x\nz\n')).toBe('x\nz\n');
    // Synchronized-update brackets leave what is known alone.
    expect(lines.next('\x1b[?2026h')).toBe('\x1b[?2026h');
    expect(lines.next(`${erase3}x\nZ\n`)).toBe('\x1b[1A\r\x1b[2KZ\x1b[1B\r');
  });
});
