/**
 * A simulated scale fleet in its own process for bench/poll.ts, so the poller's memory is measured
 * alone. Prints one JSON line of endpoints; answers "stats" on stdin with total bytes in and out.
 *   npx tsx bench/sim-child.ts INSTANCES DATABASES LATENCY_MS HISTORY LOG_EVERY
 */
import { createInterface } from 'node:readline';
import { SimClock } from '../src/sim/clock.js';
import { SimFleet } from '../src/sim/fleet.js';
import { scaleScenario } from '../src/sim/scenarios.js';

const [instances = '500', databases = '40', latency = '50', history = '8d', logEvery = '15m'] = process.argv.slice(2);
const built = performance.now();
const fleet = new SimFleet({ scenario: scaleScenario(Number(instances), Number(databases), { history, logEvery }), clock: new SimClock(), manualClock: true });
const buildMs = performance.now() - built;
let backupSets = 0;
let historyBytes = 0;
for (const inst of fleet.instances.values()) {
  backupSets += inst.backupSetCount.sets;
  historyBytes += inst.backupSetCount.bytes;
}
const endpoints = await fleet.start();
for (const server of fleet.servers.values()) await server.setFaults({ latencyMs: Number(latency) });
global.gc?.();
const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
const listenMs = performance.now() - built;
const heapMb = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
process.stdout.write(`${JSON.stringify({ endpoints, backupSets, historyBytes, buildMs: Math.round(buildMs), listenMs: Math.round(listenMs), rssMb, heapMb })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    let bytesIn = 0;
    let bytesOut = 0;
    for (const s of fleet.servers.values()) {
      bytesIn += s.traffic.bytesIn;
      bytesOut += s.traffic.bytesOut;
    }
    process.stdout.write(`${JSON.stringify({ bytesIn, bytesOut })}\n`);
  }
}
await fleet.stop();
