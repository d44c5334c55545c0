/** Recovery targets of one database, in minutes, after resolution. */
export interface Targets {
  rpoMinutes: number;
  rtoMinutes: number;
  /** Exposure past this fraction of the RPO reads WARN. */
  warnFraction: number;
}

export type TargetLevel = 'database' | 'group' | 'instance' | 'default';

/** A partial set of targets declared at one level of the inventory. */
export type PartialTargets = Partial<Targets>;

export interface ResolvedTargets extends Targets {
  /** Where each value came from, so `config check` and the detail view can say why. */
  source: Record<keyof Targets, TargetLevel>;
}

const PRECEDENCE: readonly TargetLevel[] = ['database', 'group', 'instance', 'default'];

/**
 * Resolves each target independently: explicit (database) > group > instance > default. A database in
 * several groups takes the strictest group value, since every group it belongs to must be met.
 */
export function resolveTargets(levels: {
  database?: PartialTargets | undefined;
  groups?: readonly PartialTargets[] | undefined;
  instance?: PartialTargets | undefined;
  defaults: Targets;
}): ResolvedTargets {
  const strictestGroup: PartialTargets = {};
  for (const g of levels.groups ?? []) {
    for (const key of ['rpoMinutes', 'rtoMinutes', 'warnFraction'] as const) {
      const value = g[key];
      if (value === undefined) continue;
      const current = strictestGroup[key];
      strictestGroup[key] = current === undefined ? value : Math.min(current, value);
    }
  }
  const byLevel: Record<TargetLevel, PartialTargets> = {
    database: levels.database ?? {},
    group: strictestGroup,
    instance: levels.instance ?? {},
    default: levels.defaults,
  };
  const pick = (key: keyof Targets): [number, TargetLevel] => {
    for (const level of PRECEDENCE) {
      const value = byLevel[level][key];
      if (value !== undefined) return [value, level];
    }
    return [levels.defaults[key], 'default'];
  };
  const [rpoMinutes, rpoSource] = pick('rpoMinutes');
  const [rtoMinutes, rtoSource] = pick('rtoMinutes');
  const [warnFraction, warnSource] = pick('warnFraction');
  return {
    rpoMinutes,
    rtoMinutes,
    warnFraction,
    source: { rpoMinutes: rpoSource, rtoMinutes: rtoSource, warnFraction: warnSource },
  };
}
