/**
 * What the console costs to draw, compiled as the CLI runs (or from the sources under tsx):
 *   npm run bench:render -- [--sizes 1000,50000] [--keys 200] [--ink-as-shipped]
 *   NODE_ENV=production npx tsx bench/render.ts [same options]
 * For each fleet size, prints the time to the first frame, the median and p99 time from a key press
 * (j, scrolling) to its frame, the time to filter and sort every database, and the bytes an idle minute
 * sends the terminal (a snapshot a second, nothing pressed) as the console writes them (changed lines
 * only) and as ink alone would (whole frames). Frames are drawn as the console draws them, with the
 * cross-frame cache in ink's frame builder (--ink-as-shipped: without it).
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { render } from 'ink';
import { createElement } from 'react';
import { resolveInventory } from '../src/config/resolve.js';
import { configSchema } from '../src/config/schema.js';
import { buildSnapshot, type FleetSnapshot } from '../src/fleet/snapshot.js';
import { InstanceTracker } from '../src/fleet/tracker.js';
import { SimClock } from '../src/sim/clock.js';
import { SimFleet } from '../src/sim/fleet.js';
import { offlinePoll } from '../src/sim/offline.js';
import { scaleScenario } from '../src/sim/scenarios.js';
import { App } from '../src/ui/App.js';
import { writingChangedLines } from '../src/ui/changed-lines.js';
import { CONSOLE_RENDER } from '../src/ui/render-options.js';
import { installFrameCache } from '../src/ui/ink-frame-cache.js';
import { buildRows, initialGrid } from '../src/ui/grid-model.js';
import { loadTheme } from '../src/ui/theme.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,50000' }, keys: { type: 'string', default: '200' }, 'ink-as-shipped': { type: 'boolean', default: false } },
});
const cached = values['ink-as-shipped'] ? false : (await installFrameCache()) !== null;
console.log(`ink ${cached ? 'with the cross-frame cache' : 'as shipped (no cross-frame cache)'}, screen 160x50`);

/** A scale fleet's snapshot, and how to take it again later (as the console does every second). */
function fleetOf(databases: number): { snapshot: FleetSnapshot; later: (ms: number) => FleetSnapshot } {
  const perInstance = 40;
  const instances = Math.ceil(databases / perInstance);
  const now = Date.now();
  const fleet = new SimFleet({ scenario: scaleScenario(instances, perInstance, { history: '26h', logEvery: '1h' }), clock: new SimClock(() => now), manualClock: true });
  const inventory = resolveInventory(
    configSchema.parse({
      version: 1,
      fleet: `bench ${databases}`,
      instances: [...fleet.instances.values()].map((i, n) => ({ name: i.name, host: '127.0.0.1', port: 1 + n, auth: { type: 'sql', user: 'x', passwordEnv: 'X' } })),
    }),
  );
  const trackers = inventory.config.instances.map((cfg) => {
    const t = new InstanceTracker(cfg, 8);
    t.apply(offlinePoll(fleet.instance(cfg.name)), now, 1, true);
    return t;
  });
  const at = (ms: number) => buildSnapshot(trackers, { inventory, now: now + ms, staleAfterMs: 600_000 });
  return { snapshot: at(0), later: at };
}

class Screen extends Writable {
  columns = 160;
  rows = 50;
  isTTY = true;
  bytes = 0;
  onFrame: (() => void) | null = null;
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.bytes += chunk.length;
    this.onFrame?.();
    done();
  }
}

/** A terminal's input that nobody types on. */
const quietInput = async () =>
  Object.assign(new (await import('node:events')).EventEmitter(), {
    isTTY: true,
    setRawMode: () => undefined,
    setEncoding: () => undefined,
    read: () => null,
    ref: () => undefined,
    unref: () => undefined,
    resume: () => undefined,
    pause: () => undefined,
  });

/**
 * Bytes sent to the terminal over an idle minute: a snapshot a second (time moves exposures and the
 * header's age on), drawn with the console's render options, through the changed-lines writer or not.
 * Each second is given time for its frame (ink draws at most 10 a second).
 */
async function idleMinute(later: (ms: number) => FleetSnapshot, changedOnly: boolean): Promise<number> {
  const screen = new Screen();
  let clock = Date.now();
  const start = clock;
  const listeners = new Set<(s: FleetSnapshot) => void>();
  let snapshot = later(0);
  const source = { snapshot: () => snapshot, subscribe: (l: (s: FleetSnapshot) => void) => (listeners.add(l), () => void listeners.delete(l)), refresh: () => undefined };
  const stdout = screen as unknown as NodeJS.WriteStream;
  const app = render(createElement(App, { source, theme: loadTheme('default'), readOnly: false, now: () => clock }), {
    ...CONSOLE_RENDER,
    stdout: changedOnly ? writingChangedLines(stdout) : stdout,
    stdin: (await quietInput()) as unknown as NodeJS.ReadStream,
    patchConsole: false,
  });
  const settle = () => new Promise((r) => setTimeout(r, 120));
  await settle();
  const before = screen.bytes;
  for (let second = 1; second <= 60; second++) {
    clock = start + second * 1000;
    snapshot = later(second * 1000);
    for (const l of listeners) l(snapshot);
    await settle();
  }
  app.unmount();
  return screen.bytes - before;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]!;

for (const size of values.sizes!.split(',').map(Number)) {
  const { snapshot, later } = fleetOf(size);
  const stdout = new Screen();
  const stdin = await quietInput();
  const source = { snapshot: () => snapshot, subscribe: () => () => undefined, refresh: () => undefined };
  const frame = () => new Promise<number>((resolve) => {
    const t = performance.now();
    stdout.onFrame = () => {
      stdout.onFrame = null;
      resolve(performance.now() - t);
    };
  });
  const first = frame();
  const app = render(createElement(App, { source, theme: loadTheme('default'), readOnly: false }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 1000,
  });
  const firstMs = await first;
  const times: number[] = [];
  for (let i = 0; i < Number(values.keys); i++) {
    const next = frame();
    stdin.emit('readable');
    (stdin as unknown as { read: () => string | null }).read = (() => {
      let sent = false;
      return () => (sent ? null : ((sent = true), 'j'));
    })();
    stdin.emit('readable');
    times.push(await next);
  }
  // Typing a filter re-filters on every key. "app01" matches a fortieth of a scale fleet's databases.
  const timed = (f: () => unknown) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  const filterSort = () => buildRows(snapshot, { ...initialGrid, filter: 'app01', sort: { key: 'exposure', desc: true } });
  const coldMs = timed(filterSort);
  const filterMs = pct([timed(filterSort), timed(filterSort), timed(filterSort)], 0.5);
  const rows = filterSort();
  timed(() => buildRows(snapshot, { ...initialGrid, sort: { key: 'database', desc: false } }));
  const sortMs = timed(() => buildRows(snapshot, { ...initialGrid, sort: { key: 'database', desc: false } }));
  // Time moves exposures on: the console takes a new snapshot about every second and filters it again.
  later(1000);
  const rebuildMs = pct([2000, 3000, 4000].map((ms) => timed(() => later(ms))), 0.5);
  const fresh = later(5000);
  const freshFilterMs = timed(() => buildRows(fresh, { ...initialGrid, filter: 'app01', sort: { key: 'exposure', desc: true } }));
  app.unmount();
  const idleChanged = await idleMinute(later, true);
  const idleWhole = await idleMinute(later, false);
  console.log(
    `${size} databases: first frame ${firstMs.toFixed(1)} ms; key to frame median ${pct(times, 0.5).toFixed(2)} ms, p99 ${pct(times, 0.99).toFixed(2)} ms over ${times.length} presses; ` +
      `filter "app01" + sort by exposure ${filterMs.toFixed(1)} ms (first pass ${coldMs.toFixed(1)} ms, on a new snapshot ${freshFilterMs.toFixed(1)} ms; ${rows.length} rows); ` +
      `sort all by name ${sortMs.toFixed(1)} ms; a new snapshot (time moved on) ${rebuildMs.toFixed(1)} ms; ` +
      `an idle minute sends ${(idleChanged / 1024).toFixed(1)} KB (whole frames: ${(idleWhole / 1024).toFixed(1)} KB)`,
  );
}
process.exit(0);
