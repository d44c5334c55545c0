import { terminalPrompt } from '../config/prompt.js';
import { findInstance, resolveInventory } from '../config/resolve.js';
import { configSchema, type Config } from '../config/schema.js';
import { loadConfig, locateConfig } from '../config/store.js';
import { FleetPoller } from '../fleet/poller.js';
import { formatGroupPlanJson, formatGroupPlanSql, formatPlanJson, formatPlanSql } from '../report/plan.js';
import { groupPlanFor } from './group-request.js';
import { startDemo } from '../sim/demo.js';
import { defaultRestoreForm } from '../ui/actions-port.js';
import { buildRestorePlan } from './plan.js';
import { contextFor, planRequestFrom, withWholeHistory } from './restore-request.js';

export interface PlanCommand {
  instance: string;
  database: string;
  /** A group's plan instead of one database's. */
  group?: string | undefined;
  config: string | undefined;
  demo: boolean;
  scenario: string;
  /** Server wall-clock time, "YYYY-MM-DD HH:MM[:SS]". */
  stopAt: string | undefined;
  as: string | undefined;
  format: 'sql' | 'json';
}

export class PlanError extends Error {
  override name = 'PlanError';
}

/** `rpotop plan`: reads one instance, prints the restore plan it would run; runs nothing. */
export async function runPlan(cmd: PlanCommand, out: NodeJS.WritableStream): Promise<number> {
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  try {
    const config: Config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    if (cmd.group !== undefined) return await printGroupPlan(config, cmd.group, cmd, out);
    const instance = findInstance(config, cmd.instance);
    if (!instance) throw new PlanError(`no instance named "${cmd.instance}" in the inventory (${config.instances.map((i) => i.name).join(', ')})`);
    // Only that instance is read: a plan for a ticket should not wait on the rest of the fleet.
    const only = { ...config, instances: [instance], groups: config.groups.filter((g) => !g.instance || g.instance === instance.name) };
    const poller = new FleetPoller({ inventory: resolveInventory(only), prompt: terminalPrompt() });
    await poller.pollAll();
    try {
      const snapshot = poller.snapshot();
      const inst = snapshot.instances[0]!;
      if (inst.status === 'UNKNOWN' && inst.error) throw new PlanError(`${instance.name} could not be read: ${inst.error}`);
      const polled = snapshot.databases.find((d) => d.name.toLowerCase() === cmd.database.toLowerCase());
      if (!polled) throw new PlanError(`no database named "${cmd.database}" on ${instance.name}`);
      const db = await withWholeHistory(poller, polled);
      if ('refused' in db) throw new PlanError(db.refused);
      // The same checks as the console's restore options: one path from what was typed to a plan.
      const ctx = contextFor(snapshot, db, poller.runnerFor(instance.name), new Map());
      const request = await planRequestFrom({ ...defaultRestoreForm, stopAt: cmd.stopAt ?? '', as: cmd.as ?? '' }, ctx);
      if ('refused' in request) throw new PlanError(`--stopat/--as: ${request.refused}`);
      const plan = buildRestorePlan(db, request, ctx.serverNowUtc, ctx.offsetMinutes);
      if (!plan.ok) throw new PlanError(`no restore plan for ${instance.name} / ${db.name}: ${plan.reason}`);
      const header = {
        instance: instance.name,
        database: db.name,
        target: cmd.stopAt ? `${cmd.stopAt} (server time)` : 'the latest point',
        offsetMinutes: ctx.offsetMinutes,
        generatedAt: Date.now(),
      };
      out.write(`${cmd.format === 'json' ? formatPlanJson(plan, header) : formatPlanSql(plan, header)}\n`);
      return 0;
    } finally {
      await poller.stop();
    }
  } finally {
    await demo?.fleet.stop();
  }
}

/** `rpotop plan --group`: every instance is read (a member may live on any), then one plan for the group. */
async function printGroupPlan(config: Config, group: string, cmd: PlanCommand, out: NodeJS.WritableStream): Promise<number> {
  const inventory = resolveInventory(config);
  if (!inventory.groups.some((g) => g.name.toLowerCase() === group.toLowerCase())) {
    throw new PlanError(`no group named "${group}" in the inventory (${inventory.groups.map((g) => g.name).join(', ') || 'none'})`);
  }
  const poller = new FleetPoller({ inventory, prompt: terminalPrompt() });
  await poller.pollAll();
  try {
    const plan = await groupPlanFor(poller, inventory, group, { ...defaultRestoreForm, stopAt: cmd.stopAt ?? '' });
    if ('refused' in plan) throw new PlanError(`no restore plan for group ${group}: ${plan.refused}`);
    out.write(`${cmd.format === 'json' ? formatGroupPlanJson(plan, Date.now()) : formatGroupPlanSql(plan, Date.now())}\n`);
    return 0;
  } finally {
    await poller.stop();
  }
}
