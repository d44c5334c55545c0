import { matchesPattern } from '../config/pattern.js';
import { resolveTargets } from '../domain/targets.js';
import type { GroupMember, Inventory, ResolvedGroup } from '../config/resolve.js';
import { assessGroup, type GroupAssessment, type GroupMemberInput, type MissingMember, type StandbyCopyInput } from '../domain/group.js';
// Types only: the snapshot calls this module, and this module never calls back into it.
import type { DatabaseSnapshot, InstanceSnapshot } from './snapshot.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const isPattern = (database: string) => /[*?]/.test(database);

/** The member entry a database matched: the first, as classification takes it. */
function specOf(group: ResolvedGroup, d: DatabaseSnapshot): GroupMember | undefined {
  return group.members.find((m) => (m.instance === null || same(m.instance, d.instance)) && matchesPattern(m.database, d.name));
}

/**
 * Members named by their exact name that no polled instance has. A pattern (WSS_Content*) matching nothing
 * is not missing: it names what may exist.
 */
function missingMembers(group: ResolvedGroup, found: readonly DatabaseSnapshot[], instances: readonly InstanceSnapshot[]): MissingMember[] {
  const missing: MissingMember[] = [];
  for (const spec of group.members) {
    if (isPattern(spec.database) || found.some((d) => specOf(group, d) === spec)) continue;
    const where = spec.instance === null ? instances : instances.filter((i) => same(i.name, spec.instance!));
    const down = where.filter((i) => i.status === 'UNKNOWN');
    const why =
      spec.instance !== null && where.length === 0
        ? `instance ${spec.instance} is not in the inventory`
        : down.length > 0
          ? `not seen: ${down.map((i) => i.name).join(', ')} cannot be polled`
          : spec.instance !== null
            ? `no database of that name on ${spec.instance}`
            : 'no database of that name on any inventoried instance';
    missing.push({
      instance: spec.instance,
      database: spec.database,
      role: spec.role,
      together: spec.together,
      required: !spec.optional,
      unreachable: down.length > 0 && where.length > 0,
      why,
    });
  }
  return missing;
}

/**
 * An availability-group database once: it is restored (and drilled) once, and its primary stands for its
 * secondaries when the list holds it.
 */
export function onePerAvailabilityDatabase(databases: readonly DatabaseSnapshot[]): DatabaseSnapshot[] {
  const key = (d: DatabaseSnapshot) => `${d.state.availabilityGroup!.name}\u0000${d.name}`.toLowerCase();
  const primaries = new Set(databases.filter((d) => d.state.availabilityGroup?.role === 'PRIMARY').map(key));
  return databases.filter((d) => d.state.availabilityGroup?.role !== 'SECONDARY' || !primaries.has(key(d)));
}

/** The group's databases in the snapshot, each with the member entry it matched; an availability-group database once. */
export function groupMembers(group: ResolvedGroup, databases: readonly DatabaseSnapshot[]): { db: DatabaseSnapshot; spec: GroupMember | undefined }[] {
  const inGroup = databases.filter((d) => d.inventoried && d.groups.includes(group.name));
  return onePerAvailabilityDatabase(inGroup).map((db) => ({ db, spec: specOf(group, db) }));
}

/**
 * Standby copies of these members anywhere in the fleet: databases kept restoring from a member's backups,
 * known by the source server's @@SERVERNAME (what its backups record) or, before it was polled, its name in
 * the inventory.
 */
function standbyCopies(
  members: readonly GroupMemberInput[],
  databases: readonly DatabaseSnapshot[],
  instances: readonly InstanceSnapshot[],
  now: number,
  clock: ReadonlyMap<string, number>,
): StandbyCopyInput[] {
  const serverName = new Map(instances.map((i) => [i.name, i.serverName ?? i.name]));
  const copies: StandbyCopyInput[] = [];
  for (const d of databases) {
    const copy = d.state.standbyOf;
    if (!copy) continue;
    const source = members.find((m) => same(m.database, copy.sourceDatabase) && same(serverName.get(m.instance) ?? m.instance, copy.sourceServer));
    if (source) copies.push({ instance: d.instance, database: d.name, source: { instance: source.instance, database: source.database }, copy, now: clock.get(d.instance) ?? now });
  }
  return copies;
}

/** Every inventory group as the snapshot sees it: members found, missing, and the group's assessment. */
export function assessGroups(
  inventory: Inventory,
  databases: readonly DatabaseSnapshot[],
  instances: readonly InstanceSnapshot[],
  now: number,
  /** Each instance's server clock now (exposures are measured on it). */
  clock: ReadonlyMap<string, number>,
): GroupAssessment[] {
  return inventory.groups.map((group) => {
    const listed = groupMembers(group, databases);
    const members: GroupMemberInput[] = listed.map(({ db: d, spec }) => ({
      instance: d.instance,
      database: d.name,
      role: spec?.role ?? 'member',
      together: spec?.together ?? false,
      state: d.state,
      history: d.history,
      assessment: d.assessment,
      rto: d.rto,
      marks: d.marks,
      now: clock.get(d.instance) ?? now,
    }));
    return assessGroup({
      name: group.name,
      title: group.title,
      targets: resolveTargets({ groups: [group.targets], defaults: inventory.defaults }),
      members,
      missing: missingMembers(group, listed.map((l) => l.db), instances),
      standbys: standbyCopies(members.filter((m) => m.together), databases, instances, now, clock),
    });
  });
}
