import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Driving the real binary in a real terminal: tmux runs rpotop (with CI unset, or ink would print only
 * the last frame), keys go in with send-keys, the screen comes back with capture-pane (-e: colours).
 */
export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;

export function terminal(session: string) {
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  const screen = (colours = false) => tmux('capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', session);
  /** Keys as a person presses them: each character of literal text (-l), each named key (Enter, C-r). */
  let pressed = 0;
  const keys = (...k: string[]) => {
    pressed += k[0] === '-l' ? k.slice(1).filter((a) => a !== '--').reduce((n, text) => n + [...text].length, 0) : k.length;
    return tmux('send-keys', '-t', session, ...k);
  };
  /**
   * Waits until the screen shows what is asked, then a moment more: the console drops keys that reach an
   * action screen within 250 ms of its opening (typed before anyone could read it), as a person's would be.
   */
  async function waitFor(predicate: (text: string) => boolean, what: string, ms = 20_000): Promise<string> {
    const until = Date.now() + ms;
    let last = '';
    while (Date.now() < until) {
      last = screen();
      if (predicate(last)) {
        await new Promise((r) => setTimeout(r, 300));
        return last;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
  }
  /** Answers each step of the plan on screen (the name where it is asked for, y elsewhere) until it ends. */
  async function stepThrough(name: string, stepOf: (screen: string) => number): Promise<void> {
    // A day of half-hourly logs is 48 restores: the plan's length follows the time of day the test runs at.
    for (let guard = 0; guard < 120; guard++) {
      const s = await waitFor((x) => x.includes(`Type ${name} and Enter`) || /Press y to run step|every step succeeded|failed:/.test(x), 'the next step');
      if (s.includes('every step succeeded')) return;
      if (s.includes('failed:')) throw new Error(`a restore step failed:\n${s}`);
      const step = stepOf(s);
      if (s.includes(`Type ${name} and Enter`)) {
        keys('-l', name);
        keys('Enter');
      } else {
        keys('y');
      }
      // A log backup taken since the plan was made puts its restore in the plan: the step asks again.
      const changed = s.includes('the plan changed:');
      await waitFor((x) => x.includes('every step succeeded') || x.includes('failed:') || stepOf(x) > step || (!changed && x.includes('the plan changed:')), `step ${step} to finish`, 60_000);
    }
    throw new Error('the plan did not end after 120 steps');
  }
  /**
   * Answers every step of a plan over several databases: the word the screen asks for (a database's name, or
   * done for an operator step), y, or, where the screen offers it, Ctrl-R and the name for the remaining log
   * restores together. Returns how many confirmations it took.
   */
  async function stepThroughAll(stepOf: (screen: string) => number, limit = 200): Promise<number> {
    for (let answers = 0; answers < limit; answers++) {
      // A batch of log restores confirmed together runs for a while before the next prompt.
      const s = await waitFor((x) => /Type .+ and Enter|Press y to run step|every step succeeded|failed:/.test(x), 'the next step', 180_000);
      if (s.includes('every step succeeded')) return answers;
      if (s.includes('failed:')) throw new Error(`a restore step failed:\n${s}`);
      const step = stepOf(s);
      if (s.includes('Ctrl-R confirms steps')) {
        keys('C-r');
        await waitFor((x) => x.includes('and Enter to run them all'), 'the batch prompt');
      }
      const asked = /Type (.+?) and Enter/.exec(screen());
      if (asked) {
        keys('-l', asked[1]!);
        keys('Enter');
      } else {
        keys('y');
      }
      // A log backup taken since the plan was made puts its restore in the plan: the step asks again.
      const changed = s.includes('the plan changed:');
      await waitFor((x) => x.includes('every step succeeded') || x.includes('failed:') || stepOf(x) > step || (!changed && x.includes('the plan changed:')), `step ${step} to finish`, 60_000);
    }
    throw new Error(`the plan did not end after ${limit} confirmations`);
  }
  return {
    tmux,
    screen,
    keys,
    pressed: () => pressed,
    waitFor,
    stepThrough,
    stepThroughAll,
    start: (columns: number, rows: number, cwd: string) => tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), '-c', cwd),
    stop: () => spawnSync('tmux', ['kill-session', '-t', session]),
  };
}

/** The plan screen's current step number (the ▶ line). */
export const currentStep = (screen: string) => Number(/^ ▶ +(\d+)\./m.exec(screen)?.[1] ?? 0);
