import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/sim/fleet.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { loadScenario } from '../../src/sim/scenarios.js';
import { SIM_PASSWORD_ENV } from '../../src/sim/standalone.js';
import { currentStep, terminal, tmuxAvailable } from './tmux.js';

/**
 * A restore interrupted by the death of the console (SIGKILL: no handler runs, as when an SSH session's
 * host goes down) and finished by a second console process. The servers live in a third process,
 * `rpotop sim`, so their state survives the console as a real fleet's would.
 */
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-resume-'));
const journal = path.join(dir, 'journal.jsonl');
const config = path.join(dir, 'rpotop.json');
const password = 'Resume-e2e-1';
const session = `rpotop-resume-${process.pid}`;
const { tmux, keys, waitFor, stepThrough, start, stop } = terminal(session);
let sim: ChildProcess;

const consoleCommand = `env -u CI RPOTOP_JOURNAL='${journal}' ${DEMO_PASSWORD_ENV}='${password}' node --import tsx src/cli.tsx --config '${config}'`;
const journalEntries = () => readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; planId: string | null; step: number | null; outcome?: string; kind: string });

describe.skipIf(!tmuxAvailable)('a restore interrupted by a killed console', () => {
  beforeAll(async () => {
    sim = spawn(process.execPath, ['--import', 'tsx', 'src/cli.tsx', 'sim', '--json'], {
      cwd: root,
      env: { ...process.env, [SIM_PASSWORD_ENV]: password },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const scenario = loadScenario('seeds');
    const endpoints: Endpoint[] = [];
    for await (const line of createInterface({ input: sim.stdout! })) {
      endpoints.push(JSON.parse(line) as Endpoint);
      if (endpoints.length === scenario.instances.length) break;
    }
    writeFileSync(config, JSON.stringify(demoInventory(scenario, endpoints), null, 2));
    start(120, 32, root);
    keys(consoleCommand, 'Enter');
    await waitFor((s) => s.includes('STATUS▼') && /✔[1-9]\d* OK/.test(s) && !s.includes('not polled yet'), "the dashboard after every instance's first poll");
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);
  afterAll(() => {
    stop();
    sim?.kill('SIGTERM');
  });

  it('finds the plan in the journal on the next start and finishes it from the step that did not run', async () => {
    keys('/', 'l', 'i', 's', 'Enter');
    await waitFor((s) => /^▶ .*LYNCSQL01 +lis /m.test(s), 'lis selected');
    keys('p');
    await waitFor((s) => / 1\. close every other connection/.test(s), 'the restore options and their plan');
    keys('Enter');
    // Steps 1 and 2 (close connections with the tail-log backup, the full) run; then the console dies before step 3.
    for (const step of [1, 2]) {
      await waitFor((s) => currentStep(s) === step && s.includes('Type lis and Enter'), `step ${step} waiting`);
      keys('-l', 'lis');
      keys('Enter');
    }
    await waitFor((s) => currentStep(s) === 3 && /Type lis and Enter|Press y to run step 3/.test(s), 'step 3 waiting');
    const shell = tmux('display', '-p', '-t', session, '#{pane_pid}').trim();
    const node = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n')[0]!;
    process.kill(Number(node), 'SIGKILL');
    await waitFor((s) => !s.includes('STATUS') || s.includes('$'), 'the console gone');
    const first = journalEntries();
    expect(first.filter((e) => e.event === 'end').map((e) => `${e.step}:${e.kind}:${e.outcome}`)).toEqual(['1:tail-log:succeeded', '2:restore-full:succeeded']);
    expect(first.some((e) => e.event === 'plan-closed')).toBe(false);

    // A second console, a new process: only the journal knows.
    keys('tput rmcup; clear', 'Enter');
    keys(consoleCommand, 'Enter');
    await waitFor((s) => /interrupted restore of LYNCSQL01 \/ lis before step 3 of \d+: type :resume/.test(s), 'the interrupted plan offered');
    // A filter follows the polls as instances answer (a :db typed before LYNCSQL01's first poll finds nothing).
    keys('/', 'l', 'i', 's', 'Enter');
    await waitFor((s) => /^▶ .*LYNCSQL01 +lis .*unavailable: RESTOR/m.test(s), 'lis RESTORING, as the killed console left it');
    keys(':', 'r', 'e', 's', 'u', 'm', 'e', 'Enter');
    const resumed = await waitFor((s) => currentStep(s) === 3 && /Type lis and Enter|Press y to run step 3/.test(s), 'the plan resumed at step 3');
    expect(resumed).toContain('interrupted before step 3');
    expect(resumed).toMatch(/✔ +1\. close every other connection/);
    await stepThrough('lis', currentStep);
    keys('Enter');
    await waitFor((s) => /LYNCSQL01 +lis .*never backed up/m.test(s), 'lis restored and online');
    const entries = journalEntries();
    const ends = entries.filter((e) => e.event === 'end');
    expect(ends.every((e) => e.outcome === 'succeeded')).toBe(true);
    expect(ends.map((e) => e.step)).toEqual(ends.map((_, i) => i + 1));
    expect(entries.filter((e) => e.event === 'plan')).toHaveLength(1);
    expect(entries.at(-1)!.event).toBe('plan-closed');
    expect(readFileSync(journal, 'utf8')).not.toContain(password);
    keys('q');
  }, 180_000);
});
