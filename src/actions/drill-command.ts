import { createInterface } from 'node:readline/promises';
import { terminalPrompt } from '../config/prompt.js';
import { findInstance, resolveInventory } from '../config/resolve.js';
import { configSchema, type Config } from '../config/schema.js';
import { loadConfig, locateConfig } from '../config/store.js';
import type { DrillRecord } from '../domain/drill.js';
import { formatDuration, utcToServerLocal } from '../domain/time.js';
import { visible } from '../domain/visible.js';
import { FleetPoller } from '../fleet/poller.js';
import { serverClock } from '../fleet/snapshot.js';
import { startDemo } from '../sim/demo.js';
import { script, type Statement } from '../sql/statements.js';
import { DrillLog } from './drill-log.js';
import { buildDrillPlan, runDrill } from './drill.js';
import { Executor } from './executor.js';
import { defaultJournalPath, Journal } from './journal.js';
import { withWholeHistory } from './restore-request.js';

export interface DrillCommand {
  instance: string;
  database: string;
  /** Restore the copy here instead of the inventory's drillTarget (or the instance itself). */
  target: string | undefined;
  config: string | undefined;
  demo: boolean;
  scenario: string;
  /** Confirm every statement of the drill (for cron): without it, each is asked on the terminal. */
  yes: boolean;
}

export class DrillError extends Error {
  override name = 'DrillError';
}

/** Exit codes as status's: 0 passed, 1 passed but slower than the RTO, 2 failed, 3 could not run or was stopped. */
export function drillExitCode(r: DrillRecord): 0 | 1 | 2 | 3 {
  if (r.result === 'checkdb-errors' || r.result === 'restore-failed') return 2;
  if (r.result === 'interrupted') return 3;
  return r.restoreMs > r.rtoSeconds * 1000 ? 1 : 0;
}

/** The drill's end in one line: how it ended, and each time measured against the RTO. */
export function drillSummary(r: DrillRecord): string {
  const outcome = { passed: 'passed', 'checkdb-errors': 'FAILED: CHECKDB found consistency errors', 'restore-failed': 'FAILED: the restore did not complete', interrupted: 'interrupted' }[r.result];
  const rto = `${r.restoreMs > r.rtoSeconds * 1000 ? 'longer than' : 'within'} the RTO of ${formatDuration(r.rtoSeconds * 1000)}`;
  return `${outcome}: restore ${formatDuration(r.restoreMs)} (${rto}), CHECKDB ${formatDuration(r.checkdbMs)}, total ${formatDuration(r.totalMs)}`;
}

/**
 * Asks on the terminal for each statement: the script, then yes (or the copy's name for its DROP, which
 * the executor checks). Null when nobody can answer: then --yes is the only way to run.
 */
function terminalConfirm(out: NodeJS.WritableStream): ((s: Statement) => Promise<string | null>) | null {
  if (!process.stdin.isTTY) return null;
  return async (s) => {
    out.write(`\n${s.summary}\n${script(s).split('\n').map((l) => `    ${visible(l)}`).join('\n')}\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = (await rl.question(s.destructive ? `type ${visible(s.database)} to run it, anything else to stop: ` : 'run it? (yes/no) ')).trim();
      if (s.destructive) return answer === s.database ? answer : null;
      return answer.toLowerCase() === 'yes' || answer.toLowerCase() === 'y' ? 'yes' : null;
    } finally {
      rl.close();
    }
  };
}

/**
 * `rpotop drill INSTANCE DATABASE`: restores the database's latest chain under a new name on its drill
 * target, checks the copy with DBCC CHECKDB, drops it, and records what it measured in the drill log.
 * Every statement goes through the executor (confirmed, journaled, read-only respected); Ctrl-C stops the
 * drill and drops what it created.
 */
export async function runDrillCommand(cmd: DrillCommand, out: NodeJS.WritableStream): Promise<number> {
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  try {
    const config: Config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    const source = findInstance(config, cmd.instance);
    if (!source) throw new DrillError(`no instance named "${cmd.instance}" in the inventory (${config.instances.map((i) => i.name).join(', ')})`);
    const targetName = cmd.target ?? source.drillTarget ?? source.name;
    const target = findInstance(config, targetName);
    if (!target) throw new DrillError(`no drill target named "${targetName}" in the inventory`);
    const confirm = cmd.yes ? (s: Statement) => Promise.resolve(s.destructive ? s.database : 'yes') : terminalConfirm(out);
    if (!confirm) throw new DrillError('nobody can confirm the statements here (no terminal): add --yes to run the drill unattended');

    const journal = new Journal(defaultJournalPath(process.env, cmd.demo));
    const log = DrillLog.besideJournal(journal.file);
    const only = { ...config, instances: source === target ? [source] : [source, target], groups: [] };
    const poller = new FleetPoller({ inventory: resolveInventory(only), prompt: terminalPrompt(), drills: () => log.latest() });
    await poller.pollAll();
    try {
      const snapshot = poller.snapshot();
      for (const inst of snapshot.instances) if (inst.status === 'UNKNOWN' && inst.error) throw new DrillError(`${inst.name} could not be read: ${inst.error}`);
      const polled = snapshot.databases.find((d) => d.instance === source.name && d.name.toLowerCase() === cmd.database.toLowerCase());
      if (!polled) throw new DrillError(`no database named "${cmd.database}" on ${source.name}`);
      const db = await withWholeHistory(poller, polled);
      if ('refused' in db) throw new DrillError(db.refused);
      const runner = poller.runnerFor(target.name);
      if (!runner) throw new DrillError(`${target.name} is not connected`);
      const sourceInst = snapshot.instances.find((i) => i.name === source.name)!;
      const targetInst = snapshot.instances.find((i) => i.name === target.name)!;
      const now = Date.now();
      const plan = await buildDrillPlan(
        db,
        {
          instance: target.name,
          neighbours: snapshot.databases.filter((d) => d.instance === target.name),
          folders: await runner.defaultPaths(),
          files: (backup) => runner.backupFiles(backup),
        },
        serverClock(sourceInst, now) ?? now,
        sourceInst.utcOffsetMinutes ?? 0,
        utcToServerLocal(serverClock(targetInst, now) ?? now, targetInst.utcOffsetMinutes ?? 0),
      );
      if ('refused' in plan) throw new DrillError(`no drill of ${source.name} / ${db.name}: ${plan.refused}`);
      out.write(
        `drill of ${visible(source.name)} / ${visible(db.name)} on ${visible(target.name)} as ${visible(plan.copy)}: ${plan.steps.length} statements, ` +
          `estimated restore ${formatDuration(plan.estimate.seconds * 1000)} (${plan.estimate.basis}), RTO ${formatDuration(polled.targets.rtoMinutes * 60_000)}\n`,
      );

      const abort = new AbortController();
      const onSigint = () => {
        out.write('\nstopping: the running statement is cancelled, then the copy is dropped\n');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const record = await runDrill({
          plan,
          instance: target,
          runner,
          executor: new Executor(journal, config.readOnly),
          log,
          confirm,
          rtoSeconds: polled.targets.rtoMinutes * 60,
          signal: abort.signal,
          onEvent: (e) => {
            if (e.kind === 'step') out.write(`[${e.index + 1}/${plan.steps.length}] ${visible(e.statement.summary)} ... `);
            if (e.kind === 'outcome') {
              const why = e.outcome.error ? `: Msg ${e.outcome.error.number ?? '?'}: ${e.outcome.error.message}` : '';
              out.write(`${e.outcome.outcome} in ${formatDuration(e.outcome.durationMs)}${visible(why)}\n`);
            }
          },
        });
        out.write(`\n${drillSummary(record)}\n`);
        for (const e of record.errors) out.write(`  ${visible(e)}\n`);
        if (record.dropNote) out.write(`${visible(record.dropNote)}\n`);
        out.write(`recorded in ${visible(log.file)}\n`);
        return drillExitCode(record);
      } finally {
        process.off('SIGINT', onSigint);
      }
    } finally {
      await poller.stop();
    }
  } finally {
    await demo?.fleet.stop();
  }
}
