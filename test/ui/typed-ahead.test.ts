import { describe, expect, it } from 'vitest';
import { actionScreens } from '../../src/ui/action-screens.js';
import { planState } from '../../src/ui/screens/plan.js';
import type { Screen } from '../../src/ui/screens/screen.js';
import { answersAlone } from '../../src/ui/screens/answer-alone.js';
import type { ActionsPort, PlanPort, PlanPreview } from '../../src/ui/actions-port.js';

const plan: PlanPreview = {
  planId: 'p',
  title: 'Restore SQL01 / Sales',
  facts: [],
  confirmWord: 'Sales Dynamics',
  steps: [
    { script: 'RESTORE DATABASE [Sales Dynamics] ...', summary: 'restore the full backup #1', destructive: true, skippable: false, confirmWord: 'Sales Dynamics', instance: 'SQL01' },
    { script: 'RESTORE VERIFYONLY ...', summary: 'verify the log backup #2', destructive: false, skippable: true, confirmWord: 'Sales Dynamics', instance: 'SQL01' },
  ],
};

/** The plan screen's key handling over a recording port: which steps would run. */
function planScreen(current: number) {
  const ran: number[] = [];
  const messages: (string | null)[] = [];
  const actions = {
    runPlanStep: async (_: string, step: number) => {
      ran.push(step);
      return { ok: true, messages: [], error: null };
    },
    cancelRunning: () => false,
  } as unknown as ActionsPort & PlanPort;
  let screen: Screen = { kind: 'plan', key: 'SQL01/Sales', back: { kind: 'dashboard' }, state: { ...planState(plan), current } };
  const clock = { now: 100_000 };
  const screens = actionScreens({ actions, screen: () => screen, setScreen: (s) => (screen = s), setMessage: (m) => messages.push(m), now: () => clock.now });
  const keys = (...names: string[]) => screens.onPlanInput(screen as Extract<Screen, { kind: 'plan' }>, names);
  return { ran, messages, clock, keys };
}

describe('keys typed ahead onto a prompt that asks for y', () => {
  it('never run the step when the y is part of typed text, in one read or key by key', () => {
    const s = planScreen(1);
    // The name for the step before, typed ahead in one read: its y runs nothing.
    s.keys(...'Sales Dynamics', 'enter');
    expect(s.ran).toEqual([]);
    expect(s.messages.at(-1)).toBe('step 2 asks for y alone: keys typed with other letters are ignored');
    // Key by key: a y a moment after other letters is still text.
    s.clock.now += 300;
    s.keys('y');
    expect(s.ran).toEqual([]);
    // A y on its own, a second after the last letter, answers.
    s.clock.now += 1500;
    s.keys('y');
    expect(s.ran).toEqual([1]);
  });

  it('answer with a y alone, at once', () => {
    const s = planScreen(1);
    s.keys('y');
    expect(s.ran).toEqual([1]);
  });

  it('answersAlone: only a y with no letter before it in the read, and none within a second', () => {
    expect(answersAlone(['y'], 0, null, 0)).toBe(true);
    expect(answersAlone(['D', 'y'], 1, null, 0)).toBe(false);
    expect(answersAlone(['y'], 0, 500, 1000)).toBe(false);
    expect(answersAlone(['y'], 0, 500, 1600)).toBe(true);
  });
});
