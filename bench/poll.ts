/**
 * How fast the poller reads a large fleet, compiled as the CLI runs (or from the sources under tsx,
 * which adds some 40 MB of RSS of its own):
 *   npm run bench:poll -- [--instances 50] [--databases 40] [--history 8d] [--log-every 15m] [--latency 20] [--concurrency 32] [--steady 3]
 *   node --expose-gc --import tsx bench/poll.ts [same options]
 * The simulated scale fleet (daily fulls, 6-hourly differentials, logs at the cadence, over the history)
 * runs in a child process with LATENCY ms added to every round trip; this process polls it and prints
 * the measured times against the bound ceil(instances / concurrency) x latency, bytes, rows and CPU per
 * instance, and this process's RSS; and what the simulator's history cost to build and hold (msdb kept
 * in columns: 500 x 40 x 8 days of 15-minute logs is some 16 million backup sets).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { resolveInventory } from '../src/config/resolve.js';
import { configSchema } from '../src/config/schema.js';
import { FleetPoller } from '../src/fleet/poller.js';
import type { Endpoint } from '../src/sim/fleet.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '50' },
    databases: { type: 'string', default: '40' },
    history: { type: 'string', default: '8d' },
    'log-every': { type: 'string', default: '15m' },
    latency: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    steady: { type: 'string', default: '3' },
  },
});
const instances = Number(values.instances);
const databases = Number(values.databases);
const latency = Number(values.latency);
const concurrency = Number(values.concurrency);

// From the sources under tsx, or compiled (npm run bench:poll) under plain node as the CLI runs.
const compiled = import.meta.url.endsWith('.js');
const simChild = compiled ? [path.join(import.meta.dirname, 'sim-child.js')] : ['--import', 'tsx', path.join(import.meta.dirname, 'sim-child.ts')];
const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=16384', ...simChild, String(instances), String(databases), String(latency), values.history, values['log-every']], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value as string);
const { endpoints, backupSets, historyBytes, buildMs, listenMs, rssMb, heapMb } = (await next()) as {
  endpoints: Endpoint[];
  backupSets: number;
  historyBytes: number;
  buildMs: number;
  listenMs: number;
  rssMb: number;
  heapMb: number;
};
const stats = async (): Promise<{ bytesIn: number; bytesOut: number }> => {
  child.stdin.write('stats\n');
  return next();
};

const inventory = resolveInventory(
  configSchema.parse({
    version: 1,
    fleet: 'bench',
    poll: { concurrency, connectTimeoutSeconds: 60, requestTimeoutSeconds: 60, intervalSeconds: 60, jitterSeconds: 0 },
    instances: endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port, encrypt: false, auth: { type: 'sql', user: e.login, passwordEnv: 'BENCH_PW' } })),
  }),
);
const poller = new FleetPoller({ inventory, env: { BENCH_PW: endpoints[0]!.password }, prompt: null });
const bound = Math.ceil(instances / concurrency) * latency;

/** RSS after a full GC, and how much of it is the JS heap (used, and reserved by V8) and what lies outside it. */
function memory(): string {
  global.gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
  return `RSS ${mb(m.rss)} MB: JS heap ${mb(m.heapUsed)} MB used of ${mb(m.heapTotal)} MB reserved, ${mb(m.rss - m.heapTotal)} MB outside it (buffers ${mb(m.arrayBuffers)} MB)`;
}
const loaded = memory();

const beforeFirst = await stats();
let t = performance.now();
let cpu = process.cpuUsage();
await poller.pollAll();
const firstMs = performance.now() - t;
const firstCpu = process.cpuUsage(cpu);
const afterFirst = await stats();
const firstBytes = afterFirst.bytesIn + afterFirst.bytesOut - beforeFirst.bytesIn - beforeFirst.bytesOut;
const firstRows = poller.trackers.reduce((n, tr) => n + tr.lastPollRows, 0);
t = performance.now();
const first = poller.snapshot();
const snapshotMs = performance.now() - t;
const failed = first.instances.filter((i) => i.status !== 'OK').length;

const steadyTimes: number[] = [];
let bytes = 0;
let rows = 0;
let steadyCpu = process.cpuUsage(process.cpuUsage());
for (let i = 0; i < Number(values.steady); i++) {
  const before = await stats();
  t = performance.now();
  cpu = process.cpuUsage();
  await poller.pollAll();
  steadyTimes.push(performance.now() - t);
  steadyCpu = process.cpuUsage(cpu);
  const after = await stats();
  bytes = after.bytesIn + after.bytesOut - before.bytesIn - before.bytesOut;
  rows = poller.trackers.reduce((n, tr) => n + tr.lastPollRows, 0);
}
const steadyMs = steadyTimes.reduce((a, b) => a + b, 0) / steadyTimes.length;
t = performance.now();
const latest = poller.snapshot();
const resnapshotMs = performance.now() - t;

// A detail view or a plan reads one database's whole history on demand: a full-recovery one, with the most rows.
const opened = latest.databases.find((d) => d.state.recoveryModel === 'FULL' && !d.state.availabilityGroup);
const onDemand = async () => {
  t = performance.now();
  const rows = opened ? await poller.history(opened) : [];
  return { ms: performance.now() - t, rows: rows.length };
};
const [coldHistory, warmHistory] = [await onDemand(), await onDemand()];

const f = (n: number) => n.toFixed(0);
console.log(`${compiled ? 'compiled, under plain node' : 'from the sources, under tsx'}`);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
console.log(`instances ${instances}, databases ${instances * databases}, concurrency ${concurrency}, latency ${latency} ms per round trip`);
console.log(`history: ${values.history} with logs every ${values['log-every']}: ${backupSets} backup sets in the simulator`);
console.log(
  `simulator: history built in ${f(buildMs)} ms (${((buildMs * 1000) / backupSets).toFixed(2)} us per set), listening after ${f(listenMs)} ms; RSS ${rssMb} MB, JS heap ${heapMb} MB, msdb columns ${f(historyBytes / 1024 / 1024)} MB (${f(historyBytes / backupSets)} bytes per set)`,
);
console.log(`bound ceil(instances / concurrency) x latency: ${bound} ms`);
console.log(`first poll: ${f(firstMs)} ms, ratio ${(firstMs / bound).toFixed(2)} (connects first: prelogin, login and the initial SET batch are 3 more round trips)`);
console.log(`first poll read: ${f(firstBytes)} bytes on the wire, ${firstRows} rows (${f(firstBytes / instances)} bytes and ${(firstRows / instances).toFixed(1)} rows per instance)`);
console.log(`poller CPU per instance: login + first poll ${(cpuMs(firstCpu) / instances).toFixed(1)} ms, steady poll ${(cpuMs(steadyCpu) / instances).toFixed(1)} ms`);
console.log(`steady-state poll (mean of ${steadyTimes.length}): ${f(steadyMs)} ms, ratio ${(steadyMs / bound).toFixed(2)}`);
console.log(`per steady poll: ${f(bytes)} bytes on the wire, ${rows} rows (${f(bytes / instances)} bytes and ${(rows / instances).toFixed(1)} rows per instance)`);
console.log(`snapshot (status of every database): first ${f(snapshotMs)} ms, after a steady poll ${f(resnapshotMs)} ms`);
console.log(`whole history of one database on demand: ${f(coldHistory.ms)} ms for ${coldHistory.rows} backup sets (one round trip; bound ${latency} ms + 50), then ${warmHistory.ms.toFixed(1)} ms from the cache`);
// Why they failed, counted by the error's words (a timeout is the simulator's queue, not the poller).
const reasons = new Map<string, number>();
for (const i of first.instances) if (i.status !== 'OK') reasons.set(i.error ?? 'unknown', (reasons.get(i.error ?? 'unknown') ?? 0) + 1);
console.log(`instances failing after the first poll: ${failed}${[...reasons].map(([why, n]) => `\n  ${n} x ${why}`).join('')}`);
// V8 gives pages back some seconds after the peak (its memory reducer), as a console between polls would see.
const afterPolls = memory();
await new Promise((r) => setTimeout(r, 10_000));
const settled = memory();
console.log(`backup sets held: ${poller.trackers.reduce((n, tr) => n + tr.rowCount, 0)}`);
console.log(`poller memory, modules loaded: ${loaded}`);
console.log(`poller memory after the polls: ${afterPolls}`);
console.log(`poller memory 10 s later: ${settled}`);
await poller.stop();
// Closing its stdin ends the child cleanly (a profiler attached to it writes its profile).
child.stdin.end();
console.log(`poller memory with the connections closed: ${memory()}`);
