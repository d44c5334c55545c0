import type { ConfigInput } from '../config/schema.js';
import { SimFleet, type Endpoint } from './fleet.js';
import type { Scenario } from './scenario.js';
import { loadScenario } from './scenarios.js';

/** The demo inventory names this variable; the demo sets it in its own process only. */
export const DEMO_PASSWORD_ENV = 'RPOTOP_DEMO_PASSWORD';

/** An inventory for a running simulated fleet: its instances, the scenario's groups and RPOs. */
export function demoInventory(scenario: Scenario, endpoints: readonly Endpoint[]): ConfigInput {
  const rpo = new Map<string, string>();
  for (const inst of scenario.instances) for (const d of inst.databases) if (d.rpo) rpo.set(`${inst.name}/${d.name}`, d.rpo);
  // A standby copy is held to its source database's RPO: how far behind it may fall.
  for (const inst of scenario.instances) {
    for (const shipping of inst.logShipping) {
      for (const name of shipping.databases) {
        const source = rpo.get(`${shipping.from}/${name}`);
        if (source) rpo.set(`${inst.name}/${name}`, source);
      }
    }
  }
  for (const ag of scenario.availabilityGroups) {
    for (const d of ag.databases) {
      if (!d.rpo) continue;
      rpo.set(`${ag.primary}/${d.name}`, d.rpo);
      rpo.set(`${ag.secondary}/${d.name}`, d.rpo);
    }
  }
  return {
    version: 1,
    fleet: `demo: ${scenario.name}`,
    defaults: { rpo: '1d', rto: '4h', warnAt: 0.8 },
    poll: { intervalSeconds: 10, jitterSeconds: 1, concurrency: 32, connectTimeoutSeconds: 5, requestTimeoutSeconds: 10, staleAfterSeconds: 60 },
    instances: endpoints.map((e) => ({
      name: e.name,
      host: e.host,
      port: e.port,
      auth: { type: 'sql' as const, user: e.login, passwordEnv: DEMO_PASSWORD_ENV },
      // The simulator speaks cleartext unless started with TLS; asking for encryption would flag every link.
      encrypt: false,
      databases: {
        targets: Object.fromEntries(
          [...rpo].filter(([key]) => key.startsWith(`${e.name}/`)).map(([key, value]) => [key.slice(e.name.length + 1), { rpo: value }]),
        ),
      },
    })),
    groups: scenario.groups.map((g) => ({
      name: g.name,
      ...(g.preset ? { preset: g.preset } : {}),
      ...(g.business ? { business: g.business } : {}),
      ...(g.instance ? { instance: g.instance } : {}),
      ...(g.rpo ? { targets: { rpo: g.rpo } } : {}),
    })),
  };
}

/** Starts the simulated fleet in this process and returns it with an inventory that points at it. */
export async function startDemo(scenarioName: string): Promise<{ fleet: SimFleet; inventory: ConfigInput }> {
  const scenario = loadScenario(scenarioName);
  const fleet = new SimFleet({ scenario });
  const endpoints = await fleet.start();
  process.env[DEMO_PASSWORD_ENV] = fleet.password;
  return { fleet, inventory: demoInventory(scenario, endpoints) };
}
