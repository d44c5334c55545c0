import { drillable, drillDue, drillFailed, restoreCompleted, type DrillRecord } from '../domain/drill.js';
import { formatDuration } from '../domain/time.js';
import { visible } from '../domain/visible.js';
import { groupMembers } from '../fleet/groups.js';
import type { Inventory } from '../config/resolve.js';
import type { DatabaseSnapshot, FleetSnapshot } from '../fleet/snapshot.js';
import { drillJson } from './json.js';

export const DRILL_REPORT_SCHEMA = 'rpotop.drill-report/1';

/** One database in the report: its last drill, measured against its RTO. */
export interface DrilledDatabase {
  instance: string;
  database: string;
  rtoSeconds: number;
  lastDrill: DrillRecord | null;
  /** Whether the drill is due (never, failed, interrupted, or older than drills.maxAgeDays). */
  due: boolean;
}

/**
 * A group's drills: measured restore time of the whole estate by the groups' rule (members one after another
 * on one instance, instances in parallel), from each member's last drill; members never drilled are named.
 */
export interface DrilledGroup {
  name: string;
  rtoSeconds: number;
  members: number;
  drilled: number;
  /** Slowest instance's sum of its members' measured restores; null until every member was drilled. */
  measuredSeconds: number | null;
  failed: string[];
  notDrilled: string[];
}

export interface DrillReport {
  fleet: string;
  generatedAt: number;
  maxAgeDays: number;
  databases: DrilledDatabase[];
  groups: DrilledGroup[];
}

const label = (d: Pick<DatabaseSnapshot, 'instance' | 'name'>) => `${d.instance}/${d.name}`;
const inReport = (d: DatabaseSnapshot) => d.inventoried && drillable(d.state);

/** The report the plan reviewers ask for: every drillable database and every group, with what drills measured. */
export function buildDrillReport(snapshot: FleetSnapshot, inventory: Inventory, now: number): DrillReport {
  const maxAgeDays = inventory.config.drills.maxAgeDays;
  const databases = snapshot.databases
    .filter(inReport)
    .map((d) => ({ instance: d.instance, database: d.name, rtoSeconds: d.targets.rtoMinutes * 60, lastDrill: d.lastDrill, due: drillDue(d.lastDrill, now, maxAgeDays) }))
    .sort((a, b) => (a.instance === b.instance ? a.database.localeCompare(b.database) : a.instance.localeCompare(b.instance)));
  const groups = inventory.groups.map((group): DrilledGroup => {
    const members = groupMembers(group, snapshot.databases).map((m) => m.db).filter(inReport);
    const perInstance = new Map<string, number>();
    for (const m of members) if (m.lastDrill) perInstance.set(m.instance, (perInstance.get(m.instance) ?? 0) + m.lastDrill.restoreMs / 1000);
    const drilled = members.filter((m) => m.lastDrill);
    const g = snapshot.groups.find((x) => x.name === group.name);
    return {
      name: group.name,
      rtoSeconds: (g?.targets.rtoMinutes ?? inventory.defaults.rtoMinutes) * 60,
      members: members.length,
      drilled: drilled.length,
      measuredSeconds: members.length > 0 && drilled.length === members.length ? Math.max(...perInstance.values()) : null,
      failed: members.filter((m) => m.lastDrill && drillFailed(m.lastDrill)).map(label),
      notDrilled: members.filter((m) => !m.lastDrill).map(label),
    };
  });
  return { fleet: snapshot.fleet, generatedAt: now, maxAgeDays, databases, groups };
}

/** Markdown table cells: `|` and line breaks cannot break the table, nor escapes reach a terminal. */
const cell = (text: string) => visible(text).replace(/\|/g, '\\|');

function resultText(r: DrillRecord | null): string {
  if (!r) return 'never drilled';
  return { passed: '✔ passed', 'checkdb-errors': '✖ CHECKDB errors', 'restore-failed': '✖ restore failed', interrupted: '! interrupted' }[r.result];
}

export function formatDrillReportMarkdown(report: DrillReport): string {
  const lines = [`### rpotop restore drills: ${cell(report.fleet)}`, '', `_as of ${new Date(report.generatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC; a drill is due after ${report.maxAgeDays} days_`, ''];
  if (report.groups.length > 0) {
    lines.push('| Group | Drilled | Measured restore | RTO | Failed | Not drilled |', '|---|---|---|---|---|---|');
    for (const g of report.groups) {
      const measured = g.measuredSeconds === null ? '-' : `${formatDuration(g.measuredSeconds * 1000)}${g.measuredSeconds > g.rtoSeconds ? ' > RTO' : ''}`;
      lines.push(`| ${cell(g.name)} | ${g.drilled} of ${g.members} | ${measured} | ${formatDuration(g.rtoSeconds * 1000)} | ${cell(g.failed.join(', ') || '-')} | ${cell(g.notDrilled.join(', ') || '-')} |`);
    }
    lines.push('');
  }
  lines.push('| Instance | Database | Last drill | Result | Restore | RTO | CHECKDB | Target | Due |', '|---|---|---|---|---|---|---|---|---|');
  for (const d of report.databases) {
    const r = d.lastDrill;
    const restore = r && restoreCompleted(r) ? `${formatDuration(r.restoreMs)}${r.restoreMs > d.rtoSeconds * 1000 ? ' > RTO' : ''}` : '-';
    lines.push(
      `| ${cell(d.instance)} | ${cell(d.database)} | ${r ? r.finishedAt.slice(0, 16).replace('T', ' ') : '-'} | ${resultText(r)} | ${restore} | ${formatDuration(d.rtoSeconds * 1000)} | ${r && r.checkdbMs ? formatDuration(r.checkdbMs) : '-'} | ${cell(r?.target ?? '-')} | ${d.due ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

export function formatDrillReportJson(report: DrillReport): string {
  return JSON.stringify(
    {
      schema: DRILL_REPORT_SCHEMA,
      fleet: report.fleet,
      generatedAt: new Date(report.generatedAt).toISOString(),
      maxAgeDays: report.maxAgeDays,
      groups: report.groups,
      databases: report.databases.map((d) => ({
        instance: d.instance,
        database: d.database,
        rtoSeconds: d.rtoSeconds,
        due: d.due,
        lastDrill: drillJson(d.lastDrill),
      })),
    },
    null,
    2,
  );
}
