import { buildRestoreChain, incarnationOf } from './chain.js';
import type { DatabaseState } from './database.js';
import { newestCommonMark, type LogMark } from './marks.js';
import type { BackupSet } from './history.js';
import type { RtoEstimate } from './rto.js';
import { againstRpo, statusSeverity, worstStatus, type Assessment, type Status } from './status.js';
import type { StandbyCopy } from './database.js';
import type { Targets } from './targets.js';
import { durations, formatDuration } from './time.js';

/** A database of the group found on a polled instance, with what the snapshot made of it. */
export interface GroupMemberInput {
  instance: string;
  database: string;
  role: string;
  /** Restored to one common point with the other `together` members. */
  together: boolean;
  state: DatabaseState;
  history: readonly BackupSet[];
  assessment: Assessment;
  rto: RtoEstimate | null;
  /** Its marked transactions (logmarkhistory); empty when it has none or they were not read. */
  marks: readonly LogMark[];
  /** The member's server clock now (UTC ms): exposures are measured on the server's clock. */
  now: number;
}

/** A member the inventory names that no polled instance has. */
export interface MissingMember {
  /** Where it was looked for; null: on every inventoried instance. */
  instance: string | null;
  database: string;
  role: string;
  together: boolean;
  /** Without it the group cannot be restored whole (an estate's core database, or a member named explicitly). */
  required: boolean;
  /** An instance it may live on could not be polled: not known to be absent. */
  unreachable: boolean;
  why: string;
}

/** A standby copy (log shipping, a destination system) of one of the group's `together` members. */
export interface StandbyCopyInput {
  /** Where the copy is kept, and under what name. */
  instance: string;
  database: string;
  /** The member it copies. */
  source: { instance: string; database: string };
  copy: StandbyCopy;
  /** The standby's server clock now (UTC ms). */
  now: number;
}

export interface GroupInput {
  name: string;
  title: string;
  targets: Targets;
  members: readonly GroupMemberInput[];
  missing: readonly MissingMember[];
  /** Copies of `together` members kept on standby instances; none when the group has no standby. */
  standbys?: readonly StandbyCopyInput[];
}

/**
 * A standby instance holding copies of the group: how far behind it could take over. The whole group can
 * be brought up there only to the point every copy holds (the earliest), so that is what is measured.
 */
export interface GroupStandby {
  instance: string;
  status: Status;
  /** The point every copy there holds: the earliest of their restored backups' finishes (UTC ms). */
  holdsTo: number;
  /** Now minus holdsTo, on the standby's clock. */
  lagMs: number;
  /** When a WARN or BREACH of the group's RPO began (UTC ms). */
  since: number | null;
  /** The copy that holds the earliest point. */
  limitedBy: string;
  copies: { database: string; source: string; lagMs: number }[];
  /** `together` members with no copy there: the standby cannot take the group over whole. */
  notCopied: string[];
  text: string;
}

export interface GroupMemberAssessment {
  instance: string;
  database: string;
  role: string;
  together: boolean;
  status: Status;
  /** The newest point the member's own chain restores to. */
  restorableTo: number | null;
  /** For `together` members: why the rows the poll holds do not show a chain to the common point; null when they do. */
  cannotReach: string | null;
}

/** Members are restored in parallel across instances and one after another within an instance. */
export interface GroupRto {
  seconds: number;
  perInstance: { instance: string; seconds: number; members: string[] }[];
  /** Members without an estimate (no restorable chain): the figure leaves them out. */
  unestimated: string[];
  exceedsTarget: boolean;
  text: string;
}

export interface GroupAssessment {
  name: string;
  title: string;
  status: Status;
  reason: string;
  /** The reason without the common point's words: what a heading that shows the point adds to it. */
  problem: string | null;
  /**
   * The latest instant every `together` member can be restored to: the earliest of their newest restorable
   * points. Null when a member has no chain or the group has no `together` members.
   */
  commonPoint: number | null;
  /** Whether every `together` member's rows show a chain to the common point (else it is an upper bound). */
  commonPointProven: boolean;
  /** The member whose newest restorable point is the common point. */
  limitedBy: { instance: string; database: string } | null;
  /**
   * The newest marked transaction every `together` member's chain holds in a log (BizTalk's way to one point),
   * with its commit time (the first member's row of it); null when members do not mark.
   */
  commonMark: { name: string; time: number; ageMs: number } | null;
  /** Data the group would lose restored to its common point now; null when there is no common point. */
  exposureMs: number | null;
  /** When a WARN or BREACH of the group's RPO began (UTC ms), as for a database. */
  since: number | null;
  targets: Targets;
  rto: GroupRto | null;
  members: GroupMemberAssessment[];
  missing: MissingMember[];
  /** Standby instances holding copies of `together` members, laggiest first. */
  standbys: GroupStandby[];
}

const label = (m: { instance: string | null; database: string }) => (m.instance ? `${m.instance}/${m.database}` : m.database);

/** One problem that bounds the group's status from below, and the words for it. */
interface Problem {
  status: Status;
  text: string;
}

function missingProblems(missing: readonly MissingMember[]): Problem[] {
  return missing
    .filter((m) => m.required)
    .map((m) =>
      m.unreachable
        ? { status: 'UNKNOWN' as const, text: `${m.database} (${m.role}): ${m.why}` }
        : { status: 'UNPROTECTED' as const, text: `${m.database} (${m.role}) is missing: ${m.why}, so the group cannot be restored whole` },
    );
}

/**
 * Restore time of the whole group: each instance restores its members one after another, instances work in
 * parallel, so the estimate is the slowest instance's sum.
 */
export function groupRto(members: readonly GroupMemberInput[], rtoMinutes: number): GroupRto | null {
  const byInstance = new Map<string, { seconds: number; members: string[] }>();
  const unestimated: string[] = [];
  for (const m of members) {
    if (!m.rto) {
      unestimated.push(label(m));
      continue;
    }
    const entry = byInstance.get(m.instance) ?? { seconds: 0, members: [] };
    entry.seconds += m.rto.seconds;
    entry.members.push(m.database);
    byInstance.set(m.instance, entry);
  }
  if (byInstance.size === 0) return null;
  const perInstance = [...byInstance].map(([instance, e]) => ({ instance, ...e })).sort((a, b) => b.seconds - a.seconds);
  const slowest = perInstance[0]!;
  const seconds = slowest.seconds;
  const how =
    perInstance.length === 1
      ? `${slowest.members.length} member(s) one after another on ${slowest.instance}`
      : `${perInstance.length} instances in parallel, members one after another within each; slowest ${slowest.instance} (${slowest.members.length} member(s))`;
  const left = unestimated.length ? `; no estimate for ${unestimated.join(', ')}` : '';
  return {
    seconds,
    perInstance,
    unestimated,
    exceedsTarget: seconds > rtoMinutes * 60,
    text: `${formatDuration(seconds * 1000)}: ${how}${left}`,
  };
}

/**
 * Whether a member's rows show a chain to `at`; why not when they do not, and whether only an older chain
 * (its newest base finished after `at`) could get there.
 */
function reachProblem(m: GroupMemberInput, at: number): { text: string; olderChain: boolean } | null {
  const chain = m.assessment.chain;
  if (!chain) return { text: m.assessment.reason, olderChain: false };
  const base = chain.diff ?? chain.full;
  // The member that sets the point reaches it by definition; any other may stop inside a log, where a
  // bulk-logged one refuses: the domain's chain to that moment says.
  if (at === chain.restorableTo) return null;
  // Snapshots come every second with the same rows and point: the chain to it is built once per pair.
  const cached = reachCache.get(m.history);
  if (cached && cached.at === at && cached.guid === m.state.databaseGuid && cached.fork === m.state.recoveryForkGuid) return cached.result;
  const result = reachAnswer(m, at, base.finish);
  reachCache.set(m.history, { at, guid: m.state.databaseGuid, fork: m.state.recoveryForkGuid, result });
  return result;
}

const reachCache = new WeakMap<readonly BackupSet[], { at: number; guid: string | null; fork: string | null; result: { text: string; olderChain: boolean } | null }>();

function reachAnswer(m: GroupMemberInput, at: number, baseFinish: number): { text: string; olderChain: boolean } | null {
  const built = buildRestoreChain(m.history, { kind: 'pointInTime', at }, incarnationOf(m.state, m.history));
  if (built.ok) return null;
  return baseFinish > at
    ? { text: `its newest restorable backup finished after the common point, and no older chain to it is among the backups the poll reads (${built.reason})`, olderChain: true }
    : { text: built.reason, olderChain: false };
}

/** Each standby instance's copies of the group, against the group's RPO. */
export function assessStandbys(together: readonly { instance: string; database: string }[], copies: readonly StandbyCopyInput[], targets: Targets): GroupStandby[] {
  const byInstance = new Map<string, StandbyCopyInput[]>();
  for (const c of copies) byInstance.set(c.instance, [...(byInstance.get(c.instance) ?? []), c]);
  const rpo = `RPO ${formatDuration(targets.rpoMinutes * durations.MINUTE)}`;
  const standbys = [...byInstance].map(([instance, list]): GroupStandby => {
    const limiter = list.reduce((a, b) => (b.copy.holdsTo < a.copy.holdsTo ? b : a));
    const now = limiter.now;
    const lagMs = now - limiter.copy.holdsTo;
    const line = againstRpo(lagMs, limiter.copy.holdsTo, targets, now);
    const notCopied = together
      .filter((m) => !list.some((c) => c.source.instance.toLowerCase() === m.instance.toLowerCase() && c.source.database.toLowerCase() === m.database.toLowerCase()))
      .map(label);
    const status: Status = notCopied.length > 0 ? worstStatus([line.status, 'UNPROTECTED']) : line.status;
    const missing = notCopied.length ? `; no copy of ${notCopied.join(', ')} there: it cannot take the group over whole` : '';
    return {
      instance,
      status,
      holdsTo: limiter.copy.holdsTo,
      lagMs,
      since: line.since,
      limitedBy: limiter.database,
      copies: list.map((c) => ({ database: c.database, source: label(c.source), lagMs: c.now - c.copy.holdsTo })).sort((a, b) => b.lagMs - a.lagMs),
      notCopied,
      text: `${line.lasting}standby ${instance} ${formatDuration(Math.max(0, lagMs))} behind (${limiter.database} limits it), ${rpo}${missing}`,
    };
  });
  return standbys.sort((a, b) => b.lagMs - a.lagMs);
}

/**
 * The status of an application estate (docs/architecture.md 6): its worst member, its common recovery point
 * and the exposure of that point against the group's RPO, its restore time, and what is missing.
 */
export function assessGroup(group: GroupInput): GroupAssessment {
  const problems: Problem[] = missingProblems(group.missing);
  const together = group.members.filter((m) => m.together);
  for (const m of together) {
    const s = m.assessment.status;
    if (s === 'UNKNOWN') problems.push({ status: 'UNKNOWN', text: `${label(m)}: ${m.assessment.reason}` });
    else if (!m.assessment.chain) problems.push({ status: 'UNPROTECTED', text: `${label(m)} has no restorable chain: ${m.assessment.reason}` });
    else if (m.assessment.chain.brokenAfter) {
      const before = m.assessment.chain.brokenAfter.before.finish;
      problems.push({
        status: 'UNPROTECTED',
        text: `${label(m)}'s log chain breaks after its backup of ${formatDuration(Math.max(0, m.now - before))} ago: the group cannot be brought past that point until it has a new full or differential`,
      });
    }
  }

  let commonPoint: number | null = null;
  let limiter: GroupMemberInput | null = null;
  if (together.length > 0 && together.every((m) => m.assessment.chain && m.assessment.status !== 'UNKNOWN')) {
    for (const m of together) {
      const to = m.assessment.chain!.restorableTo;
      if (commonPoint === null || to < commonPoint) {
        commonPoint = to;
        limiter = m;
      }
    }
  }
  const cannotReach = new Map<GroupMemberInput, string>();
  const unproven: string[] = [];
  if (commonPoint !== null) {
    for (const m of together) {
      const why = reachProblem(m, commonPoint);
      if (why === null) continue;
      cannotReach.set(m, why.text);
      // An older chain the poll did not read (a differential finished after the point) is a question for the
      // whole history, which a plan reads: said, not alarmed on. A chain the rows show cannot get there is.
      if (why.olderChain) unproven.push(`${label(m)} reaches the common point only through an older chain, not among the rows the poll reads: the group plan checks it`);
      else problems.push({ status: 'WARN', text: `${label(m)} cannot reach the common point: ${why.text}` });
    }
  }

  let exposureMs: number | null = null;
  let since: number | null = null;
  let exposureStatus: Status = 'OK';
  let exposureText = '';
  const rpoMs = group.targets.rpoMinutes * durations.MINUTE;
  if (commonPoint !== null && limiter) {
    // On the limiting member's own clock, as its exposure is: instances' clocks may disagree.
    exposureMs = limiter.now - commonPoint;
    const line = againstRpo(exposureMs, commonPoint, group.targets, limiter.now);
    exposureStatus = line.status;
    since = line.since;
    exposureText = `${line.lasting}common point ${formatDuration(Math.max(0, exposureMs))} ago (${label(limiter)} limits it), RPO ${formatDuration(rpoMs)}`;
  } else if (together.length === 0) {
    exposureText = 'no members restored together: the group reads as its worst member';
  }

  const mark = commonPoint !== null && together.some((m) => m.marks.length > 0) ? newestCommonMark(together.map((m) => ({ marks: m.marks, chain: m.assessment.chain! }))) : null;
  const commonMark = mark ? { name: mark.name, time: mark.byMember[0]!.time, ageMs: together[0]!.now - mark.byMember[0]!.time } : null;
  if (commonMark) exposureText += `; newest common mark ${commonMark.name}, ${formatDuration(Math.max(0, commonMark.ageMs))} ago`;
  else if (commonPoint !== null && together.some((m) => m.marks.length > 0)) exposureText += '; no mark of the last day is in every member\'s restorable logs';

  const memberStatus = worstStatus(group.members.map((m) => m.assessment.status));
  const status = worstStatus([memberStatus, exposureStatus, ...problems.map((p) => p.status)]);
  // The gravest problem first: a narrow screen cuts the end of the reason.
  problems.sort((a, b) => statusSeverity[b.status] - statusSeverity[a.status]);
  const worstMember =
    statusSeverity[memberStatus] > statusSeverity[worstStatus([exposureStatus, ...problems.map((p) => p.status)])]
      ? group.members.find((m) => m.assessment.status === memberStatus)
      : undefined;
  const optionalMissing = group.missing.filter((m) => !m.required);
  const standbys = assessStandbys(together, group.standbys ?? [], group.targets);
  // A standby's lag is its own databases' status (each copy is a row); the group's says what backups
  // restore. One in time is told with the common point, one behind among the problems a heading shows.
  const current = standbys.filter((sb) => sb.status === 'OK').map((sb) => sb.text);
  if (current.length) exposureText += `; ${current.join('; ')}`;
  const lagging = standbys.filter((sb) => sb.status !== 'OK').map((sb) => sb.text);
  const others = [
    ...problems.map((p) => p.text),
    ...unproven,
    ...lagging,
    ...(worstMember ? [`worst member ${label(worstMember)}: ${worstMember.assessment.reason}`] : []),
    ...(optionalMissing.length ? [`not found (optional): ${optionalMissing.map((m) => m.database).join(', ')}`] : []),
  ];
  const parts = [...problems.map((p) => p.text), ...(exposureText ? [exposureText] : []), ...others.slice(problems.length)];

  return {
    name: group.name,
    title: group.title,
    status,
    reason: parts.join('; '),
    problem: others.length ? others.join('; ') : null,
    commonPoint,
    commonPointProven: commonPoint !== null && cannotReach.size === 0,
    commonMark,
    limitedBy: limiter ? { instance: limiter.instance, database: limiter.database } : null,
    exposureMs,
    since,
    targets: group.targets,
    rto: groupRto(group.members, group.targets.rtoMinutes),
    members: group.members.map((m) => ({
      instance: m.instance,
      database: m.database,
      role: m.role,
      together: m.together,
      status: m.assessment.status,
      restorableTo: m.assessment.chain?.restorableTo ?? null,
      cannotReach: cannotReach.get(m) ?? null,
    })),
    missing: [...group.missing],
    standbys,
  };
}

/** A group's common point in words: its age, or why there is none. */
export function commonPointText(g: GroupAssessment): string {
  if (g.exposureMs === null) return '-';
  return `${formatDuration(Math.max(0, g.exposureMs))} ago${g.commonPointProven ? '' : ' or more'}`;
}

export function groupRpoText(g: GroupAssessment): string {
  return formatDuration(g.targets.rpoMinutes * durations.MINUTE);
}

export function groupRtoText(g: GroupAssessment): string {
  if (!g.rto) return '-';
  return `${formatDuration(g.rto.seconds * 1000)}${g.rto.exceedsTarget ? ` > RTO ${formatDuration(g.targets.rtoMinutes * durations.MINUTE)}` : ''}`;
}
