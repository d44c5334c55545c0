import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/findings.js';
import { agentLines, DetailView } from '../../src/ui/DetailView.js';
import { loadTheme } from '../../src/ui/theme.js';
import { FIXTURE_NOW, fixtureSnapshot } from './fixture.js';

const snapshot = fixtureSnapshot();
const theme = loadTheme('default');
const base = snapshot.databases.find((d) => d.key === 'AXSQL01/MicrosoftDynamicsAX')!;
const findings: Finding[] = Array.from({ length: 6 }, (_, i): Finding => ({ code: 'no-checksum', severity: 'warning', text: `finding number ${i + 1}` }));

function frame(height: number): string {
  const db = { ...base, findings };
  const r = render(
    <DetailView db={db} history={db.history} historyNote={null} theme={theme} width={100} height={height} serverNow={FIXTURE_NOW} offsetMinutes={0} scroll={0} />,
  );
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
}

describe('the detail view', () => {
  it('shows every finding when the screen has room, and says how many it could not', () => {
    const tall = frame(40);
    for (let i = 1; i <= 6; i++) expect(tall).toContain(`finding number ${i}`);
    expect(tall).not.toContain('more finding');
    const short = frame(16);
    expect(short).toContain('finding number 1');
    expect(short).not.toContain('finding number 6');
    expect(short).toMatch(/… \d more finding\(s\): a taller terminal shows them/);
  });

  it("lists SQL Agent's jobs for it on one line, from what the poll read", () => {
    expect(frame(40)).toMatch(/SQL Agent: DIFF backup - MicrosoftDynamicsAX \(diff\): succeeded, next \d{4}-\d\d-\d\d \d\d:\d\d\n +FULL backup/);
    const step = { job: 'LOG - x', enabled: true, command: '', schedules: 1, nextRun: null, lastOutcome: 'failed' as const, lastRun: 0, lastFailure: null, failuresSinceSuccess: 4, failingSince: 0, runningSince: null };
    expect(agentLines([{ step, kinds: ['log'] }, { step: { ...step, job: 'FULL - x', enabled: false, lastOutcome: null }, kinds: ['full', 'diff'] }], () => 'T')).toEqual(
      ['SQL Agent: LOG - x (log): failed 4 times, nothing scheduled', '           FULL - x (full, diff): never ran, disabled'],
    );
    // A group's database: the replica that holds a job, a run going on, a replica whose Agent is stopped.
    const ok = { ...step, lastOutcome: 'succeeded' as const, failuresSinceSuccess: 0, nextRun: 1 };
    expect(agentLines([{ step: { ...ok, runningSince: 5 }, kinds: ['log'], replica: 'AG02' }, { step: { ...ok, job: 'FULL - x' }, kinds: ['full'], agentStopped: true }], () => 'T')).toEqual(
      ['SQL Agent: LOG - x on AG02 (log): running since T, succeeded, next T', '           FULL - x (full): succeeded, Agent stopped'],
    );
    expect(agentLines([], () => 'T')).toEqual(['SQL Agent: no job backs it up']);
    // Past three jobs: two, and how many more.
    const four = agentLines([1, 2, 3, 4].map((n) => ({ step: { ...step, job: `J${n}` }, kinds: ['log' as const] })), () => 'T');
    expect(four).toEqual([
      'SQL Agent: J1 (log): failed 4 times, nothing scheduled',
      '           J2 (log): failed 4 times, nothing scheduled',
      '           … 2 more job(s): rpotop status --format json lists them',
    ]);
  });
});
