import { createInterface } from 'node:readline/promises';
import { terminalPrompt } from '../config/prompt.js';
import { findInstance, resolveInventory, type Inventory } from '../config/resolve.js';
import { configSchema, type Config, type InstanceConfig } from '../config/schema.js';
import { loadConfig, locateConfig } from '../config/store.js';
import { drillable, drillDue, drillSummary, type DrillRecord } from '../domain/drill.js';
import { formatDuration } from '../domain/time.js';
import { visible } from '../domain/visible.js';
import { FleetPoller } from '../fleet/poller.js';
import { groupMembers, onePerAvailabilityDatabase } from '../fleet/groups.js';
import type { DatabaseSnapshot, FleetSnapshot } from '../fleet/snapshot.js';
import { startDemo } from '../sim/demo.js';
import { script, type Statement } from '../sql/statements.js';
import { DrillLog } from './drill-log.js';
import { planDrill, runDrill } from './drill.js';
import { Executor } from './executor.js';
import { defaultJournalPath, Journal } from './journal.js';
import { buildDrillReport, formatDrillReportJson, formatDrillReportMarkdown } from '../report/drill-report.js';

export interface DrillCommand {
  selection: DrillSelection;
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

/** Which databases one run drills: one named, a group's members, or every one whose drill is due. */
export type DrillSelection = { kind: 'one'; instance: string; database: string } | { kind: 'group'; name: string } | { kind: 'due' };

/**
 * Databases whose drill is due: inventoried user databases (not system, not standby copies), online, never
 * drilled, drilled longer ago than drills.maxAgeDays, or whose last drill failed or was interrupted.
 */
export function dueForDrill(snapshot: FleetSnapshot, maxAgeDays: number, now: number): DatabaseSnapshot[] {
  // An availability-group database is one database: drilled from its primary, not once per replica.
  return onePerAvailabilityDatabase(snapshot.databases).filter((d) => d.inventoried && d.state.state === 'ONLINE' && drillable(d.state) && drillDue(d.lastDrill, now, maxAgeDays));
}

interface DrillContext {
  config: Config;
  poller: FleetPoller;
  snapshot: FleetSnapshot;
  journal: Journal;
  log: DrillLog;
  confirm: (s: Statement) => Promise<string | null>;
  signal: AbortSignal;
  out: NodeJS.WritableStream;
  /** Print every statement as it runs (one drill); several drills print a line each. */
  verbose: boolean;
}

/** The instance a database's drills restore on: --target, else its instance's drillTarget, else itself. */
function targetOf(config: Config, instance: string, override: string | undefined): InstanceConfig {
  const source = findInstance(config, instance)!;
  const name = override ?? source.drillTarget ?? source.name;
  const target = findInstance(config, name);
  if (!target) throw new DrillError(`no drill target named "${name}" in the inventory`);
  return target;
}

/** One drill, planned and run; a refusal comes back as a message, never as a half-run drill. */
async function drillOne(ctx: DrillContext, polled: DatabaseSnapshot, target: InstanceConfig): Promise<DrillRecord | { refused: string }> {
  const { poller, out } = ctx;
  const label = `${visible(polled.instance)} / ${visible(polled.name)}`;
  const runner = poller.runnerFor(target.name);
  if (!runner) return { refused: `${target.name} is not connected` };
  const plan = await planDrill(poller, ctx.snapshot, polled, target.name);
  if ('refused' in plan) return plan;
  if (ctx.verbose) {
    out.write(
      `drill of ${label} on ${visible(target.name)} as ${visible(plan.copy)}: ${plan.steps.length} statements, ` +
        `estimated restore ${formatDuration(plan.estimate.seconds * 1000)} (${plan.estimate.basis}), RTO ${formatDuration(polled.targets.rtoMinutes * 60_000)}\n`,
    );
  }
  return runDrill({
    plan,
    instance: target,
    runner,
    executor: new Executor(ctx.journal, ctx.config.readOnly),
    log: ctx.log,
    confirm: ctx.confirm,
    rtoSeconds: polled.targets.rtoMinutes * 60,
    signal: ctx.signal,
    onEvent: (e) => {
      if (!ctx.verbose) return;
      if (e.kind === 'step') out.write(`[${e.index + 1}/${plan.steps.length}] ${visible(e.statement.summary)} ... `);
      if (e.kind === 'outcome') {
        const why = e.outcome.error ? `: ${e.outcome.error.message}` : '';
        out.write(`${e.outcome.outcome} in ${formatDuration(e.outcome.durationMs)}${visible(why)}\n`);
      }
    },
  });
}

/** The databases a selection names in the snapshot, with their drill targets. */
function selected(selection: DrillSelection, cmd: DrillCommand, config: Config, snapshot: FleetSnapshot, inventory: Inventory): { db: DatabaseSnapshot; target: InstanceConfig }[] {
  const withTarget = (db: DatabaseSnapshot) => ({ db, target: targetOf(config, db.instance, cmd.target) });
  switch (selection.kind) {
    case 'one': {
      const db = snapshot.databases.find((d) => d.instance === findInstance(config, selection.instance)?.name && d.name.toLowerCase() === selection.database.toLowerCase());
      if (!db) throw new DrillError(`no database named "${selection.database}" on ${selection.instance}`);
      return [withTarget(db)];
    }
    case 'group': {
      const group = inventory.groups.find((g) => g.name.toLowerCase() === selection.name.toLowerCase());
      if (!group) throw new DrillError(`no group named "${selection.name}" in the inventory (${inventory.groups.map((g) => g.name).join(', ') || 'none'})`);
      return groupMembers(group, snapshot.databases).map(({ db }) => withTarget(db));
    }
    case 'due':
      return dueForDrill(snapshot, config.drills.maxAgeDays, Date.now()).map(withTarget);
  }
}

/**
 * `rpotop drill`: restores a database's latest chain under a new name on its drill target, checks the copy
 * with DBCC CHECKDB, drops it, and records what it measured in the drill log; for a group or every database
 * due, one drill at a time per target, targets in parallel. Every statement goes through the executor
 * (confirmed, journaled, read-only respected); Ctrl-C stops the drills and drops what they created.
 */
export async function runDrillCommand(cmd: DrillCommand, out: NodeJS.WritableStream): Promise<number> {
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  try {
    const config: Config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    const selection = cmd.selection;
    if (selection.kind === 'one' && !findInstance(config, selection.instance)) {
      throw new DrillError(`no instance named "${selection.instance}" in the inventory (${config.instances.map((i) => i.name).join(', ')})`);
    }
    if (cmd.target && !findInstance(config, cmd.target)) throw new DrillError(`no drill target named "${cmd.target}" in the inventory`);
    const confirm = cmd.yes ? (s: Statement) => Promise.resolve(s.destructive ? s.database : 'yes') : terminalConfirm(out);
    if (!confirm) throw new DrillError('nobody can confirm the statements here (no terminal): add --yes to run the drill unattended');
    if (selection.kind !== 'one' && !cmd.yes) throw new DrillError('several drills run unattended: add --yes');

    const journal = new Journal(defaultJournalPath(process.env, cmd.demo));
    const log = DrillLog.besideJournal(journal.file);
    // One database reads its instance and its target only; a group or the due list, the whole inventory.
    const only =
      selection.kind === 'one'
        ? (() => {
            const source = findInstance(config, selection.instance)!;
            const target = targetOf(config, source.name, cmd.target);
            return { ...config, instances: source === target ? [source] : [source, target], groups: [] };
          })()
        : config;
    const inventory = resolveInventory(only);
    const poller = new FleetPoller({ inventory, prompt: terminalPrompt(), drills: () => log.latest() });
    await poller.pollAll();
    const abort = new AbortController();
    const onSigint = () => {
      out.write('\nstopping: the running statement is cancelled, then the copy is dropped\n');
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const snapshot = poller.snapshot();
      const down = snapshot.instances.filter((i) => i.status === 'UNKNOWN' && i.error);
      if (selection.kind === 'one' && down.length > 0) throw new DrillError(`${down[0]!.name} could not be read: ${down[0]!.error}`);
      const work = selected(selection, cmd, config, snapshot, inventory);
      if (work.length === 0) {
        out.write(selection.kind === 'due' ? 'no drill is due\n' : 'no database to drill\n');
        return 0;
      }
      const ctx: DrillContext = { config, poller, snapshot, journal, log, confirm, signal: abort.signal, out, verbose: selection.kind === 'one' };
      const byTarget = new Map<string, typeof work>();
      for (const w of work) byTarget.set(w.target.name, [...(byTarget.get(w.target.name) ?? []), w]);
      const codes: number[] = [];
      await Promise.all(
        [...byTarget.values()].map(async (queue) => {
          for (const { db, target } of queue) {
            if (abort.signal.aborted) return;
            const label = `${visible(db.instance)} / ${visible(db.name)} on ${visible(target.name)}`;
            const result = await drillOne(ctx, db, target);
            if ('refused' in result) {
              out.write(`${label}: not drilled: ${visible(result.refused)}\n`);
              codes.push(3);
              continue;
            }
            out.write(`${ctx.verbose ? '\n' : `${label}: `}${drillSummary(result)}\n`);
            for (const e of result.errors) out.write(`  ${visible(e)}\n`);
            if (result.dropNote) out.write(`  ${visible(result.dropNote)}\n`);
            codes.push(drillExitCode(result));
          }
        }),
      );
      out.write(`recorded in ${visible(log.file)}\n`);
      return Math.max(0, ...codes);
    } finally {
      process.off('SIGINT', onSigint);
      await poller.stop();
    }
  } finally {
    await demo?.fleet.stop();
  }
}

export interface DrillReportCommand {
  config: string | undefined;
  demo: boolean;
  scenario: string;
  format: 'markdown' | 'json';
}

/** `rpotop drill report`: one poll of the fleet, then every drillable database and group with what its drills measured. */
export async function runDrillReport(cmd: DrillReportCommand, out: NodeJS.WritableStream): Promise<number> {
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  try {
    const config: Config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    const log = DrillLog.besideJournal(defaultJournalPath(process.env, cmd.demo));
    const inventory = resolveInventory(config);
    const poller = new FleetPoller({ inventory, prompt: terminalPrompt(), drills: () => log.latest() });
    try {
      await poller.pollAll();
      const report = buildDrillReport(poller.snapshot(), inventory, Date.now());
      out.write(`${cmd.format === 'json' ? formatDrillReportJson(report) : formatDrillReportMarkdown(report)}\n`);
      return 0;
    } finally {
      await poller.stop();
    }
  } finally {
    await demo?.fleet.stop();
  }
}

