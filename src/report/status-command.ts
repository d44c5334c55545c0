import { terminalPrompt } from '../config/prompt.js';
import { resolveInventory } from '../config/resolve.js';
import { configSchema } from '../config/schema.js';
import { loadConfig, locateConfig } from '../config/store.js';
import type { Status } from '../domain/status.js';
import { FleetPoller } from '../fleet/poller.js';
import { DrillLog } from '../actions/drill-log.js';
import { defaultJournalPath } from '../actions/journal.js';
import { startDemo } from '../sim/demo.js';
import { formatJson } from './json.js';
import { formatMarkdown } from './markdown.js';
import { formatTable } from './table.js';

export interface StatusCommand {
  config: string | undefined;
  demo: boolean;
  scenario: string;
  format: 'table' | 'json' | 'markdown';
  failOn: 'warn' | 'breach';
}

/** Monitoring-plugin exit codes: 0 OK, 1 WARN, 2 BREACH or UNPROTECTED, 3 UNKNOWN or the run failed. */
export function exitCodeFor(worst: Status, failOn: StatusCommand['failOn']): 0 | 1 | 2 | 3 {
  switch (worst) {
    case 'UNKNOWN':
      return 3;
    case 'UNPROTECTED':
    case 'BREACH':
      return 2;
    case 'WARN':
      return failOn === 'warn' ? 1 : 0;
    case 'OK':
      return 0;
  }
}

/** `rpotop status`: one poll of the whole fleet, printed, with an exit code for scripts and monitoring. */
export async function runStatus(cmd: StatusCommand, out: NodeJS.WriteStream): Promise<number> {
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  try {
    const config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    const drills = DrillLog.besideJournal(defaultJournalPath(process.env, cmd.demo));
    const poller = new FleetPoller({ inventory: resolveInventory(config), prompt: terminalPrompt(), drills: () => drills.latest() });
    await poller.pollAll();
    const snapshot = poller.snapshot();
    await poller.stop();
    const code = exitCodeFor(snapshot.worst, cmd.failOn);
    const colour = out.isTTY === true && !process.env.NO_COLOR;
    const text =
      cmd.format === 'json' ? formatJson(snapshot, code) : cmd.format === 'markdown' ? formatMarkdown(snapshot) : formatTable(snapshot, colour);
    out.write(`${text}\n`);
    return code;
  } finally {
    await demo?.fleet.stop();
  }
}
