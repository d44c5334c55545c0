import { statusSeverity, type Status } from '../domain/status.js';
import type { DatabaseSnapshot, FleetSnapshot } from '../fleet/snapshot.js';
import type { GroupAssessment } from '../domain/group.js';
import { drillFailed } from '../domain/drill.js';

export const SORT_KEYS = ['status', 'instance', 'database', 'group', 'recovery', 'exposure', 'full', 'diff', 'log', 'drill'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type GroupBy = 'none' | 'instance' | 'group';

export interface GridState {
  filter: string;
  sort: { key: SortKey; desc: boolean };
  groupBy: GroupBy;
  /**
   * Frozen (Z, as htop's): each database's place when the order was frozen. Polls update values but not
   * the order, so a row does not move while someone reads it; databases that appear since go after.
   */
  frozen?: ReadonlyMap<string, number> | null;
}

export type GridRow =
  | { kind: 'database'; key: string; db: DatabaseSnapshot }
  | { kind: 'heading'; key: string; label: string; worst: Status; count: number; group: GroupAssessment | null };

export const initialGrid: GridState = { filter: '', sort: { key: 'status', desc: true }, groupBy: 'none' };

const STATUS_WORDS = new Set(['ok', 'warn', 'breach', 'unprotected', 'unknown']);

/** Words of the filter as case-insensitive substring tests (regular-expression characters taken literally). */
function wordTest(word: string): RegExp {
  return new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
}

/**
 * The filter as a test, its words compiled once per key press. Every word must match: a status word
 * matches that status only; other words match instance, database, group, recovery model or reason as
 * substrings, ignoring case. The fields are searched as they are, with nothing built per database:
 * each poll brings new database snapshots, and 50,000 of them are filtered on every key press.
 */
export function filterTest(filter: string): (db: DatabaseSnapshot) => boolean {
  const words = filter.split(/\s+/).filter(Boolean);
  if (words.length === 0) return () => true;
  const statuses = words.filter((w) => STATUS_WORDS.has(w.toLowerCase())).map((w) => w.toUpperCase());
  const texts = words.filter((w) => !STATUS_WORDS.has(w.toLowerCase())).map(wordTest);
  return (db) =>
    statuses.every((w) => db.assessment.status === w) &&
    texts.every(
      (re) =>
        re.test(db.instance) ||
        re.test(db.name) ||
        db.groups.some((g) => re.test(g)) ||
        re.test(db.state.recoveryModel) ||
        re.test(db.assessment.reason) ||
        (!db.inventoried && re.test('not inventoried')),
    );
}

const lowerNames = new WeakMap<DatabaseSnapshot, string>();
function lowerName(db: DatabaseSnapshot): string {
  let name = lowerNames.get(db);
  if (name === undefined) lowerNames.set(db, (name = db.name.toLowerCase()));
  return name;
}

/** Code-unit order: stable and fast; names compare as SQL Server's binary order would, not by locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const NO_VALUE = 1e15;

/**
 * Each database's sort value computed once per sort (decorate, sort, undecorate): comparing 50,000 rows
 * calls the comparator ~800,000 times, which must not look anything up.
 */
function sortValue(d: DatabaseSnapshot, key: SortKey): number | string {
  switch (key) {
    case 'status':
      return statusSeverity[d.assessment.status] * NO_VALUE + Math.min(d.assessment.exposureMs ?? NO_VALUE - 1, NO_VALUE - 1);
    case 'instance':
      return d.instance;
    case 'database':
      return lowerName(d);
    case 'group':
      return d.groups[0] ?? '';
    case 'recovery':
      return d.state.recoveryModel;
    case 'exposure':
      return d.assessment.exposureMs ?? NO_VALUE;
    case 'full':
      return -(d.assessment.lastFull?.finish ?? -NO_VALUE);
    case 'diff':
      return -(d.assessment.lastDiff?.finish ?? -NO_VALUE);
    case 'log':
      return -(d.assessment.lastLog?.finish ?? -NO_VALUE);
    case 'drill':
      // Failed drills first, then the oldest, never drilled last (they are many and say the least).
      return d.lastDrill ? (drillFailed(d.lastDrill) ? -NO_VALUE : Date.parse(d.lastDrill.finishedAt)) : NO_VALUE;
  }
}

/** The grid's rows: filtered, sorted (ties by instance and name, so order is stable), grouped. */
export function buildRows(snapshot: FleetSnapshot, state: GridState): GridRow[] {
  const sign = state.sort.desc ? -1 : 1;
  const decorated = snapshot.databases
    .filter(filterTest(state.filter))
    .map((db) => ({ db, v: sortValue(db, state.sort.key) }));
  const frozen = state.frozen;
  const place = (key: string) => frozen?.get(key) ?? Number.MAX_SAFE_INTEGER;
  decorated.sort((a, b) => (frozen ? place(a.db.key) - place(b.db.key) : 0) || sign * (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) || byText(a.db.key, b.db.key));
  const dbs = decorated.map((x) => x.db);
  if (state.groupBy === 'none') return dbs.map((db) => ({ kind: 'database', key: db.key, db }));
  const groups = new Map<string, DatabaseSnapshot[]>();
  for (const db of dbs) {
    const label = state.groupBy === 'instance' ? db.instance : (db.groups[0] ?? '(no group)');
    const list = groups.get(label);
    if (list) list.push(db);
    else groups.set(label, [db]);
  }
  // Grouped by application group, a heading is the group itself: its status, not only its worst member's.
  const assessed = new Map(state.groupBy === 'group' ? snapshot.groups.map((g) => [g.name, g]) : []);
  const headings = [...groups].map(([label, list]) => {
    const group = assessed.get(label) ?? null;
    const worst = group?.status ?? list.reduce<Status>((w, d) => (statusSeverity[d.assessment.status] > statusSeverity[w] ? d.assessment.status : w), 'OK');
    return { label, list, worst, group };
  });
  // Frozen, headings keep the order of their first database too.
  headings.sort((a, b) => (frozen ? place(a.list[0]!.key) - place(b.list[0]!.key) : 0) || statusSeverity[b.worst] - statusSeverity[a.worst] || byText(a.label, b.label));
  const rows: GridRow[] = [];
  for (const { label, list, worst, group } of headings) {
    rows.push({ kind: 'heading', key: `#${label}`, label, worst, count: list.length, group });
    for (const db of list) rows.push({ kind: 'database', key: db.key, db });
  }
  return rows;
}

/** Where the selection is in rows: by key, so a poll that reorders rows does not move it off its database. */
export function indexOfKey(rows: readonly GridRow[], key: string | null): number {
  if (key === null) return rows.findIndex((r) => r.kind === 'database');
  const at = rows.findIndex((r) => r.key === key);
  return at >= 0 ? at : rows.findIndex((r) => r.kind === 'database');
}

/** Moves the selection by `delta` rows, skipping headings. */
export function moveSelection(rows: readonly GridRow[], index: number, delta: number): number {
  if (rows.length === 0) return -1;
  let next = Math.max(0, Math.min(rows.length - 1, index + delta));
  const step = delta >= 0 ? 1 : -1;
  while (rows[next]?.kind === 'heading') {
    const candidate = next + step;
    if (candidate < 0 || candidate >= rows.length) {
      // Ran off the end on a heading: search the other way.
      next = rows.findIndex((r) => r.kind === 'database');
      break;
    }
    next = candidate;
  }
  return next;
}

/** The first visible row, moved as little as possible to keep the selection on screen. */
export function scrollTop(top: number, index: number, height: number, total: number): number {
  let t = top;
  if (index < t) t = index;
  if (index >= t + height) t = index - height + 1;
  return Math.max(0, Math.min(t, Math.max(0, total - height)));
}

export function nextSortKey(key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length]!;
}

/**
 * The row `:db NAME` goes to: the exact name (or INSTANCE/NAME), else the one name that starts with it,
 * else the one that contains it; several candidates go to the first and are all named, so a short
 * prefix never lands on ReportServerTempDB when ReportServer was meant.
 */
export function findDatabaseRow(rows: readonly GridRow[], text: string): { index: number; alternatives: string[] } | null {
  const wanted = text.trim().toLowerCase();
  if (!wanted) return null;
  const databases = rows.flatMap((r, index) => (r.kind === 'database' ? [{ index, name: r.db.name.toLowerCase(), key: r.db.key.toLowerCase(), label: r.db.key }] : []));
  const tiers = [
    databases.filter((d) => d.name === wanted || d.key === wanted),
    databases.filter((d) => d.name.startsWith(wanted) || d.key.startsWith(wanted)),
    databases.filter((d) => d.name.includes(wanted) || d.key.includes(wanted)),
  ];
  const matches = tiers.find((t) => t.length > 0);
  if (!matches) return null;
  return { index: matches[0]!.index, alternatives: matches.length > 1 ? matches.map((d) => d.label) : [] };
}
