import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentStep, terminal, tmuxAvailable } from './tmux.js';

/**
 * An application group in the real console: the group view (rows grouped by group, each heading the group's
 * status, common point and restore time), then Dynamics AX restored as one with every confirmation typed,
 * the operator's steps included.
 */
const root = path.resolve(import.meta.dirname, '../..');
const session = `rpotop-e2e-group-${process.pid}`;
const journal = path.join(mkdtempSync(path.join(tmpdir(), 'rpotop-e2e-group-')), 'journal.jsonl');
const { screen, keys, waitFor, stepThroughAll, start, stop } = terminal(session);

describe.skipIf(!tmuxAvailable)('application groups in tmux', () => {
  beforeAll(async () => {
    start(140, 40, root);
    keys(`env -u CI RPOTOP_JOURNAL='${journal}' node --import tsx src/cli.tsx demo; echo "rpotop exited with $?"`, 'Enter');
    await waitFor((s) => s.includes('STATUS▼') && /✔[1-9]\d* OK/.test(s) && !s.includes('not polled yet'), "the dashboard after every instance's first poll");
    await new Promise((r) => setTimeout(r, 500));
  }, 30_000);
  afterAll(() => {
    stop();
  });

  it('groups rows by application group, each heading saying to what point and how long', async () => {
    keys('a');
    await waitFor((s) => s.includes('grouped by instance'), 'rows grouped by instance');
    keys('a');
    const s = await waitFor((x) => x.includes('grouped by group'), 'rows grouped by application group');
    // "or more" after the nightly fulls, while a member reaches the point only through its older full.
    expect(s).toMatch(/── ⊘ UNPROTECTED biztalk · common point \d.* ago( or more)? \/ RPO 30 min · restore \d.* · 10 databases/);
    expect(s).toMatch(/── ⊘ UNPROTECTED ax-production · common point \d.* ago( or more)? \/ RPO 30 min · restore \d/);
  }, 30_000);

  it('restores Dynamics AX as one: the AOS stopped first, both tails, both databases, the AOS started', async () => {
    keys(':');
    keys('-l', 'db MicrosoftDynamicsAX_model');
    keys('Enter');
    // The DATABASE column cuts the name at 22 characters: MicrosoftDynamicsAX_…
    await waitFor((s) => /^▶ .*MicrosoftDynamicsAX_/m.test(s), 'the model store selected');
    keys('P');
    const options = await waitFor((s) => s.includes('Restore group ax-production') && s.includes('1. you, outside SQL Server: Stop every AOS instance'), 'the group plan drafted');
    expect(options).toContain('common point: the moment the application stopped (every member to its tail)');
    keys('Enter');
    const first = await waitFor((s) => s.includes('Type done and Enter once it is done'), 'the operator step');
    expect(first).toContain('Step 1 is yours, outside SQL Server: rpotop sends nothing');
    const confirmations = await stepThroughAll(currentStep);
    keys('Enter');
    await waitFor((s) => s.includes('STATUS▼'), 'the dashboard again');
    const entries = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; kind: string; outcome?: string; database: string; reason?: string });
    const ends = entries.filter((e) => e.event === 'end');
    expect(ends.every((e) => e.outcome === 'succeeded')).toBe(true);
    expect(ends.filter((e) => e.kind === 'operator')).toHaveLength(2);
    expect(ends.filter((e) => e.kind === 'tail-log').map((e) => e.database)).toEqual(['MicrosoftDynamicsAX', 'MicrosoftDynamicsAX_model']);
    expect(entries.at(-1)).toMatchObject({ event: 'plan-closed', reason: 'every step succeeded' });
    // Log restores confirmed together keep a plan of a hundred steps to a few dozen answers.
    expect(confirmations).toBeLessThan(ends.length / 2);
    expect(screen()).not.toContain('failed:');
  }, 400_000);
});
