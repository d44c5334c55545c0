import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminal, tmuxAvailable } from './tmux.js';

/**
 * A restore drill from the real console: D on a database, the drill's statements on one screen at 80x24
 * (the first and last in full, the rest counted), the copy's name typed, progress, the result, and the
 * dashboard's DRILL column afterwards on a wide terminal.
 */
const root = path.resolve(import.meta.dirname, '../..');
const session = `rpotop-e2e-drill-${process.pid}`;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-e2e-drill-'));
const journal = path.join(dir, 'journal-demo.jsonl');
const { tmux, screen, keys, waitFor, start, stop } = terminal(session);

describe.skipIf(!tmuxAvailable)('a restore drill in tmux', () => {
  beforeAll(async () => {
    start(80, 24, root);
    keys(`env -u CI RPOTOP_JOURNAL='${journal}' node --import tsx src/cli.tsx demo; echo "rpotop exited with $?"`, 'Enter');
    // At 80 columns the header keeps the glyphs and counts, not the words.
    await waitFor((s) => s.includes('STATUS▼') && /✔[1-9]\d*/.test(s) && !s.includes('not polled yet'), "the dashboard after every instance's first poll");
  }, 30_000);
  afterAll(() => {
    stop();
  });

  it('drills the selected database: its statements shown, the copy named, progress, the result, the DRILL column', async () => {
    keys(':');
    keys('-l', 'db BTSSQL01/SSODB');
    keys('Enter');
    await waitFor((s) => /^▶ .*BTSSQL01 +SSODB/m.test(s), 'SSODB selected');
    keys('D');
    const shown = await waitFor((s) => s.includes('Type the database name SSODB_rpotop_drill_'), 'the drill shown for confirmation');
    const copy = /Type the database name (SSODB_rpotop_drill_\d{8}_\d{4})/.exec(shown)![1]!;
    expect(shown).toContain(`Restore drill of BTSSQL01 / SSODB on BTSSQL01 as ${copy.slice(0, 20)}`);
    expect(shown).toMatch(/-- 1\. restore the full backup #\d+/);
    expect(shown).toMatch(/-- \d+-\d+\. \d+ more statements of the same kind/);
    expect(shown).toMatch(/-- \d+\. drop SSODB_rpotop_drill_/);
    expect(shown).toContain('SSODB itself is not touched');
    // A wrong name runs nothing.
    keys('-l', 'SSODB');
    keys('Enter');
    await new Promise((r) => setTimeout(r, 500));
    expect(screen()).not.toContain('running');
    for (let i = 0; i < 5; i++) keys('BSpace');
    keys('-l', copy);
    keys('Enter');
    await waitFor((s) => /step \d+ of \d+: /.test(s), 'the drill running, step by step');
    const done = await waitFor((s) => s.includes('✔ done'), 'the drill passed', 120_000);
    expect(done).toMatch(/passed: restore \d+ s \(within the RTO of 4 h\), CHECKDB \d+ s, total \d+ s/);
    keys('Enter');
    await waitFor((s) => s.includes('STATUS▼') || s.includes('last drill'), 'back from the confirm screen');
    const drills = readFileSync(path.join(dir, 'drills-demo.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { database: string; copy: string; result: string; dropped: boolean });
    expect(drills).toEqual([expect.objectContaining({ database: 'SSODB', copy, result: 'passed', dropped: true })]);
    // A wide terminal has room for the DRILL column: sorted by it, the drilled database comes first.
    keys('Escape');
    keys('q');
    await waitFor((s) => s.includes('rpotop exited with 0'), 'rpotop quit');
    tmux('resize-window', '-t', session, '-x', '200', '-y', '30');
    keys(`clear; env -u CI RPOTOP_JOURNAL='${journal}' node --import tsx src/cli.tsx demo`, 'Enter');
    await waitFor((s) => s.includes('DRILL') && !s.includes('not polled yet') && /✔[1-9]\d* OK/.test(s), 'the wide dashboard');
    keys(':');
    keys('-l', 'sort drill');
    keys('Enter');
    const wide = await waitFor((s) => s.includes('DRILL▲'), 'sorted by drill');
    expect(wide).toMatch(/^▶ ✔ OK +BTSSQL01 +SSODB .* ✔ \d+ (s|min) /m);
    // y copies the selected database's facts through the terminal: tmux takes OSC 52 with set-clipboard on.
    tmux('set-option', '-s', 'set-clipboard', 'on');
    keys('y');
    await waitFor((s) => s.includes('copied BTSSQL01 / SSODB'), 'the copy acknowledged');
    expect(tmux('show-buffer')).toMatch(/^BTSSQL01 \/ SSODB: OK \(log backup .* ago, RPO 30 min\)\nexposure /);
  }, 200_000);
});
