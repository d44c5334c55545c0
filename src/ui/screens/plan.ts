import type { ActionResult, PlanPreview } from '../actions-port.js';
import { judgedOn, typeInto, type Binding } from '../keys.js';
import { batchRange, type PlanState } from '../PlanView.js';
import { runningKeys } from './running-keys.js';
import { answersAlone, isLetter } from './answer-alone.js';

/**
 * A restore, step by step: each step confirmed on its own (y, or the name and Enter where it overwrites or
 * takes a database offline), nothing run ahead of the operator; a failure stops the plan until it is run
 * again, skipped (a check only, with a reason) or left. It takes every key itself: a name may hold any letter.
 */

export const planState = (plan: PlanPreview): PlanState => ({
  plan,
  current: plan.current ?? 0,
  typed: '',
  running: null,
  last: null,
  failed: false,
  skipped: [],
  skipping: null,
  batch: null,
});

const onPlan = (why: (st: PlanState) => string | null) => judgedOn('plan', why);
const finished = (st: PlanState) => st.current >= st.plan.steps.length;
/** Why no step can be answered now, or null. */
const waiting = (st: PlanState): string | null =>
  st.running ? 'a statement is running (Esc asks whether to cancel it)'
  : finished(st) ? 'the plan is done: Enter or Esc goes back'
  : st.batch ? 'confirming the remaining log restores together: type the name, then Enter'
  : st.failed ? `step ${st.current + 1} failed: r runs it again, Esc stops the plan`
  : null;
const asks = (st: PlanState) => {
  const step = st.plan.steps[st.current];
  return step && (step.destructive || step.operator) ? 'name' : 'y';
};

export const planBindings: readonly Binding[] = [
  {
    command: 'answer', keys: ['y'], label: 'y', scopes: ['plan'], mutates: true, hint: true,
    description: 'run the step shown, where it asks for y: a y typed with other letters, or just after them, is text and runs nothing',
    unavailable: onPlan((st) => waiting(st) ?? (asks(st) === 'name' ? `step ${st.current + 1} asks for the name ${st.plan.steps[st.current]!.confirmWord}, then Enter` : null)),
  },
  {
    command: 'confirmName', keys: ['enter'], label: 'NAME Enter', scopes: ['plan'], mutates: true, hint: true,
    description: 'where the step asks for a name: type it exactly as shown, then Enter, to run a statement that overwrites a database or takes it offline (done, for your own step)',
    unavailable: onPlan((st) => waiting(st) ?? (asks(st) === 'y' ? `step ${st.current + 1} asks for y alone` : null)),
  },
  {
    command: 'batch', keys: ['ctrl+r'], label: 'Ctrl-R', scopes: ['plan'], mutates: true, hint: true,
    description: 'after a first log restore succeeded: confirm the remaining log restores together (the name once); each still runs on its own and the first failure stops the rest',
    unavailable: onPlan((st) => waiting(st) ?? (batchRange(st) ? null : 'only after a first log restore succeeded, with more log restores next')),
  },
  {
    command: 'retry', keys: ['r'], label: 'r', scopes: ['plan'], mutates: true, hint: true,
    description: 'after a step failed: run it again (r alone: the r of a name typed ahead runs nothing)',
    unavailable: onPlan((st) => (st.failed && !st.running && st.skipping === null ? null : 'only after a step failed')),
  },
  {
    command: 'skip', keys: ['s'], label: 's', scopes: ['plan'], mutates: false, hint: true,
    description: 'after a check (VERIFYONLY) or MULTI_USER failed: skip it, with a reason the journal keeps; a BACKUP or RESTORE of the chain is never skipped',
    unavailable: onPlan((st) =>
      !st.failed || st.running || st.skipping !== null ? 'only after a check or MULTI_USER failed'
      : st.plan.steps[st.current]?.skippable ? null
      : 'a BACKUP or RESTORE of the chain is never skipped'),
  },
  { command: 'exportPlan', keys: ['ctrl+e'], label: 'Ctrl-E', description: 'write the whole plan, exactly as it runs, to a new .sql file in the working directory', scopes: ['plan'], mutates: false, hint: false },
  { command: 'help', keys: ['f1'], label: 'F1', description: 'this help (? is typed text here); not while a statement runs', scopes: ['plan'], mutates: false, hint: true },
  {
    command: 'cancel', keys: ['esc'], label: 'Esc', scopes: ['plan'], mutates: false, hint: true,
    description: 'stop the plan before its next step (later steps do not run); while a statement runs, asks whether to cancel it (SQL Server rolls it back)',
  },
];

export type PlanEffect =
  | { kind: 'export' }
  /** Back from a finished plan. */
  | { kind: 'leave' }
  /** Stop the plan before its next step: it is closed in the journal. */
  | { kind: 'stop' }
  | { kind: 'run'; typed: string }
  /** Run the steps up to `to` (the remaining log restores), each on its own, stopping at the first failure. */
  | { kind: 'batch'; typed: string; to: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'message'; text: string }
  | { kind: 'cancelRunning' };

type Handled = { state: PlanState; effects: PlanEffect[] };

/** Keys while the remaining log restores are being confirmed together: the name, Enter, or Esc to go back. */
function batchKeys(st: PlanState, names: readonly string[]): Handled {
  const range = batchRange(st);
  let typed = st.batch?.typed ?? '';
  for (const name of names) {
    if (name === 'esc' || !range) return { state: { ...st, batch: null }, effects: [] };
    if (name === 'enter') {
      const word = st.plan.steps[st.current]!.confirmWord;
      if (typed === word) return { state: st, effects: [{ kind: 'batch', typed, to: range.to }] };
      return { state: { ...st, batch: { typed } }, effects: [{ kind: 'message', text: `type the name exactly as shown (${word}) to confirm` }] };
    }
    typed = typeInto(typed, name) ?? typed;
  }
  return { state: { ...st, batch: { typed } }, effects: [] };
}

/** The plan screen after the keys of one read, in order, and what they ask the console to do. Pure. */
export function planKeys(st: PlanState, names: readonly string[], now: number): Handled {
  if (st.running) {
    const r = runningKeys(st.running, names);
    return { state: { ...st, running: r.running }, effects: r.cancel ? [{ kind: 'cancelRunning' }] : [] };
  }
  if (st.batch) return batchKeys(st, names);
  const effects: PlanEffect[] = [];
  let typed = st.typed;
  let current = st;
  for (const [i, name] of names.entries()) {
    if (name === 'ctrl+e') {
      effects.push({ kind: 'export' });
      continue;
    }
    if (finished(st)) return { state: current, effects: name === 'enter' || name === 'esc' ? [...effects, { kind: 'leave' }] : effects };
    if (name === 'esc' && current.skipping !== null) return { state: { ...current, skipping: null }, effects };
    if (name === 'esc') return { state: current, effects: [...effects, { kind: 'stop' }] };
    if (st.failed && current.skipping !== null) {
      // Typing the reason for a skip: Esc leaves skip mode (the plan stays stopped at this step).
      if (name === 'enter') return { state: current, effects: [...effects, { kind: 'skip', reason: current.skipping }] };
      current = { ...current, skipping: typeInto(current.skipping, name) ?? current.skipping };
      continue;
    }
    if (name === 'ctrl+r' && !st.failed && batchRange(st)) return { state: { ...current, batch: { typed: '' } }, effects };
    if (st.failed) {
      // r and s answer alone: the letters of a name typed ahead (Payroll holds an r) run nothing again.
      const alone = answersAlone(names, i, st.strayAt ?? null, now);
      if (name === 'r' && alone) return { state: current, effects: [...effects, { kind: 'run', typed }] };
      if (name === 's' && alone && st.plan.steps[st.current]!.skippable) return { state: { ...current, skipping: '' }, effects };
      if (isLetter(name)) return { state: { ...current, strayAt: now }, effects: [...effects, { kind: 'message', text: `step ${st.current + 1} failed: r alone runs it again, Esc stops the plan; keys typed with other letters are ignored` }] };
      continue;
    }
    const step = st.plan.steps[st.current]!;
    if (!step.destructive && !step.operator) {
      if (name === 'y' && answersAlone(names, i, st.strayAt ?? null, now)) return { state: current, effects: [...effects, { kind: 'run', typed: '' }] };
      if (isLetter(name)) return { state: { ...current, strayAt: now }, effects: [...effects, { kind: 'message', text: `step ${st.current + 1} asks for y alone: keys typed with other letters are ignored` }] };
      continue;
    }
    if (name === 'enter') {
      if (typed === step.confirmWord) return { state: current, effects: [...effects, { kind: 'run', typed }] };
      const text = step.operator ? `type ${step.confirmWord} once it is done` : `type the name exactly as shown (${step.confirmWord}) to confirm`;
      return { state: { ...current, typed }, effects: [...effects, { kind: 'message', text }] };
    }
    typed = typeInto(typed, name) ?? typed;
  }
  return { state: { ...current, typed }, effects };
}

/**
 * The plan screen after a step's answer: the next step; the same step failed; or the same step waiting
 * for confirmation again in a plan that changed instead of running it (nothing was sent).
 */
export function afterStep(plan: PlanPreview, step: number, result: ActionResult): Partial<PlanState> {
  if (result.planChanged) return { running: null, last: result, failed: false, typed: '', plan: { ...plan, steps: result.planChanged.steps } };
  return result.ok ? { running: null, last: result, current: step + 1, typed: '' } : { running: null, last: result, failed: true };
}

/** What the operator is told on leaving a plan with Esc: "nothing was sent" only when it is true. */
export function stoppedMessage(st: PlanState): string {
  if (st.current === 0 && !st.failed) return 'restore cancelled: nothing was sent';
  if (st.current === 0) return "restore stopped: step 1 was sent and failed, nothing after it ran; rpotop journal shows SQL Server's messages";
  const failed = st.failed ? `, and step ${st.current + 1} failed` : '';
  const members = membersByProgress(st);
  if (members) return `restore stopped after step ${st.current}${failed}: ${members}; rpotop journal shows what ran`;
  return `restore stopped after step ${st.current}${failed}: the database may be RESTORING; rpotop journal shows what ran`;
}

/**
 * For a plan over several databases (a group's), where each stands when it stops: every step of it behind
 * (restored), some (RESTORING or taken offline by its tail), none (untouched). Null for one database.
 */
function membersByProgress(st: PlanState): string | null {
  const progress = new Map<string, { done: number; total: number }>();
  st.plan.steps.forEach((step, i) => {
    if (step.operator) return;
    const key = `${step.instance}/${step.confirmWord}`;
    const p = progress.get(key) ?? { done: 0, total: 0 };
    p.total++;
    if (i < st.current) p.done++;
    progress.set(key, p);
  });
  if (progress.size < 2) return null;
  const named = (test: (p: { done: number; total: number }) => boolean) => [...progress].filter(([, p]) => test(p)).map(([k]) => k);
  const parts = [
    ['restored', named((p) => p.done === p.total)],
    ['RESTORING (part of its chain applied, or its tail taken)', named((p) => p.done > 0 && p.done < p.total)],
    ['untouched', named((p) => p.done === 0)],
  ] as const;
  return parts.filter(([, list]) => list.length).map(([what, list]) => `${what}: ${list.join(', ')}`).join('; ');
}
