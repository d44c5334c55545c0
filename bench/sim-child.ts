/**
 * A simulated scale fleet in its own process for bench/poll.ts, so the poller's memory is measured
 * alone. Prints one JSON line of endpoints; answers "stats" on stdin with total bytes in and out.
 *   npx tsx bench/sim-child.ts INSTANCES DATABASES LATENCY_MS
 */
import { createInterface } from 'node:readline';
import { SimClock } from '../src/sim/clock.js';
import { SimFleet } from '../src/sim/fleet.js';
import { scaleScenario } from '../src/sim/scenarios.js';

const [instances = '500', databases = '40', latency = '50'] = process.argv.slice(2);
const fleet = new SimFleet({ scenario: scaleScenario(Number(instances), Number(databases)), clock: new SimClock(), manualClock: true });
const endpoints = await fleet.start();
for (const server of fleet.servers.values()) await server.setFaults({ latencyMs: Number(latency) });
process.stdout.write(`${JSON.stringify({ endpoints })}\n`);
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
