/**
 * What the domain costs per backup set on a real-looking history, compiled as the CLI runs:
 *   npm run bench:domain -- [--history 8d] [--log-every 15m] [--iterations 50]
 * One simulated instance of the scale scenario (daily fulls, 6-hourly differentials, logs at the cadence;
 * one database in ten with weekly fulls and daily differentials) is read whole through the simulator's
 * evaluator, then each full-recovery database's history goes through the restore chain to latest and to a
 * point in the middle, the findings, and the rows status keeps. Prints microseconds per backup set.
 */
import { parseArgs } from 'node:util';
import { buildRestoreChain, incarnationOf } from '../src/domain/chain.js';
import { findings } from '../src/domain/findings.js';
import type { BackupSet } from '../src/domain/history.js';
import { statusRows } from '../src/domain/status-rows.js';
import { SimClock } from '../src/sim/clock.js';
import { SimFleet } from '../src/sim/fleet.js';
import { offlinePoll } from '../src/sim/offline.js';
import { scaleScenario } from '../src/sim/scenarios.js';
import { toBackupSets, toDatabaseStates } from '../src/sql/rows.js';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: '8d' },
    'log-every': { type: 'string', default: '15m' },
    iterations: { type: 'string', default: '50' },
  },
});
const iterations = Number(values.iterations);
const fleet = new SimFleet({ scenario: scaleScenario(1, 10, { history: values.history, logEvery: values['log-every'] }), clock: new SimClock(), manualClock: true });
const instance = fleet.instance('SQL0001');
// since -1: every row msdb holds, as a detail view's whole history would be were the window that long.
const polled = offlinePoll(instance, -1, 10_000);
const sets = toBackupSets(polled.history, instance.name, 0).sets;
const databases = toDatabaseStates(instance.name, polled.databases, polled.files).filter((d) => d.recoveryModel === 'FULL' && d.databaseId > 4);
const histories = databases.map((db) => ({ db, history: sets.filter((b) => b.databaseName === db.name) }));
const rows = histories.reduce((n, h) => n + h.history.length, 0);
const now = instance.clock.now();

function time(label: string, work: (db: (typeof histories)[number]['db'], history: readonly BackupSet[]) => unknown): number {
  for (const h of histories) work(h.db, h.history); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) for (const h of histories) work(h.db, h.history);
  const us = ((performance.now() - started) * 1000) / (iterations * rows);
  console.log(`${label.padEnd(36)} ${us.toFixed(2)} us per backup set`);
  return us;
}

console.log(`${values.history} of history, logs every ${values['log-every']}: ${histories.length} full-recovery databases, ${rows} backup sets (${Math.round(rows / histories.length)} per database), ${iterations} iterations`);
const latest = time('restore chain to latest', (db, h) => buildRestoreChain(h, { kind: 'latest' }, incarnationOf(db, h)));
time('restore chain to a point mid-history', (db, h) => buildRestoreChain(h, { kind: 'pointInTime', at: now - 2 * 86_400_000 - 7 * 60_000 }, incarnationOf(db, h)));
const found = time('findings', (db, h) => findings(db, h));
time('rows status keeps', (db, h) => statusRows(db, h, now - 8 * 86_400_000));
console.log(`chain to latest + findings: ${(latest + found).toFixed(2)} us per backup set (target 2)`);
