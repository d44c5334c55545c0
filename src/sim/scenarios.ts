import { DataFolder } from '../data-file.js';
import { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.js';

/** A generated estate of `instances` x `databases`, for benchmarks: daily fulls and hourly logs. */
export function scaleScenario(instances = 500, databases = 40, historyHours = 6): Scenario {
  const input: ScenarioInput = {
    name: 'scale',
    description: `${instances} instances x ${databases} databases`,
    historyHours,
    instances: Array.from({ length: instances }, (_, i) => ({
      name: `SQL${String(i + 1).padStart(4, '0')}`,
      timeZoneMinutes: 0,
      databases: Array.from({ length: databases }, (_, d) => ({
        name: `App${String(d + 1).padStart(3, '0')}`,
        recovery: d % 5 === 4 ? ('SIMPLE' as const) : ('FULL' as const),
        dataGb: 5,
        rpo: d % 5 === 4 ? '1d' : '1h',
        jobs:
          d % 5 === 4
            ? [{ type: 'full' as const, every: '1d', offset: `${d % 24}h` }]
            : [
                { type: 'full' as const, every: '1d', offset: `${d % 24}h` },
                { type: 'log' as const, every: '1h', offset: `${d % 60}m` },
              ],
      })),
    })),
  };
  return scenarioSchema.parse(input);
}

const scenarios = new DataFolder('scenarios', 'scenario', scenarioSchema);

export function scenarioNames(): string[] {
  return [...scenarios.names(), 'scale'].sort();
}

/** A scenario by name: a data file in scenarios/, or `scale` (optionally `scale:INSTANCESxDATABASES`). */
export function loadScenario(name: string): Scenario {
  const scale = /^scale(?::(\d+)x(\d+))?$/.exec(name);
  if (scale) return scaleScenario(scale[1] ? Number(scale[1]) : undefined, scale[2] ? Number(scale[2]) : undefined);
  return scenarios.load(name, scenarioNames);
}
