import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminal, tmuxAvailable } from './tmux.js';

/**
 * Keys typed faster than the screen, at 80x24, in a real terminal: whole strings go in with one
 * `send-keys -l` (one write, as a paste or a fast typist over SSH delivers them).
 */
const root = path.resolve(import.meta.dirname, '../..');
const session = `rpotop-e2e-ahead-${process.pid}`;
const journal = path.join(mkdtempSync(path.join(tmpdir(), 'rpotop-e2e-ahead-')), 'journal.jsonl');
const { screen, keys, waitFor, start, stop } = terminal(session);

describe.skipIf(!tmuxAvailable)('the restore screens and keys typed ahead, at 80x24', () => {
  beforeAll(async () => {
    start(80, 24, root);
    keys(`clear; env -u CI RPOTOP_JOURNAL='${journal}' node --import tsx src/cli.tsx demo`, 'Enter');
    // At 80 columns the header's counts go without their words, and "not polled yet" may not fit.
    await waitFor((s) => s.includes('STATUS▼') && /✔[1-9]\d*/.test(s.split('\n')[0] ?? '') && !s.includes('not polled yet'), 'the dashboard after a first poll');
    await new Promise((r) => setTimeout(r, 2000));
  }, 30_000);
  afterAll(() => {
    stop();
  });

  it('never lets a name typed before its prompt appeared answer it, or act on the list', async () => {
    keys('-l', ':db rtcxds');
    keys('Enter');
    await waitFor((s) => /^▶ .*rtcxds/m.test(s), 'rtcxds selected');
    // t, then the name a moment later, before anyone could have read the confirmation it opens.
    keys('t');
    keys('-l', 'rtcxds');
    keys('Enter');
    const confirm = await waitFor((s) => s.includes('Type the database name rtcxds'), 'the tail-log confirmation');
    await new Promise((r) => setTimeout(r, 500));
    const after = screen();
    expect(after).toContain('Type the database name rtcxds');
    expect(after).not.toMatch(/✔ done|running|type the name exactly/);
    expect(existsSync(journal) ? readFileSync(journal, 'utf8') : '').toBe('');
    // Every statement awaiting confirmation is shown whole at 80 columns: wrapped, never cut.
    const statement = confirm.split('\n').filter((l) => /\[rtcxds\]|@file1|N'[A-Z]:\\/.test(l));
    expect(statement.join('\n')).toMatch(/BACKUP LOG \[rtcxds\] TO DISK = @file1 WITH NORECOVERY, CHECKSUM,/);
    expect(statement.filter((l) => l.includes('…'))).toEqual([]);
    keys('Escape');
    await waitFor((s) => s.includes('STATUS▼'), 'the dashboard again');
  }, 30_000);

  it('shows the options as the plan: a tail that cannot apply is off with why, and losing it is acknowledged', async () => {
    keys('-l', ':db lis');
    keys('Enter');
    await waitFor((s) => /^▶ .*LYNCSQL01 +lis /m.test(s), 'lis selected');
    keys('p');
    await waitFor((s) => s.includes('Restore LYNCSQL01 / lis: options') && /Tail-log backup first +\[x\]/.test(s), 'the restore options');
    keys('-l', '--', '-30m');
    await waitFor((s) => /Tail-log backup first +\[-\] not applied: a point in time/.test(s), 'the tail box off, with why');
    expect(screen()).toContain('⚠ this plan overwrites lis without a tail-log backup');
    keys('Enter');
    await waitFor((s) => s.includes('Press') && s.includes('Enter again to begin anyway'), 'the acknowledgement asked for');
    keys('Escape');
    await waitFor((s) => !s.includes('Enter again to begin anyway'), 'the acknowledgement withdrawn');
    keys('Escape');
    await waitFor((s) => s.includes('STATUS▼'), 'the dashboard again');
  }, 30_000);

  it('cancels a running restore step with Esc, asked then confirmed, and journals it', async () => {
    keys('-l', ':db BAMArchive');
    keys('Enter');
    await waitFor((s) => /^▶ .*BAMArchive/m.test(s), 'BAMArchive selected');
    keys('p');
    await waitFor((s) => s.includes('Restore BTSSQL01 / BAMArchive: options'), 'the restore options');
    keys('Enter');
    // Answer the steps until the full restore (80 GB: the simulator takes 20 s over it) is running.
    for (let guard = 0; guard < 6; guard++) {
      const s = await waitFor((x) => x.includes('Type BAMArchive and Enter') || x.includes('Press y to run step') || x.includes('Esc to cancel'), 'a step');
      if (s.includes('Esc to cancel')) break;
      if (s.includes('Type BAMArchive and Enter')) {
        keys('-l', 'BAMArchive');
        keys('Enter');
      } else {
        keys('y');
      }
      await waitFor((x) => x !== s, 'the step to start');
    }
    const runningScreen = await waitFor((s) => /running \d+ s · Esc to cancel/.test(s), 'the full restore running, with its elapsed time');
    expect(runningScreen).toMatch(/\d+%/);
    keys('Escape');
    await waitFor((s) => s.includes('Esc again cancels it'), 'the cancel asked');
    keys('Escape');
    await waitFor((s) => /failed|cancel/i.test(s) && !s.includes('Esc again cancels it') && !/running \d+ s/.test(s), 'the step to stop');
    const ends = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e: { event: string }) => e.event === 'end');
    expect(ends.at(-1)).toMatchObject({ kind: 'restore-full', outcome: 'cancelled' });
    keys('Escape');
    await waitFor((s) => s.includes('STATUS▼'), 'the dashboard again');
  }, 60_000);

  it('reads Esc and a key in one write as Esc, then the key', async () => {
    keys('Enter');
    await waitFor((s) => !s.includes('STATUS▼'), 'the detail view');
    keys('-l', '\u001bs');
    await waitFor((s) => s.includes('INSTANCE▲'), 'the dashboard sorted by instance');
  }, 30_000);
});
