import { buildRestoreChain, incarnationOf, type RestoreTarget } from '../domain/chain.js';
import { offsetAround } from '../domain/history.js';
import { tailDecision } from '../domain/tail.js';
import { formatDuration, formatServerTime, utcToServerLocal } from '../domain/time.js';
import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import { operatorStep, type Statement } from '../sql/statements.js';
import type { LogMark } from '../domain/marks.js';
import { buildRestorePlan, tsqlHistory, type PlanRequest } from './plan.js';

/** A member restored with the group: its database with the whole history, and its server's clock. */
export interface GroupPlanMember {
  db: DatabaseSnapshot;
  role: string;
  serverNowUtc: number;
  offsetMinutes: number;
}

export interface GroupPlanInput {
  name: string;
  title: string;
  operatorSteps: { before: readonly string[]; after: readonly string[] };
  /** The `together` members: every one is restored to the same point. */
  members: readonly GroupPlanMember[];
  /** Members with their own procedures (SharePoint beside AX, BAMArchive): named, not restored here. */
  notRestored: readonly string[];
  target: RestoreTarget;
  /** Restore every member to one marked transaction instead (BizTalk): its name, and each member's row of it, in member order. */
  mark?: { name: string; byMember: readonly LogMark[] } | null;
  /** As for one database: tails first (to the latest point), verify first, close connections, recover at the end. */
  options: Pick<PlanRequest, 'tailFirst' | 'verifyFirst' | 'closeConnections' | 'recover'>;
}

/** One step of a plan that spans instances: where it runs, and what. */
export interface GroupStep {
  instance: string;
  statement: Statement;
}

export type GroupPlan =
  | {
      ok: true;
      steps: GroupStep[];
      /** The point every member is restored to (UTC ms); null when each is restored to its tail, taken with the application stopped. */
      commonPoint: number | null;
      facts: string[];
      /** The slowest instance's sum of its members' estimates, in seconds. */
      estimateSeconds: number;
      /** What is lost for good, member by member, when members are overwritten without their tails. */
      losesTail: string | null;
      /** Options asked for that the plan does not honour, with why (shown off on the options screen). */
      notApplied: { tailFirst?: string };
    }
  | { ok: false; reason: string };

const label = (m: GroupPlanMember) => `${m.db.instance}/${m.db.name}`;

function serverTime(m: GroupPlanMember, utc: number): string {
  return formatServerTime(utcToServerLocal(utc, offsetAround(m.db.history, utc, m.offsetMinutes)));
}

/** What overwriting members without their tails loses, in as few words as an 80-column screen needs. */
function lostTails(lost: readonly { who: string; instance: string; since: string }[]): string | null {
  if (lost.length === 0) return null;
  const head = `this plan overwrites ${lost.length} database(s) without their tail-log backups: what each logged since its last log backup is lost for good`;
  const first = lost[0]!;
  if (lost.every((l) => l.since === first.since && l.instance === first.instance)) return `${head} (since ${first.since} on ${first.instance}'s clock, for all ${lost.length})`;
  return `${head} (${lost.map((l) => `${l.who} since ${l.since}`).join(', ')}, server time)`;
}

/** Why a member's tail cannot be taken and restored after its chain, or null when it can. */
function noTail(m: GroupPlanMember): string | null {
  const history = tsqlHistory(m.db.history).history;
  const chain = buildRestoreChain(history, { kind: 'latest' }, incarnationOf(m.db.state, m.db.history));
  if (!chain.ok) return chain.reason;
  if (m.db.state.state !== 'ONLINE') return `it is ${m.db.state.state}`;
  const decision = tailDecision(m.db.state, m.db.history, chain.chain);
  return 'variant' in decision ? null : decision.none;
}

/** The newest point every member's whole history reaches, and the member that sets it. */
function newestCommonPoint(members: readonly GroupPlanMember[]): { at: number; by: GroupPlanMember } | { refused: string } {
  let best: { at: number; by: GroupPlanMember } | null = null;
  for (const m of members) {
    const chain = buildRestoreChain(tsqlHistory(m.db.history).history, { kind: 'latest' }, incarnationOf(m.db.state, m.db.history));
    if (!chain.ok) return { refused: `${label(m)} has no restorable chain: ${chain.reason}` };
    if (!best || chain.chain.restorableTo < best.at) best = { at: chain.chain.restorableTo, by: m };
  }
  return best ?? { refused: 'the group has no member restored together with another' };
}

/**
 * One plan that restores every `together` member of a group to the same point (docs/architecture.md 6):
 * the operator's steps before (stop the application), the tail-log backups, each member's restores, the
 * operator's steps after. "Latest" takes every member's tail once the application is stopped, when every
 * member allows one; otherwise it is the newest point all members reach, restored with STOPAT. A point one
 * member cannot reach refuses the whole plan, naming the member and why, before any statement exists.
 */
export function buildGroupPlan(input: GroupPlanInput): GroupPlan {
  if (input.members.length === 0) return { ok: false, reason: `${input.name} has no member restored together on the instances polled` };
  const facts: string[] = [];
  let target = input.target;
  let tails = false;
  if (input.mark) {
    target = { kind: 'pointInTime', at: input.mark.byMember[0]!.time };
    facts.push(`every member is restored through the marked transaction ${input.mark.name} (STOPATMARK), committed in each at the same moment of the application`);
  } else if (target.kind === 'latest') {
    const blocked = input.options.tailFirst ? input.members.map((m) => ({ m, why: noTail(m) })).filter((x) => x.why !== null) : [];
    if (input.options.tailFirst && blocked.length === 0) {
      tails = true;
      facts.push('every member is restored to its tail-log backup, taken after the application is stopped: nothing committed is lost');
    } else {
      const point = newestCommonPoint(input.members);
      if ('refused' in point) return { ok: false, reason: point.refused };
      target = { kind: 'pointInTime', at: point.at };
      facts.push(
        `${input.options.tailFirst ? `no tail for ${blocked.map((b) => `${label(b.m)} (${b.why})`).join('; ')}` : 'no tail-log backups (not asked for)'}: every member is restored to ${serverTime(point.by, point.at)} (${point.by.db.instance}'s clock), ` +
          `the newest point ${label(point.by)} reaches; what the others logged after it is not restored`,
      );
    }
  }

  const before = input.operatorSteps.before.map((text) => operatorStep(input.name, text));
  const tailSteps: GroupStep[] = [];
  const restoreSteps: GroupStep[] = [];
  const perInstance = new Map<string, number>();
  const lost: { who: string; instance: string; since: string }[] = [];
  const tailCount = tails ? input.members.length : 0;
  for (const [i, m] of input.members.entries()) {
    const mark = input.mark?.byMember[i];
    const request: PlanRequest = mark
      ? { ...input.options, target: { kind: 'pointInTime', at: mark.time }, as: null, tailFirst: false, mark }
      : { ...input.options, target, as: null, tailFirst: tails };
    // Tails come first, one per member in member order, right after the operator's steps.
    const plan = buildRestorePlan(m.db, request, m.serverNowUtc, m.offsetMinutes, tails ? before.length + i + 1 : undefined);
    if (!plan.ok) {
      const to = input.mark ? `the mark ${input.mark.name}` : target.kind === 'latest' ? 'the latest point' : serverTime(m, target.at);
      return { ok: false, reason: `${label(m)} cannot be restored to ${to}: ${plan.reason}` };
    }
    for (const step of plan.steps) {
      // Steps of several databases share one list: each says whose it is.
      const statement = { ...step, summary: `${label(m)}: ${step.summary}` };
      (statement.kind === 'tail-log' ? tailSteps : restoreSteps).push({ instance: m.db.instance, statement });
    }
    perInstance.set(m.db.instance, (perInstance.get(m.db.instance) ?? 0) + plan.estimate.seconds);
    const c = plan.chain;
    if (plan.losesTail) {
      const last = m.db.assessment.lastLog ?? c.logs.at(-1) ?? c.diff ?? c.full;
      lost.push({ who: label(m), instance: m.db.instance, since: serverTime(m, last.finish) });
    }
    facts.push(
      `${label(m)} (${m.role}): full #${c.full.backupSetId}${c.diff ? `, differential #${c.diff.backupSetId}` : ''}, ${c.logs.length} log backup(s)${tails ? ' and its tail' : `, to ${serverTime(m, c.stopAt ?? c.restorableTo)} server time`}`,
      ...plan.notes.filter((n) => !n.startsWith('no tail-log backup')).map((n) => `${m.db.name}: ${n}`),
    );
  }
  if (tailSteps.length !== tailCount) return { ok: false, reason: 'a member\'s tail-log backup could not be planned' };
  const estimateSeconds = Math.max(...perInstance.values());
  const slowest = [...perInstance].sort((a, b) => b[1] - a[1])[0]!;
  facts.unshift(
    input.mark
      ? `common point: the marked transaction ${input.mark.name}, committed ${serverTime(input.members[0]!, input.mark.byMember[0]!.time)} on ${input.members[0]!.db.instance}'s clock`
      : target.kind === 'pointInTime'
      ? `common point ${formatServerTime(utcToServerLocal(target.at, input.members[0]!.offsetMinutes))} on ${input.members[0]!.db.instance}'s clock (${new Date(target.at).toISOString()})`
      : 'common point: the moment the application stopped (every member to its tail)',
    `estimated restore time ${formatDuration(estimateSeconds * 1000)}: ${perInstance.size} instance(s) in parallel, members one after another within each; slowest ${slowest[0]}`,
  );
  if (input.notRestored.length) facts.push(`not restored by this plan (their own procedures): ${input.notRestored.join(', ')}`);
  const firstInstance = input.members[0]!.db.instance;
  const after = input.operatorSteps.after.map((text) => operatorStep(input.name, text));
  return {
    ok: true,
    steps: [
      ...before.map((statement) => ({ instance: firstInstance, statement })),
      ...tailSteps,
      ...restoreSteps,
      ...after.map((statement) => ({ instance: firstInstance, statement })),
    ],
    commonPoint: target.kind === 'pointInTime' ? target.at : null,
    facts,
    estimateSeconds,
    losesTail: lostTails(lost),
    notApplied: input.options.tailFirst && !tails ? { tailFirst: input.mark ? 'a restore to a mark takes no tails' : input.target.kind !== 'latest' ? 'a point in time is restored without the tails' : 'not every member can take one (see the facts)' } : {},
  };
}
