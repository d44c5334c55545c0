import { describe, expect, it } from 'vitest';
import { running, runningKey, runningText, type Running } from '../../src/ui/running.js';

const press = (r: Running, ...names: string[]) => {
  let cancels = 0;
  for (const n of names) {
    const next = runningKey(r, n);
    r = next.running;
    if (next.cancel) cancels++;
  }
  return { r, cancels };
};

describe('a running statement on screen', () => {
  it('is cancelled only by Esc asked and confirmed (Esc or y); any other key takes the question back', () => {
    const r = running(0);
    expect(press(r, 'esc')).toMatchObject({ r: { cancel: 'asked' }, cancels: 0 });
    expect(press(r, 'esc', 'esc')).toMatchObject({ r: { cancel: 'sent' }, cancels: 1 });
    expect(press(r, 'esc', 'y')).toMatchObject({ r: { cancel: 'sent' }, cancels: 1 });
    expect(press(r, 'esc', 'j', 'y')).toMatchObject({ r: { cancel: null }, cancels: 0 });
    // Typed ahead: the keys of a name or a y meant for the next step never cancel, nor act.
    expect(press(r, 'y', 'enter', 'r', 's')).toMatchObject({ r: { cancel: null }, cancels: 0 });
    // Once sent, more Escs send nothing more.
    expect(press(r, 'esc', 'esc', 'esc', 'esc').cancels).toBe(1);
  });

  it('says for how long it has run, what the server said last, and what Esc does now', () => {
    const r = running(0);
    expect(runningText(r, 95_000)).toBe('sent; waiting for SQL Server (no progress message yet) · running 1 min 35 s · Esc to cancel');
    expect(runningText({ ...r, percent: 40, message: '40 percent processed.', cancel: 'asked' }, 5_000)).toMatch(/^40 percent processed\. · running 5 s · Esc again cancels it/);
    expect(runningText({ ...r, cancel: 'sent' }, 5_000)).toContain('cancel sent: waiting for SQL Server to stop the statement');
  });
});
