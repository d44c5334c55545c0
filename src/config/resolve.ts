import { resolveTargets, type PartialTargets, type ResolvedTargets, type Targets } from '../domain/targets.js';
import { matchesAny, matchesPattern } from './pattern.js';
import { presets, type PresetId } from './presets.js';
import type { Config, GroupConfig, InstanceConfig, TargetsConfig } from './schema.js';

export interface GroupMember {
  /** null: the member may live on any instance. */
  instance: string | null;
  database: string;
  role: string;
  together: boolean;
  /** Its absence is noted, not a fault: a feature not every installation deploys. */
  optional: boolean;
}

export interface ResolvedGroup {
  name: string;
  title: string;
  preset: PresetId | null;
  members: GroupMember[];
  notes: string[];
  /** Work outside SQL Server a group restore waits on (see Preset.operatorSteps). */
  operatorSteps: { before: string[]; after: string[] };
  targets: PartialTargets;
}

export interface Inventory {
  config: Config;
  defaults: Targets;
  groups: ResolvedGroup[];
}

export interface DatabaseClassification {
  inventoried: boolean;
  groups: ResolvedGroup[];
  targets: ResolvedTargets;
}

export function toPartialTargets(t: TargetsConfig | undefined): PartialTargets {
  const out: PartialTargets = {};
  if (t?.rpo !== undefined) out.rpoMinutes = t.rpo;
  if (t?.rto !== undefined) out.rtoMinutes = t.rto;
  if (t?.warnAt !== undefined) out.warnFraction = t.warnAt;
  return out;
}

function resolveGroup(group: GroupConfig): ResolvedGroup {
  const preset = group.preset ? presets[group.preset] : null;
  const fromPreset = preset ? preset.members({ business: group.business }) : [];
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  // A member the inventory names itself is never optional: someone said it belongs. Naming a preset member
  // places it (BizTalk's BAM on its own instance) and keeps the preset's role and `together`.
  const explicit = group.members.map((m) => {
    const known = fromPreset.find((p) => same(p.database, m.database));
    return {
      instance: m.instance ?? group.instance ?? null,
      database: m.database,
      role: m.role ?? known?.role ?? 'member',
      together: known?.together ?? true,
      optional: false,
    };
  });
  const members: GroupMember[] = [
    ...fromPreset
      .filter((p) => !explicit.some((m) => same(m.database, p.database)))
      .map((m) => ({ ...m, optional: m.optional ?? false, instance: group.instance ?? null })),
    ...explicit,
  ];
  return {
    name: group.name,
    title: group.description ?? preset?.title ?? group.name,
    preset: group.preset ?? null,
    members,
    notes: preset?.notes ?? [],
    operatorSteps: preset?.operatorSteps ?? {
      before: ['Stop the applications and jobs that write to these databases, and close their connections.'],
      after: ['Start the applications and jobs again.'],
    },
    targets: toPartialTargets(group.targets),
  };
}

export function resolveInventory(config: Config): Inventory {
  return {
    config,
    defaults: {
      rpoMinutes: config.defaults.rpo,
      rtoMinutes: config.defaults.rto,
      warnFraction: config.defaults.warnAt,
    },
    groups: config.groups.map(resolveGroup),
  };
}

export function findInstance(config: Config, name: string): InstanceConfig | undefined {
  return config.instances.find((i) => i.name.toLowerCase() === name.toLowerCase());
}

function memberOf(group: ResolvedGroup, instance: string, database: string): boolean {
  return group.members.some(
    (m) =>
      (m.instance === null || m.instance.toLowerCase() === instance.toLowerCase()) &&
      matchesPattern(m.database, database),
  );
}

/**
 * Whether a database found on an instance is inventoried, which groups it belongs to, and its targets.
 * A database is inventoried when the instance's include patterns or a group name it, and no exclude
 * pattern does; the others are listed as "not inventoried", never hidden.
 */
export function classifyDatabase(inventory: Inventory, instanceName: string, database: string): DatabaseClassification {
  const instance = findInstance(inventory.config, instanceName);
  const groups = inventory.groups.filter((g) => memberOf(g, instanceName, database));
  const rules = instance?.databases;
  const included = rules ? matchesAny(rules.include, database) || groups.length > 0 : groups.length > 0;
  const excluded = rules ? matchesAny(rules.exclude, database) : false;
  const explicit = rules
    ? Object.entries(rules.targets).find(([pattern]) => matchesPattern(pattern, database))?.[1]
    : undefined;
  return {
    inventoried: included && !excluded,
    groups,
    targets: resolveTargets({
      database: toPartialTargets(explicit),
      groups: groups.map((g) => g.targets),
      instance: toPartialTargets(instance?.targets),
      defaults: inventory.defaults,
    }),
  };
}

/** Where an instance's password comes from, in words; never the password. */
export function describeCredentials(instance: InstanceConfig, env: NodeJS.ProcessEnv): string {
  const auth = instance.auth;
  if (auth.type === 'azure-active-directory-default') {
    return `Entra ID default credential${auth.clientId ? ` (client ${auth.clientId})` : ''}`;
  }
  const who = auth.type === 'ntlm' ? `Windows ${auth.domain}\\${auth.user}` : `SQL login ${auth.user}`;
  if (!auth.passwordEnv) return `${who}, password prompted at start`;
  const set = env[auth.passwordEnv] !== undefined && env[auth.passwordEnv] !== '';
  return `${who}, password from $${auth.passwordEnv} (${set ? 'set' : 'NOT SET: rpotop will prompt'})`;
}
