import { parseDurationMinutes } from '../config/duration.js';
import { DataFolder } from '../data-file.js';
import { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.js';

/** The shape of a generated fleet's msdb history: how far back it goes and how often logs are backed up. */
export interface HistoryShape {
  /** A duration such as "8d" or "6h". */
  history: string;
  /** The log backup cadence, such as "15m". */
  logEvery: string;
}

/**
 * N instances x M databases with the backup schedules real estates run: a daily full, a differential
 * every 6 hours and logs at the cadence for most FULL databases; a weekly full with daily differentials
 * for every tenth; SIMPLE databases (every fifth) with their daily full only. Phases differ per database
 * so that backups do not all land on the same minute.
 */
export function scaleScenario(instances = 500, databases = 40, shape: HistoryShape = { history: '6h', logEvery: '1h' }): Scenario {
  const input: ScenarioInput = {
    name: 'scale',
    description: `${instances} instances x ${databases} databases, ${shape.history} of history, logs every ${shape.logEvery}`,
    historyHours: parseDurationMinutes(shape.history) / 60,
    instances: Array.from({ length: instances }, (_, i) => ({
      name: `SQL${String(i + 1).padStart(4, '0')}`,
      timeZoneMinutes: 0,
      databases: Array.from({ length: databases }, (_, d) => {
        const simple = d % 5 === 4;
        const weekly = d % 10 === 7;
        const hour = `${d % 24}h`;
        return {
          name: `App${String(d + 1).padStart(3, '0')}`,
          recovery: simple ? ('SIMPLE' as const) : ('FULL' as const),
          dataGb: 5,
          rpo: simple ? '1d' : '1h',
          jobs: simple
            ? [{ type: 'full' as const, every: '1d', offset: hour }]
            : [
                weekly ? { type: 'full' as const, every: '7d', offset: `${d % 7}d${hour}` } : { type: 'full' as const, every: '1d', offset: hour },
                weekly ? { type: 'diff' as const, every: '1d', offset: `${(d + 12) % 24}h` } : { type: 'diff' as const, every: '6h', offset: `${(d % 6) + 1}h30m` },
                { type: 'log' as const, every: shape.logEvery, offset: `${d % parseDurationMinutes(shape.logEvery)}m` },
              ],
        };
      }),
    })),
  };
  return scenarioSchema.parse(input);
}

const scenarios = new DataFolder('scenarios', 'scenario', scenarioSchema);

export function scenarioNames(): string[] {
  return [...scenarios.names(), 'scale'].sort();
}

/**
 * A scenario by name: a data file in scenarios/, or `scale`, optionally `scale:INSTANCESxDATABASES`,
 * then the history and the log cadence: `scale:500x40:8d:15m`.
 */
export function loadScenario(name: string): Scenario {
  const d = '(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?';
  const scale = new RegExp(`^scale(?::(\\d+)x(\\d+)(?::(${d})(?::(${d}))?)?)?$`).exec(name);
  if (scale) {
    const shape = scale[3] ? { history: scale[3], logEvery: scale[4] ?? '15m' } : undefined;
    return scaleScenario(scale[1] ? Number(scale[1]) : undefined, scale[2] ? Number(scale[2]) : undefined, shape);
  }
  return scenarios.load(name, scenarioNames);
}
