import type { Inventory } from '../config/resolve.js';
import type { FleetPoller } from '../fleet/poller.js';
import { groupMembers } from '../fleet/groups.js';
import { serverClock } from '../fleet/snapshot.js';
import { formatServerTime, utcToServerLocal } from '../domain/time.js';
import type { RestoreForm } from '../ui/actions-port.js';
import { buildGroupPlan, type GroupPlan, type GroupPlanMember } from './group-plan.js';
import { buildRestoreChain, incarnationOf } from '../domain/chain.js';
import { logHolding, type LogMark } from '../domain/marks.js';
import { visible } from '../domain/visible.js';
import { tsqlHistory } from './plan.js';
import { groupTargetFrom, withWholeHistory } from './restore-request.js';

const NO_CREATE_DATABASE = 'the login lacks CREATE ANY DATABASE, which RESTORE needs (add it to the dbcreator server role)';

export type GroupDraft = Extract<GroupPlan, { ok: true }> & { title: string; firstInstance: string };

/**
 * A group's restore plan from what the operator typed (console or `rpotop plan --group`): its `together`
 * members found in the snapshot, each with its whole history read on demand, one point for all of them.
 * Everything that stops the plan comes back as a sentence, before any statement exists.
 */
export async function groupPlanFor(poller: FleetPoller, inventory: Inventory, name: string, form: RestoreForm): Promise<GroupDraft | { refused: string }> {
  const group = inventory.groups.find((g) => g.name.toLowerCase() === name.toLowerCase());
  if (!group) return { refused: `no group named "${name}" in the inventory (${inventory.groups.map((g) => g.name).join(', ') || 'none'})` };
  if (form.as.trim()) return { refused: 'a group is restored over its databases: to restore a copy, restore each database under a new name (p)' };
  const snapshot = poller.snapshot();
  const assessed = snapshot.groups.find((g) => g.name === group.name);
  const absent = assessed?.missing.filter((m) => m.together && m.required) ?? [];
  if (absent.length) return { refused: `${absent.map((m) => `${m.database} (${m.role}): ${m.why}`).join('; ')}: the group cannot be restored whole` };
  // In the inventory's order (a preset lists an estate's databases as its documentation does), then by name.
  const rank = (spec: (typeof group.members)[number] | undefined) => (spec ? group.members.indexOf(spec) : group.members.length);
  const listed = groupMembers(group, snapshot.databases).sort((a, b) => rank(a.spec) - rank(b.spec) || (a.db.key < b.db.key ? -1 : a.db.key > b.db.key ? 1 : 0));
  const together = listed.filter((l) => l.spec?.together);
  for (const { db } of together) {
    const inst = snapshot.instances.find((i) => i.name === db.instance);
    if (!inst || inst.status === 'UNKNOWN') return { refused: `${db.instance} cannot be read (${inst?.error ?? 'not polled'}), so ${db.name} cannot be planned` };
    if (inst.canCreateDatabase === false) return { refused: `${db.instance}: ${NO_CREATE_DATABASE}` };
  }
  // Every member's whole history, read at once: a plan is proved on all of it, not on the rows status reads.
  const whole = await Promise.all(together.map(({ db }) => withWholeHistory(poller, db)));
  const members: GroupPlanMember[] = [];
  for (const [i, db] of whole.entries()) {
    if ('refused' in db) return db;
    const inst = snapshot.instances.find((x) => x.name === db.instance)!;
    members.push({ db, role: together[i]!.spec!.role, serverNowUtc: serverClock(inst, Date.now()) ?? Date.now(), offsetMinutes: inst.utcOffsetMinutes ?? 0 });
  }
  const markWanted = /^mark(?::(.+))?$/i.exec(form.stopAt.trim());
  const mark = markWanted ? await commonMark(poller, members, markWanted[1]?.trim() ?? null) : null;
  if (mark && 'refused' in mark) return mark;
  const target = mark ? ({ kind: 'latest' } as const) : groupTargetFrom(form.stopAt, members);
  if ('refused' in target) return target;
  const plan = buildGroupPlan({
    name: group.name,
    title: group.title,
    operatorSteps: group.operatorSteps,
    members,
    notRestored: listed.filter((l) => !l.spec?.together).map((l) => `${l.db.instance}/${l.db.name}`),
    target,
    mark,
    options: { tailFirst: form.tailFirst, verifyFirst: form.verifyFirst, closeConnections: form.closeConnections, recover: form.recover },
  });
  if (!plan.ok) return { refused: plan.reason };
  const first = members[0]!;
  const to = mark
    ? `the marked transaction ${mark.name}`
    : plan.commonPoint === null
      ? 'the latest point (every member to its tail)'
      : `${formatServerTime(utcToServerLocal(plan.commonPoint, first.offsetMinutes))} (${first.db.instance}'s clock)`;
  return { ...plan, title: `Restore group ${group.name} (${group.title}), ${members.length} databases, to ${to}`, firstInstance: first.db.instance };
}

/** How many mark names, newest first, a plan tries before it gives up looking for one every member reaches. */
const MARKS_TRIED = 200;

/**
 * The mark every member is restored to: the one named, or the newest that every member can be restored to
 * on its whole history, through whichever chain reaches it (an older full when a newer one came after the
 * mark), with the mark in the chain's last log (Recovery of Related Databases That Contain Marked
 * Transaction: "identify the most recent marked transaction that is available in all of the transaction log
 * backups").
 */
async function commonMark(poller: FleetPoller, members: readonly GroupPlanMember[], name: string | null): Promise<{ name: string; byMember: LogMark[] } | { refused: string }> {
  const loaded: LogMark[][] = [];
  for (const m of members) {
    try {
      loaded.push(await poller.marks(m.db));
    } catch (error) {
      return { refused: `the marks of ${m.db.instance}/${m.db.name} could not be read: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const histories = members.map((m) => tsqlHistory(m.db.history).history);
  /** This member's row of the mark when its whole history restores to it, else why not. */
  const reach = (i: number, wanted: string): LogMark | string => {
    const m = members[i]!;
    const mark = [...loaded[i]!].reverse().find((x) => x.name === wanted);
    if (!mark) return `${m.db.instance}/${m.db.name} has no mark ${visible(wanted)} in msdb.dbo.logmarkhistory`;
    const chain = buildRestoreChain(histories[i]!, { kind: 'pointInTime', at: mark.time }, incarnationOf(m.db.state, m.db.history));
    if (!chain.ok) return `${m.db.instance}/${m.db.name} cannot be restored to the mark ${visible(wanted)}: ${chain.reason}`;
    if (logHolding(chain.chain, mark) !== chain.chain.logs.at(-1)) return `${m.db.instance}/${m.db.name} has no mark ${visible(wanted)} in a log its chain can restore`;
    return mark;
  };
  const all = (wanted: string): { name: string; byMember: LogMark[] } | string => {
    const byMember: LogMark[] = [];
    for (let i = 0; i < members.length; i++) {
      const got = reach(i, wanted);
      if (typeof got === 'string') return got;
      byMember.push(got);
    }
    return { name: wanted, byMember };
  };
  if (name !== null) {
    const named = all(name);
    return typeof named === 'string' ? { refused: named } : named;
  }
  // Names every member recorded, newest first: most groups succeed on the first.
  const common = [...loaded[0]!].reverse().filter((mark) => loaded.every((marks) => marks.some((x) => x.name === mark.name)));
  for (const mark of common.slice(0, MARKS_TRIED)) {
    const found = all(mark.name);
    if (typeof found !== 'string') return found;
  }
  return { refused: `no marked transaction of the last ${common.length > MARKS_TRIED ? `${MARKS_TRIED} common to every member` : 'days'} can be restored in every member (logmarkhistory): restore to a point in time instead` };
}
