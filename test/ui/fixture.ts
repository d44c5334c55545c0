import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { buildSnapshot, type FleetSnapshot } from '../../src/fleet/snapshot.js';
import { InstanceTracker } from '../../src/fleet/tracker.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory } from '../../src/sim/demo.js';
import { SimFleet } from '../../src/sim/fleet.js';
import { offlinePoll } from '../../src/sim/offline.js';
import { loadScenario } from '../../src/sim/scenarios.js';

/**
 * The fixture's moment: a fixed time of day, because the seeds scenario's statuses change with it (from
 * about 19:30 UTC its daily fulls pass 80% of a one-day RPO and 19 databases read WARN).
 */
export const FIXTURE_NOW = Date.UTC(2026, 10, 20, 9, 7, 30);

/** A snapshot of the seeds scenario for component tests: the simulator's rows through the real tracker and snapshot. */
export function fixtureSnapshot(now = FIXTURE_NOW): FleetSnapshot {
  return polledFixture(now)(now);
}

/** The seeds fleet polled once at `polledAt`, and its snapshot at any later moment (time passing between polls). */
export function polledFixture(polledAt = FIXTURE_NOW): (now: number) => FleetSnapshot {
  const now = polledAt;
  const scenario = loadScenario('seeds');
  const fleet = new SimFleet({ scenario, clock: new SimClock(() => now), manualClock: true });
  const endpoints = [...fleet.instances.values()].map((i, n) => ({ name: i.name, host: '127.0.0.1', port: 40000 + n, login: 'rpotop', password: 'x' }));
  const inventory = resolveInventory(configSchema.parse(demoInventory(scenario, endpoints)));
  const trackers = inventory.config.instances.map((cfg) => {
    const t = new InstanceTracker(cfg, 8);
    t.apply(offlinePoll(fleet.instance(cfg.name)), now, 5, true);
    return t;
  });
  return (at) => buildSnapshot(trackers, { inventory, now: at, staleAfterMs: 60_000 });
}
