import type { ActionsPort, PlanPort } from './actions-port.js';
import type { ConfirmState } from './ConfirmView.js';
import type { PlanState } from './PlanView.js';
import { running, type Running } from './running.js';
import { confirmKeys, type ConfirmEffect } from './screens/confirm.js';
import { optionsKeys } from './screens/options.js';
import { afterStep, planKeys, planState, stoppedMessage, type PlanEffect } from './screens/plan.js';
import type { Screen, ScreenOf } from './screens/screen.js';

/** What the action screens need from the console: the actions, and the screen as the latest key left it. */
export interface ScreenHost {
  actions: ActionsPort & PlanPort;
  screen(): Screen;
  setScreen(screen: Screen): void;
  setMessage(message: string | null): void;
  now(): number;
}

/**
 * Carries out what the keys on the screens that change a server ask for. Each screen's module
 * (screens/confirm.ts, options.ts, plan.ts) decides, purely, what a read of keys does to its state and which
 * effects follow; here the effects meet the actions: a statement sent, a plan begun, stopped or exported.
 * Progress and results arrive later and land on the screen as it is then.
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

  const latestPlanRunning = () => {
    const s = host.screen();
    return s.kind === 'plan' ? s.state.running : null;
  };
  const latestConfirmRunning = () => {
    const s = host.screen();
    return s.kind === 'confirm' ? s.state.running : null;
  };

  const cancelRunning = () => {
    if (!host.actions.cancelRunning()) host.setMessage('nothing is running any more');
  };

  /** Drafts the plan the options on screen give; a draft for options since changed is dropped. */
  const redraft = (screen: ScreenOf<'options'>) => {
    const form = screen.state.form;
    const drafted = screen.group ? host.actions.draftGroupRestore(screen.group, form) : host.actions.draftRestore(screen.key, form);
    void drafted.then((draft) => {
      const latest = host.screen();
      if (latest.kind === 'options' && latest.state.form === form) host.setScreen({ ...latest, state: { ...latest.state, draft } });
    });
  };

  const onOptionsInput = (screen: ScreenOf<'options'>, names: string[]) => {
    const { state, effect, redraft: changed } = optionsKeys(screen.state, names);
    if (effect?.kind === 'cancel') {
      host.setScreen(screen.back);
      host.setMessage('restore cancelled: nothing was sent');
      return;
    }
    if (effect?.kind === 'begin') {
      const plan = host.actions.beginPlan(effect.planId);
      if (!('refused' in plan)) {
        host.setScreen({ kind: 'plan', key: screen.key, back: screen.back, state: planState(plan) });
        return;
      }
      host.setMessage(plan.refused);
    }
    const updated = { ...screen, state };
    host.setScreen(updated);
    if (changed) redraft(updated);
  };

  const skipPlanStep = (screen: ScreenOf<'plan'>, reason: string) => {
    const st = screen.state;
    const skipped = host.actions.skipPlanStep(st.plan.planId, st.current, reason);
    if ('refused' in skipped) {
      setPlan({ skipping: reason });
      host.setMessage(skipped.refused);
      return;
    }
    setPlan({ current: st.current + 1, failed: false, last: null, skipping: null, typed: '', skipped: [...st.skipped, st.current] });
  };

  const runPlanStep = (screen: ScreenOf<'plan'>, typed: string) => {
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
  const runBatch = async (screen: ScreenOf<'plan'>, typed: string, to: number) => {
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

  const planEffect = (screen: ScreenOf<'plan'>, effect: PlanEffect) => {
    const st = screen.state;
    switch (effect.kind) {
      case 'export': {
        const written = host.actions.exportPlan(st.plan.planId);
        return host.setMessage('path' in written ? `plan script written to ${written.path}` : written.refused);
      }
      case 'leave':
        return host.setScreen(screen.back);
      case 'stop':
        host.actions.closePlan(st.plan.planId, `stopped by the operator before step ${st.current + 1}`);
        host.setScreen(screen.back);
        return host.setMessage(stoppedMessage(st));
      case 'run':
        return runPlanStep(screen, effect.typed);
      case 'batch':
        return void runBatch(screen, effect.typed, effect.to);
      case 'skip':
        return skipPlanStep(screen, effect.reason);
      case 'message':
        return host.setMessage(effect.text);
      case 'cancelRunning':
        return cancelRunning();
    }
  };

  /** The plan's steps, one at a time: nothing runs ahead of the operator. */
  const onPlanInput = (screen: ScreenOf<'plan'>, names: string[]) => {
    const { state, effects } = planKeys(screen.state, names, host.now());
    if (state !== screen.state) setPlan(state);
    for (const effect of effects) planEffect({ ...screen, state }, effect);
  };

  const run = (screen: ScreenOf<'confirm'>, typed: string) => {
    setConfirm({ typed, running: running(host.now()) });
    void host.actions
      .run(screen.action, screen.key, typed, progressOf(latestConfirmRunning, (r) => setConfirm({ running: r })))
      .then((result) => setConfirm({ running: null, result }));
  };

  const confirmEffect = (screen: ScreenOf<'confirm'>, effect: ConfirmEffect) => {
    switch (effect.kind) {
      case 'leave':
        return host.setScreen(screen.back);
      case 'cancel':
        host.setScreen(screen.back);
        return host.setMessage('cancelled: nothing was sent');
      case 'run':
        return run(screen, effect.typed);
      case 'message':
        return host.setMessage(effect.text);
      case 'cancelRunning':
        return cancelRunning();
    }
  };

  /** The confirm step takes every key itself: a database name may hold q, j or any other command key. */
  const onConfirmInput = (screen: ScreenOf<'confirm'>, names: string[]) => {
    const { state, effects } = confirmKeys(screen.state, names, host.now());
    if (state !== screen.state) setConfirm(state);
    for (const effect of effects) confirmEffect({ ...screen, state }, effect);
  };

  return { onConfirmInput, onOptionsInput, onPlanInput, redraft };
}
