import type { RestorePlan } from '../actions/plan.js';
import type { GroupDraft } from '../actions/group-request.js';
import { formatDuration, formatServerTime, utcToServerLocal } from '../domain/time.js';
import { commentText } from '../sql/quote.js';
import { script, type Statement } from '../sql/statements.js';

export interface PlanHeader {
  instance: string;
  database: string;
  target: string;
  offsetMinutes: number;
  generatedAt: number;
}

/** A restore plan as a T-SQL script for a change ticket: one batch per step, each with what it does. */
export function formatPlanSql(plan: Extract<RestorePlan, { ok: true }>, h: PlanHeader): string {
  const local = (utc: number) => formatServerTime(utcToServerLocal(utc, h.offsetMinutes));
  const c = plan.chain;
  // Every comment line goes through commentText: a name or path holding a line break must not end the comment.
  const comment = (text: string) => `-- ${commentText(text)}`;
  const lines = [
    comment(`rpotop restore plan: ${h.instance} / ${h.database}${plan.target !== h.database ? ` as ${plan.target}` : ''}, to ${h.target}`),
    comment(`restorable to ${local(c.restorableTo)} (server time); chain: full #${c.full.backupSetId}${c.diff ? `, differential #${c.diff.backupSetId}` : ''}, ${c.logs.length} log backup(s)`),
    comment(`estimated restore time ${formatDuration(plan.estimate.seconds * 1000)}: ${plan.estimate.basis}`),
    ...plan.notes.map((n) => comment(`note: ${n}`)),
    comment(`generated ${new Date(h.generatedAt).toISOString()} by rpotop; nothing has been run. Each step is one batch.`),
    '',
  ];
  lines.push(...stepsSql(plan.steps));
  return lines.join('\n');
}

/**
 * Each step as one batch: what it does (a comment of one line, whatever it names), its script, GO. A plan
 * over several instances says on which each runs.
 */
export function stepsSql(steps: readonly Statement[], instances?: readonly string[]): string[] {
  return steps.flatMap((s, i) => [
    `-- ${commentText(`step ${i + 1} of ${steps.length}${instances ? ` on ${instances[i]}` : ''}: ${s.summary}${s.kind === 'operator' ? ' [confirm by typing done]' : s.destructive ? ' [confirm by typing the database name]' : ''}`)}`,
    script(s),
    'GO',
    '',
  ]);
}

/** A plan begun in the console, as a script for a change ticket or a second pair of eyes: its title and facts, then its steps. */
export function formatConsolePlanSql(plan: { title: string; facts: readonly string[]; steps: readonly Statement[]; stepInstances: readonly string[] }, generatedAt: number): string {
  const several = new Set(plan.stepInstances).size > 1;
  return [
    `-- ${commentText(`rpotop restore plan: ${plan.title}`)}`,
    ...plan.facts.map((f) => `-- ${commentText(f)}`),
    `-- ${commentText(`written ${new Date(generatedAt).toISOString()} from the console; the journal records what ran. Each step is one batch.`)}`,
    '',
    ...stepsSql(plan.steps, several ? plan.stepInstances : undefined),
  ].join('\n');
}

export function formatPlanJson(plan: Extract<RestorePlan, { ok: true }>, h: PlanHeader): string {
  return JSON.stringify(
    {
      schema: 'rpotop.plan/1',
      instance: h.instance,
      database: h.database,
      restoreAs: plan.target,
      target: h.target,
      restorableTo: new Date(plan.chain.restorableTo).toISOString(),
      estimatedRestoreSeconds: Math.round(plan.estimate.seconds),
      estimateBasis: plan.estimate.basis,
      notes: plan.notes,
      steps: plan.steps.map((s, i) => ({
        step: i + 1,
        kind: s.kind,
        summary: s.summary,
        destructive: s.destructive,
        text: s.text,
        params: s.params.map((p) => ({ name: p.name, type: p.type, value: typeof p.value === 'number' ? formatServerTime(p.value) : p.value })),
        script: script(s),
        backupSetId: s.backup && s.backup.backupSetId > 0 ? s.backup.backupSetId : null,
      })),
    },
    null,
    2,
  );
}

/** A group's plan as one script: title and facts, then each step with the instance it runs on. */
export function formatGroupPlanSql(plan: GroupDraft, generatedAt: number): string {
  return [
    `-- ${commentText(`rpotop restore plan: ${plan.title}`)}`,
    ...plan.facts.map((f) => `-- ${commentText(f)}`),
    ...(plan.losesTail ? [`-- ${commentText(`warning: ${plan.losesTail}`)}`] : []),
    `-- ${commentText(`generated ${new Date(generatedAt).toISOString()} by rpotop; nothing has been run. Each step is one batch, run on the instance it names; operator steps are comments.`)}`,
    '',
    ...stepsSql(
      plan.steps.map((s) => s.statement),
      plan.steps.map((s) => s.instance),
    ),
  ].join('\n');
}

export function formatGroupPlanJson(plan: GroupDraft, generatedAt: number): string {
  return JSON.stringify(
    {
      schema: 'rpotop.group-plan/1',
      title: plan.title,
      generatedAt: new Date(generatedAt).toISOString(),
      commonPoint: plan.commonPoint === null ? null : new Date(plan.commonPoint).toISOString(),
      estimatedRestoreSeconds: Math.round(plan.estimateSeconds),
      facts: plan.facts,
      losesTail: plan.losesTail,
      steps: plan.steps.map(({ instance, statement: s }, i) => ({
        step: i + 1,
        instance,
        database: s.kind === 'operator' ? null : s.database,
        kind: s.kind,
        summary: s.summary,
        destructive: s.destructive,
        script: script(s),
      })),
    },
    null,
    2,
  );
}
