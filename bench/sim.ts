/**
 * Simulator throughput and footprint:
 *   npx tsx bench/sim.ts [--seconds 3] [--instances 1000] [--databases 40]
 * prints logins per second and queries per second against one simulated instance through the real
 * driver, then the memory a generated fleet of N instances x M databases takes (model and listeners).
 */
import { parseArgs } from 'node:util';
import sql from 'mssql';
import { SimClock } from '../src/sim/clock.js';
import { SimFleet } from '../src/sim/fleet.js';
import { scaleScenario } from '../src/sim/scenarios.js';
import { historyQuery } from '../src/sql/catalog.js';
import { connectWithoutNagle } from '../src/sql/connector.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, instances: { type: 'string', default: '1000' }, databases: { type: 'string', default: '40' } },
});
const seconds = Number(values.seconds);

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function throughput(): Promise<void> {
  const fleet = new SimFleet({ scenario: scaleScenario(1, 40, { history: '26h', logEvery: '1h' }), clock: new SimClock(), manualClock: true });
  const [ep] = await fleet.start();
  // Connected as the console connects (Nagle off), so a request of several packets is not held back.
  const config = { server: ep!.host, port: ep!.port, user: ep!.login, password: ep!.password, options: { encrypt: false, connector: connectWithoutNagle } as sql.config['options'] };

  let logins = 0;
  const loginEnd = Date.now() + seconds * 1000;
  while (Date.now() < loginEnd) {
    const pool = await new sql.ConnectionPool({ ...config, pool: { max: 1, min: 0 } }).connect();
    await pool.close();
    logins++;
  }
  console.log(`logins per second (connect, login, initial SET batch, close; sequential): ${(logins / seconds).toFixed(0)}`);

  const pool = await new sql.ConnectionPool({ ...config, pool: { max: 8, min: 8 }, validateConnection: 'socket' } as sql.config).connect();
  for (const [label, run] of [
    ['SELECT 1', () => pool.request().query('SELECT 1 AS one')],
    [`${historyQuery.id} incremental (no new rows)`, () => pool.request().input('since_id', sql.Int, 1e9).input('window_days', sql.Int, 8).query(historyQuery.text)],
    [`${historyQuery.id} first poll (${fleet.instance('SQL0001').backupset.length} rows in msdb)`, () => pool.request().input('since_id', sql.Int, 0).input('window_days', sql.Int, 8).query(historyQuery.text)],
  ] as const) {
    let done = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < end) {
          await run();
          done++;
        }
      }),
    );
    console.log(`queries per second, ${label}, 8 concurrent: ${(done / seconds).toFixed(0)}`);
  }
  await pool.close();
  await fleet.stop();
}

async function footprint(): Promise<void> {
  const instances = Number(values.instances);
  const databases = Number(values.databases);
  global.gc?.();
  const before = process.memoryUsage();
  const started = Date.now();
  const fleet = new SimFleet({ scenario: scaleScenario(instances, databases), clock: new SimClock(), manualClock: true });
  const built = Date.now();
  await fleet.start();
  const listening = Date.now();
  global.gc?.();
  const after = process.memoryUsage();
  const rows = [...fleet.instances.values()].reduce((n, i) => n + i.backupset.length, 0);
  console.log(`scale fleet: ${instances} instances x ${databases} databases, ${rows} backup sets in msdb`);
  console.log(`  built in ${built - started} ms, listening in ${listening - built} ms`);
  console.log(`  heap used ${mb(after.heapUsed - before.heapUsed)}, RSS ${mb(after.rss)} (process total)`);
  await fleet.stop();
}

await throughput();
await footprint();
