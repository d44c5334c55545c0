import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentStep, terminal, tmuxAvailable } from './tmux.js';

/**
 * BizTalk brought back to its newest common mark in the real console, every confirmation typed: `mark` in
 * the point-in-time field, the operator's steps (stop the host instances, SSO and the Agent jobs), each
 * member's chain ending WITH STOPATMARK on the log that holds the mark.
 */
const root = path.resolve(import.meta.dirname, '../..');
const session = `rpotop-e2e-mark-${process.pid}`;
const journal = path.join(mkdtempSync(path.join(tmpdir(), 'rpotop-e2e-mark-')), 'journal.jsonl');
const { screen, keys, waitFor, stepThroughAll, start, stop } = terminal(session);

describe.skipIf(!tmuxAvailable)('BizTalk to a mark in tmux', () => {
  beforeAll(async () => {
    start(140, 40, root);
    keys(`env -u CI RPOTOP_JOURNAL='${journal}' node --import tsx src/cli.tsx demo; echo "rpotop exited with $?"`, 'Enter');
    await waitFor((s) => s.includes('STATUS▼') && /✔[1-9]\d* OK/.test(s) && !s.includes('not polled yet'), "the dashboard after every instance's first poll");
  }, 30_000);
  afterAll(() => {
    stop();
  });

  it('restores every marked database to the newest mark they all hold, the operator steps acknowledged', async () => {
    keys(':');
    keys('-l', 'db BTSSQL01/BizTalkMsgBoxDb');
    keys('Enter');
    await waitFor((s) => /^▶ .*BTSSQL01 +BizTalkMsgBoxDb/m.test(s), 'the MessageBox selected');
    keys('P');
    await waitFor((s) => s.includes('Restore group biztalk'), 'the group options');
    keys('-l', 'mark');
    const drafted = await waitFor((s) => /marked transaction BTS_\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\d{3}/.test(s), 'the plan to the newest common mark', 60_000);
    const mark = /BTS_\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\d{3}/.exec(drafted)![0];
    keys('Enter');
    // A mark is a point before now: what each database logged since is lost, and said so before anything begins.
    const warned = await waitFor((s) => s.includes('Press Enter again to begin anyway'), 'the warning that the tails are not kept');
    expect(warned).toContain('this plan overwrites 8 database(s) without their tail-log backups');
    keys('Enter');
    await waitFor((s) => s.includes('Type done and Enter once it is done'), 'the first operator step');
    await stepThroughAll(currentStep);
    keys('Enter');
    await waitFor((s) => s.includes('STATUS▼'), 'the dashboard again');
    const entries = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; kind: string; outcome?: string; database: string; sql: string });
    const ends = entries.filter((e) => e.event === 'end');
    expect(ends.every((e) => e.outcome === 'succeeded')).toBe(true);
    expect(ends.filter((e) => e.kind === 'operator').length).toBeGreaterThan(0);
    // Each of the eight marked databases stopped at the same mark, by name.
    const stops = ends.filter((e) => e.sql.includes('STOPATMARK'));
    expect(new Set(stops.map((e) => e.database))).toEqual(new Set(['BizTalkMgmtDb', 'BizTalkMsgBoxDb', 'BizTalkDTADb', 'BizTalkRuleEngineDb', 'SSODB', 'BAMPrimaryImport', 'BAMAlertsApplication', 'BAMAlertsNSMain']));
    expect(stops.every((e) => e.sql.includes(`STOPATMARK = N'${mark}' AFTER '`))).toBe(true);
    expect(entries.at(-1)).toMatchObject({ event: 'plan-closed', reason: 'every step succeeded' });
    expect(screen()).not.toContain('failed:');
  }, 400_000);
});
