import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/actions/journal.js';
import { filterJournal, formatJournal, journalTime } from '../../src/report/journal.js';
import { planState, stoppedMessage } from '../../src/ui/screens/plan.js';

const base = { v: 1 as const, who: { user: 'dba', host: 'jump1' }, step: null, kind: 'tail-log', sql: 'BACKUP LOG [xds] ...' };
const entries: JournalEntry[] = [
  { ...base, at: '2026-11-26T23:00:00.000Z', event: 'start', id: 'a', planId: null, instance: 'SQL01', database: 'xds' },
  { ...base, at: '2026-11-26T23:00:01.000Z', event: 'end', id: 'a', planId: null, instance: 'SQL01', database: 'xds', outcome: 'succeeded', messages: ['BACKUP LOG successfully processed'] },
  { ...base, at: '2026-11-27T09:00:00.000Z', event: 'start', id: 'b', planId: 'p1', step: 1, instance: 'SQL02', database: 'lis' },
  {
    ...base,
    at: '2026-11-27T09:00:02.000Z',
    event: 'end',
    id: 'b',
    planId: 'p1',
    step: 1,
    instance: 'SQL02',
    database: 'lis',
    outcome: 'failed',
    messages: ['10 percent processed.', 'Msg 3101: Exclusive access could not be obtained because the database is in use.', 'Msg 3013: BACKUP LOG is terminating abnormally.'],
    error: { number: 3013, message: 'Msg 3013: BACKUP LOG is terminating abnormally.' },
  },
];

describe('rpotop journal', () => {
  it('shows a failure by its cause, SQL Server\'s first error, and every error after the script', () => {
    const text = formatJournal(entries, []);
    expect(text).toContain('SQL02/lis tail-log (plan p1 step 1)  FAILED in 0 s: Msg 3101: Exclusive access could not be obtained because the database is in use.');
    expect(text).toContain('    ! Msg 3101: Exclusive access could not be obtained because the database is in use.\n    ! Msg 3013: BACKUP LOG is terminating abnormally.');
    expect(text).not.toContain('! 10 percent processed');
    // A success says what SQL Server did.
    expect(text).toContain("BACKUP LOG [xds] ...\n    = BACKUP LOG successfully processed");
  });

  it("shows each entry on its server's clock with the offset, then in UTC; UTC alone where the offset is not known", () => {
    const text = formatJournal([{ ...entries[0]!, serverOffsetMinutes: 60 }, { ...entries[2]!, serverOffsetMinutes: -330 }, entries[1]!], []);
    const lines = text.split('\n').filter((l) => /^\d{4}-/.test(l));
    expect(lines[0]).toMatch(/^2026-11-27 00:00:00 UTC\+1 \(2026-11-26 23:00:00 UTC\)  dba@jump1  SQL01\/xds tail-log/);
    expect(lines[1]).toMatch(/^2026-11-27 03:30:00 UTC-5:30 \(09:00:00 UTC\)  dba@jump1  SQL02\/lis tail-log/);
    expect(journalTime(entries[0]!)).toBe('2026-11-26 23:00:00 UTC');
  });

  it('filters by instance, database, plan and time', () => {
    expect(filterJournal(entries, { instance: 'sql01' }).map((e) => e.id)).toEqual(['a', 'a']);
    expect(filterJournal(entries, { database: 'LIS' }).map((e) => e.id)).toEqual(['b', 'b']);
    expect(filterJournal(entries, { plan: 'p1' }).map((e) => e.id)).toEqual(['b', 'b']);
    expect(filterJournal(entries, { since: '2026-11-27' }).map((e) => e.id)).toEqual(['b', 'b']);
    expect(filterJournal(entries, { since: '2026-11-27 09:00:01' }).map((e) => e.event)).toEqual(['end']);
    expect(filterJournal(entries, {})).toHaveLength(4);
  });
});

describe('leaving a plan with Esc', () => {
  const plan = { planId: 'p', title: 't', facts: [], steps: [], confirmWord: 'x' };
  it('says "nothing was sent" only when nothing was', () => {
    expect(stoppedMessage(planState(plan))).toBe('restore cancelled: nothing was sent');
    expect(stoppedMessage({ ...planState(plan), failed: true })).toBe(
      "restore stopped: step 1 was sent and failed, nothing after it ran; rpotop journal shows SQL Server's messages",
    );
    expect(stoppedMessage({ ...planState(plan), current: 3, failed: true })).toBe(
      'restore stopped after step 3, and step 4 failed: the database may be RESTORING; rpotop journal shows what ran',
    );
  });
});
