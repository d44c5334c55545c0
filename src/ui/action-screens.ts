import type { ActionKind, ActionResult, ActionsPort, PlanPort, PlanPreview } from './actions-port.js';
import type { ConfirmState } from './ConfirmView.js';
import { batchRange, type PlanState } from './PlanView.js';
import { typeInto } from './keymap.js';
import { optionsKey, type OptionsState } from './restore-options.js';
import { running, runningKey, type Running } from './running.js';

/** The console's screens; each that was opened from another returns to it. */
export type Screen =
  /** `group`: the options of an application group's restore (every member to one point); `key` is then its row's. */
  | { kind: 'options'; key: string; title: string; state: OptionsState; back: Screen; group?: string }
  | { kind: 'plan'; key: string; state: PlanState; back: Screen }
  | { kind: 'confirm'; action: ActionKind; key: string; state: ConfirmState; back: Screen }
  | { kind: 'dashboard' }
  | { kind: 'detail'; key: string; scroll: number }
  | { kind: 'instance'; name: string; back: Screen }
  | { kind: 'help'; back: Screen };

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

/**
 * The plan screen after a step's answer: the next step; the same step failed; or the same step waiting
 * for confirmation again in a plan that changed instead of running it (nothing was sent).
 */
function afterStep(plan: PlanPreview, step: number, result: ActionResult): Partial<PlanState> {
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

/** A y within this long of another letter key is taken for part of typed text, not an answer. */
export const Y_QUIET_MS = 1000;

/**
 * Whether a y answers a prompt that asks for y alone: not when letters came with it or just before it (a
 * database name typed ahead for the step before, which holds a y, must not run this one).
 */
export function yAnswers(names: readonly string[], at: number, strayAt: number | null, now: number): boolean {
  const before = names.slice(0, at);
  if (before.some((n) => n !== 'y' && [...n].length === 1)) return false;
  return strayAt === null || now - strayAt > Y_QUIET_MS;
}

/** What the action screens need from the console: the actions, and the screen as the latest key left it. */
export interface ScreenHost {
  actions: ActionsPort & PlanPort;
  screen(): Screen;
  setScreen(screen: Screen): void;
  setMessage(message: string | null): void;
  now(): number;
}

/**
 * Keys on the screens that change a server: the confirm step, the restore options and the plan. They
 * take every key themselves (a database name may hold q, j or any command key), several per read when
 * typed ahead, in order. Progress and results arrive later and land on the screen as it is then.
 */
export function actionScreens(host: ScreenHost) {
  /** Updates the confirm step's state on the latest screen (progress arrives after other keys may have moved on). */
  const setConfirm = (next: Partial<ConfirmState>) => {
    const latest = host.screen();
    if (latest.kind === 'confirm') host.setScreen({ ...latest, state: { ...latest.state, ...next } });
  };

  const setPlan = (next: Partial<PlanState>) => {
    const latest = host.screen();
    if (latest.kind === 'plan') host.setScreen({ ...latest, state: { ...latest.state, ...next } });
  };

  /** Progress lands on the running statement as the latest key left it (asking to cancel, say). */
  const progressOf = (latest: () => Running | null | undefined, set: (r: Running) => void) => (percent: number, message: string) => {
    const r = latest();
    if (r) set({ ...r, percent, message });
  };

  /** Keys while a statement runs: only Esc (asked, then confirmed) does anything, and it cancels the statement. */
  const onRunningKeys = (r: Running, names: string[], set: (r: Running) => void) => {
    let next = r;
    for (const name of names) {
      const key = runningKey(next, name);
      next = key.running;
      if (key.cancel && !host.actions.cancelRunning()) host.setMessage('nothing is running any more');
    }
    set(next);
  };

  const latestPlanRunning = () => {
    const s = host.screen();
    return s.kind === 'plan' ? s.state.running : null;
  };
  const latestConfirmRunning = () => {
    const s = host.screen();
    return s.kind === 'confirm' ? s.state.running : null;
  };

  /** Drafts the plan the options on screen give; a draft for options since changed is dropped. */
  const redraft = (screen: Extract<Screen, { kind: 'options' }>) => {
    const form = screen.state.form;
    const drafted = screen.group ? host.actions.draftGroupRestore(screen.group, form) : host.actions.draftRestore(screen.key, form);
    void drafted.then((draft) => {
      const latest = host.screen();
      if (latest.kind === 'options' && latest.state.form === form) host.setScreen({ ...latest, state: { ...latest.state, draft } });
    });
  };

  const onOptionsInput = (screen: Extract<Screen, { kind: 'options' }>, names: string[]) => {
    let state = screen.state;
    let changed = false;
    for (const name of names) {
      const next = optionsKey(state, name);
      state = next.state;
      changed ||= next.action === 'redraft';
      if (next.action === 'cancel') {
        host.setScreen(screen.back);
        host.setMessage('restore cancelled: nothing was sent');
        return;
      }
      if (next.action === 'begin' && state.draft && 'planId' in state.draft) {
        const plan = host.actions.beginPlan(state.draft.planId);
        if ('refused' in plan) {
          host.setMessage(plan.refused);
          break;
        }
        host.setScreen({ kind: 'plan', key: screen.key, back: screen.back, state: planState(plan) });
        return;
      }
    }
    const updated = { ...screen, state };
    host.setScreen(updated);
    if (changed) redraft(updated);
  };

  const skipPlanStep = (screen: Extract<Screen, { kind: 'plan' }>, reason: string) => {
    const st = screen.state;
    const skipped = host.actions.skipPlanStep(st.plan.planId, st.current, reason);
    if ('refused' in skipped) {
      setPlan({ skipping: reason });
      host.setMessage(skipped.refused);
      return;
    }
    setPlan({ current: st.current + 1, failed: false, last: null, skipping: null, typed: '', skipped: [...st.skipped, st.current] });
  };

  const runPlanStep = (screen: Extract<Screen, { kind: 'plan' }>, typed: string) => {
    const step = screen.state.current;
    setPlan({ typed, running: running(host.now()), failed: false });
    void host.actions
      .runPlanStep(screen.state.plan.planId, step, typed, progressOf(latestPlanRunning, (r) => setPlan({ running: r })))
      .then((result) => setPlan(afterStep(screen.state.plan, step, result)));
  };

  /**
   * The remaining log restores, confirmed together: each still runs on its own, in order, journaled and
   * guarded as one confirmed alone would be, and the first that does not succeed stops the rest.
   */
  const runBatch = async (screen: Extract<Screen, { kind: 'plan' }>, typed: string, to: number) => {
    const planId = screen.state.plan.planId;
    for (let step = screen.state.current; step <= to; step++) {
      setPlan({ typed, running: running(host.now()), failed: false, batch: null });
      const result = await host.actions.runPlanStep(planId, step, typed, progressOf(latestPlanRunning, (r) => setPlan({ running: r })));
      setPlan(afterStep(screen.state.plan, step, result));
      if (!result.ok) return;
      const latest = host.screen();
      if (latest.kind !== 'plan' || latest.state.plan.planId !== planId) return;
    }
  };

  /** Keys while the remaining log restores are being confirmed together: the name, Enter, or Esc to go back. */
  const onBatchInput = (screen: Extract<Screen, { kind: 'plan' }>, names: string[]) => {
    const st = screen.state;
    const range = batchRange(st);
    let typed = st.batch?.typed ?? '';
    for (const name of names) {
      if (name === 'esc' || !range) return setPlan({ batch: null });
      if (name === 'enter') {
        const word = st.plan.steps[st.current]!.confirmWord;
        if (typed === word) return void runBatch(screen, typed, range.to);
        setPlan({ batch: { typed } });
        host.setMessage(`type the name exactly as shown (${word}) to confirm`);
        return;
      }
      typed = typeInto(typed, name) ?? typed;
    }
    setPlan({ batch: { typed } });
  };

  /** The plan's steps, one at a time: nothing runs ahead of the operator. */
  const onPlanInput = (screen: Extract<Screen, { kind: 'plan' }>, names: string[]) => {
    const st = screen.state;
    if (st.running) return onRunningKeys(st.running, names, (r) => setPlan({ running: r }));
    if (st.batch) return onBatchInput(screen, names);
    const finished = st.current >= st.plan.steps.length;
    let typed = st.typed;
    for (const name of names) {
      if (name === 'ctrl+e') {
        const written = host.actions.exportPlan(st.plan.planId);
        host.setMessage('path' in written ? `plan script written to ${written.path}` : written.refused);
        continue;
      }
      if (finished) {
        if (name === 'enter' || name === 'esc') host.setScreen(screen.back);
        return;
      }
      if (name === 'esc' && st.skipping !== null) {
        setPlan({ skipping: null });
        return;
      }
      if (name === 'esc') {
        host.actions.closePlan(st.plan.planId, `stopped by the operator before step ${st.current + 1}`);
        host.setScreen(screen.back);
        host.setMessage(stoppedMessage(st));
        return;
      }
      if (st.failed && st.skipping !== null) {
        // Typing the reason for a skip: Esc leaves skip mode (the plan stays stopped at this step).
        let reason = st.skipping;
        if (name === 'enter') return skipPlanStep(screen, reason);
        reason = typeInto(reason, name) ?? reason;
        setPlan({ skipping: reason });
        continue;
      }
      if (name === 'ctrl+r' && !st.failed && batchRange(st)) return setPlan({ batch: { typed: '' } });
      if (st.failed) {
        if (name === 'r') return runPlanStep(screen, typed);
        if (name === 's' && st.plan.steps[st.current]!.skippable) return setPlan({ skipping: '' });
        continue;
      }
      const step = st.plan.steps[st.current]!;
      if (!step.destructive && !step.operator) {
        if (name === 'y' && yAnswers(names, names.indexOf(name), st.strayAt ?? null, host.now())) return runPlanStep(screen, '');
        if ([...name].length === 1) {
          setPlan({ strayAt: host.now() });
          host.setMessage(`step ${st.current + 1} asks for y alone: keys typed with other letters are ignored`);
          return;
        }
        continue;
      }
      if (name === 'enter') {
        if (typed === step.confirmWord) return runPlanStep(screen, typed);
        setPlan({ typed });
        host.setMessage(step.operator ? `type ${step.confirmWord} once it is done` : `type the name exactly as shown (${step.confirmWord}) to confirm`);
        return;
      }
      typed = typeInto(typed, name) ?? typed;
    }
    setPlan({ typed });
  };

  /** The confirm step takes every key itself: a database name may hold q, j or any other command key. */
  const onConfirmInput = (screen: Extract<Screen, { kind: 'confirm' }>, names: string[]) => {
    const st = screen.state;
    if (st.result) {
      if (names.includes('enter') || names.includes('esc')) host.setScreen(screen.back);
      return;
    }
    if (st.running) return onRunningKeys(st.running, names, (r) => setConfirm({ running: r }));
    const word = st.preview.confirmWord;
    let typed = st.typed;
    // Keys typed ahead arrive together: handle each, in order (a backspace, then the name, then Enter).
    for (const name of names) {
      if (name === 'esc') {
        host.setScreen(screen.back);
        host.setMessage('cancelled: nothing was sent');
        return;
      }
      if (word === null) {
        if (name === 'y' && yAnswers(names, names.indexOf(name), st.strayAt ?? null, host.now())) return run(screen, typed);
        if ([...name].length === 1) {
          setConfirm({ strayAt: host.now() });
          host.setMessage('this asks for y alone: keys typed with other letters are ignored');
          return;
        }
        continue;
      }
      if (name === 'enter') {
        if (typed === word) return run(screen, typed);
        setConfirm({ typed });
        host.setMessage(`type the name exactly as shown (${word}) to confirm`);
        return;
      }
      typed = typeInto(typed, name) ?? typed;
    }
    setConfirm({ typed });
  };

  const run = (screen: Extract<Screen, { kind: 'confirm' }>, typed: string) => {
    setConfirm({ typed, running: running(host.now()) });
    void host.actions
      .run(screen.action, screen.key, typed, progressOf(latestConfirmRunning, (r) => setConfirm({ running: r })))
      .then((result) => setConfirm({ running: null, result }));
  };

  return { onConfirmInput, onOptionsInput, onPlanInput, redraft };
}
