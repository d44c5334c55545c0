/**
 * How fast the poller reads a large fleet:
 *   npx tsx bench/poll.ts [--instances 500] [--databases 40] [--latency 50] [--concurrency 32] [--steady 3]
 * The simulated scale fleet runs in a child process with LATENCY ms added to every round trip; this
 * process polls it and prints the measured times against the bound ceil(instances / concurrency) x latency,
 * bytes and rows per steady-state poll, and this process's RSS.
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
    instances: { type: 'string', default: '500' },
    databases: { type: 'string', default: '40' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '32' },
    steady: { type: 'string', default: '3' },
  },
});
const instances = Number(values.instances);
const databases = Number(values.databases);
const latency = Number(values.latency);
const concurrency = Number(values.concurrency);

const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'sim-child.ts'), String(instances), String(databases), String(latency)], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value as string);
const { endpoints } = (await next()) as { endpoints: Endpoint[] };
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

const beforeFirst = await stats();
let t = performance.now();
await poller.pollAll();
const firstMs = performance.now() - t;
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
for (let i = 0; i < Number(values.steady); i++) {
  const before = await stats();
  t = performance.now();
  await poller.pollAll();
  steadyTimes.push(performance.now() - t);
  const after = await stats();
  bytes = after.bytesIn + after.bytesOut - before.bytesIn - before.bytesOut;
  rows = poller.trackers.reduce((n, tr) => n + tr.lastPollRows, 0);
}
const steadyMs = steadyTimes.reduce((a, b) => a + b, 0) / steadyTimes.length;
t = performance.now();
poller.snapshot();
const resnapshotMs = performance.now() - t;
global.gc?.();
const rss = process.memoryUsage().rss;

const f = (n: number) => n.toFixed(0);
console.log(`instances ${instances}, databases ${instances * databases}, concurrency ${concurrency}, latency ${latency} ms per round trip`);
console.log(`bound ceil(instances / concurrency) x latency: ${bound} ms`);
console.log(`first poll: ${f(firstMs)} ms, ratio ${(firstMs / bound).toFixed(2)} (connects first: prelogin, login and the initial SET batch are 3 more round trips)`);
console.log(`first poll read: ${f(firstBytes)} bytes on the wire, ${firstRows} rows (${f(firstBytes / instances)} bytes and ${(firstRows / instances).toFixed(1)} rows per instance)`);
console.log(`steady-state poll (mean of ${steadyTimes.length}): ${f(steadyMs)} ms, ratio ${(steadyMs / bound).toFixed(2)}`);
console.log(`per steady poll: ${f(bytes)} bytes on the wire, ${rows} rows (${f(bytes / instances)} bytes and ${(rows / instances).toFixed(1)} rows per instance)`);
console.log(`snapshot (status of every database): first ${f(snapshotMs)} ms, after a steady poll ${f(resnapshotMs)} ms`);
console.log(`instances failing: ${failed}`);
const mem = process.memoryUsage();
// V8 gives pages back some seconds after the peak (its memory reducer), as a console between polls would see.
await new Promise((r) => setTimeout(r, 10_000));
global.gc?.();
const settled = process.memoryUsage();
console.log(`poller RSS 10 s later: ${f(settled.rss / 1024 / 1024)} MB (heap ${f(settled.heapUsed / 1024 / 1024)} MB of ${f(settled.heapTotal / 1024 / 1024)} MB reserved)`);
console.log(`poller RSS: ${f(rss / 1024 / 1024)} MB (heap used after GC ${f(mem.heapUsed / 1024 / 1024)} MB of ${f(mem.heapTotal / 1024 / 1024)} MB reserved, buffers ${f(mem.arrayBuffers / 1024 / 1024)} MB, backup sets held ${poller.trackers.reduce((n, tr) => n + tr.rowCount, 0)})`);
await poller.stop();
// Closing its stdin ends the child cleanly (a profiler attached to it writes its profile).
child.stdin.end();
global.gc?.();
console.log(`after closing the connections: heap used ${f(process.memoryUsage().heapUsed / 1024 / 1024)} MB, RSS ${f(process.memoryUsage().rss / 1024 / 1024)} MB`);
