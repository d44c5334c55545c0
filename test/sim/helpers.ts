import sql from 'mssql';
import { afterAll, beforeAll } from 'vitest';
import { SimClock } from '../../src/sim/clock.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { connectWithoutNagle } from '../../src/sql/connector.js';
import { scenarioSchema, type ScenarioInput } from '../../src/sim/scenario.js';

/** A one-instance fleet made by the test, with a database whose name needs quoting. */
export function smallScenario(extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'test',
    description: 'made by the tests',
    historyHours: 26,
    instances: [
      {
        name: 'SQLTEST',
        timeZoneMinutes: 60,
        databases: [
          {
            name: "Pay]roll 'Ærø'",
            recovery: 'FULL',
            dataGb: 1,
            jobs: [
              { type: 'full', every: '1d', offset: '1h' },
              { type: 'diff', every: '6h', offset: '3h' },
              { type: 'log', every: '15m' },
            ],
          },
          { name: 'Simple', recovery: 'SIMPLE', dataGb: 1, jobs: [{ type: 'full', every: '1d' }] },
        ],
      },
    ],
    ...extra,
  };
}

export async function startFleet(input: ScenarioInput = smallScenario(), opts: { statementThroughput?: number } = {}) {
  const clock = new SimClock();
  const fleet = new SimFleet({
    scenario: scenarioSchema.parse(input),
    clock,
    manualClock: true,
    statementThroughput: opts.statementThroughput ?? 50 * 1024 ** 3,
  });
  const endpoints = await fleet.start();
  return { fleet, endpoints, clock };
}

export async function connect(
  endpoint: { host: string; port: number; login: string; password: string },
  options: Partial<sql.config> & { encrypt?: boolean | 'strict' } = {},
): Promise<sql.ConnectionPool> {
  const { encrypt = true, ...rest } = options;
  const pool = new sql.ConnectionPool({
    server: endpoint.host,
    port: endpoint.port,
    user: endpoint.login,
    password: endpoint.password,
    connectionTimeout: 5000,
    requestTimeout: 5000,
    pool: { max: 5, min: 0 },
    ...rest,
    // As the console connects: a request of several packets is not held back by Nagle's algorithm.
    options: { encrypt: encrypt as boolean, trustServerCertificate: false, connector: connectWithoutNagle, ...(rest.options ?? {}) } as sql.config['options'],
  });
  await pool.connect();
  return pool;
}

/**
 * A fleet for one test file: started before its tests with a logged-in pool per instance, stopped after.
 * `pool()` is the first instance's, `pool(name)` another's.
 */
export function useSimFleet(input: ScenarioInput = smallScenario(), options: Partial<sql.config> = {}) {
  let fleet: SimFleet;
  let endpoints: Endpoint[] = [];
  const pools = new Map<string, sql.ConnectionPool>();
  beforeAll(async () => {
    ({ fleet, endpoints } = await startFleet(input));
    for (const e of endpoints) pools.set(e.name, await connect(e, options));
  });
  afterAll(async () => {
    for (const p of pools.values()) await p.close();
    await fleet?.stop();
  });
  return {
    get fleet(): SimFleet {
      return fleet;
    },
    endpoint: (name = endpoints[0]!.name): Endpoint => endpoints.find((e) => e.name === name)!,
    pool: (name = endpoints[0]!.name): sql.ConnectionPool => pools.get(name)!,
  };
}
