import { describe, expect, it } from 'vitest';
import { buildRestorePlan, defaultPlanRequest } from '../../src/actions/plan.js';
import { buildRestoreChain } from '../../src/domain/chain.js';
import { findings } from '../../src/domain/findings.js';
import type { BackupSet } from '../../src/domain/history.js';
import { backupsStoodFor } from '../../src/domain/log-runs.js';
import { logHolding } from '../../src/domain/marks.js';
import { estimateRto } from '../../src/domain/rto.js';
import { assess } from '../../src/domain/status.js';
import { heldStatusRows, statusRows } from '../../src/domain/status-rows.js';
import { withPolled } from '../../src/fleet/history-cache.js';
import type { DatabaseSnapshot } from '../../src/fleet/snapshot.js';
import { HistoryBuilder, minutes } from './history-builder.js';

const targets = { rpoMinutes: 60, rtoMinutes: 240, warnFraction: 0.8 };
const WINDOW = minutes(8 * 24 * 60);

/** Everything a status screen shows of a database, from a history: the same on held rows as on msdb's. */
function judged(h: HistoryBuilder, history: readonly BackupSet[], now: number) {
  const a = assess(h.state(), history, targets, { serverNow: now, observedAt: 0, localNow: 0, staleAfterMs: 60_000, unreachable: null });
  const rto = a.chain ? estimateRto(a.chain, []) : null;
  return {
    status: a.status,
    reason: a.reason,
    exposureMs: a.exposureMs,
    restorableTo: a.chain?.restorableTo,
    lastLsn: a.chain?.lastLsn,
    brokenAfter: a.chain?.brokenAfter?.text,
    logs: a.chain ? backupsStoodFor(a.chain.logs) : null,
    // One division for a run's bytes where the logs take one each: equal but for the last bits.
    rtoSeconds: rto ? Math.round(rto.seconds * 1e6) / 1e6 : null,
    rtoBasis: rto?.basis,
    findings: findings(h.state(), history).map((f) => f.text),
  };
}

const idsOf = (rows: readonly BackupSet[]) => rows.map((b) => b.backupSetId);

/** A daily full, a differential, then `logs` 15-minute logs with `between` called after each. */
function history(logs: number, between: (h: HistoryBuilder, i: number) => void = () => undefined): HistoryBuilder {
  const h = new HistoryBuilder();
  h.log({ after: 15 });
  h.full({ after: 15 });
  h.log({ after: 15 });
  h.diff({ after: 60 });
  for (let i = 0; i < logs; i++) {
    h.log({ after: 15, size: 1_000_000 + i });
    between(h, i);
  }
  return h;
}

describe('held status rows fold the logs that only continue the chain', () => {
  it('keep the anchor, the first log past it and the newest, which stands for the logs between', () => {
    const h = history(40);
    const now = h.now + minutes(5);
    const held = heldStatusRows(h.state(), h.rows, now - WINDOW);
    const logs = h.rows.filter((b) => b.type === 'L' && b.lastLsn > h.rows.find((r) => r.type === 'I')!.lastLsn);
    const newest = held.at(-1)!;
    expect(held.filter((b) => b.type === 'L')).toHaveLength(2);
    expect(newest.backupSetId).toBe(logs.at(-1)!.backupSetId);
    expect(newest.run).toEqual({ fromLsn: logs[0]!.lastLsn, logs: 38, bytes: logs.slice(1, -1).reduce((n, b) => n + b.backupSize, 0) });
    expect(judged(h, held, now)).toEqual(judged(h, h.rows, now));
    // msdb's own rows are never changed: the held log is a copy.
    expect(logs.at(-1)!.run).toBeUndefined();
  });

  it('keep both sides of a gap, and every backup a finding or a chain could turn on', () => {
    const h = history(60, (b, i) => {
      if (i === 10) b.log({ after: 15, nul: true });
      if (i === 20) b.log({ after: 15, copyOnly: true });
      if (i === 30) b.log({ after: 15, bulk: true });
      if (i === 40) b.log({ after: 15, damaged: true });
    });
    const now = h.now + minutes(5);
    const held = heldStatusRows(h.state(), h.rows, now - WINDOW);
    const special = h.rows.filter((b) => b.isCopyOnly || b.hasBulkLoggedData || b.isDamaged || b.media[0]!.physicalDeviceName === 'NUL');
    for (const b of special) expect(idsOf(held)).toContain(b.backupSetId);
    expect(held.length).toBeLessThan(statusRows(h.state(), h.rows, now - WINDOW).length / 3);
    expect(judged(h, held, now)).toEqual(judged(h, h.rows, now));
    expect(judged(h, held, now).brokenAfter).toMatch(/LSN gap after log #\d+/);
  });

  it('fold on as logs arrive: the held rows plus newer ones give what the whole history gives', () => {
    const h = history(20);
    let held = heldStatusRows(h.state(), h.rows, h.now - WINDOW);
    for (let step = 0; step < 12; step++) {
      const seen = new Set(h.rows);
      for (let i = 0; i < 3; i++) h.log({ after: 15 });
      if (step === 5) h.diff({ after: 5 });
      if (step === 8) h.log({ after: 15, nul: true });
      const newer = h.rows.filter((b) => !seen.has(b));
      held = heldStatusRows(h.state(), [...held, ...newer], h.now - WINDOW);
      const fresh = heldStatusRows(h.state(), h.rows, h.now - WINDOW);
      expect(held, `step ${step}`).toEqual(fresh);
      expect(judged(h, held, h.now + minutes(1)), `step ${step}`).toEqual(judged(h, h.rows, h.now + minutes(1)));
    }
  });

  it('prove a point inside a run, and a mark inside it, as the logs themselves do', () => {
    const h = history(30);
    const held = heldStatusRows(h.state(), h.rows, h.now - WINDOW);
    const inside = h.rows.filter((b) => b.type === 'L').at(-10)!;
    const at = inside.finish - minutes(5);
    const onHeld = buildRestoreChain(held, { kind: 'pointInTime', at });
    const onAll = buildRestoreChain(h.rows, { kind: 'pointInTime', at });
    expect(onHeld.ok && onAll.ok).toBe(true);
    if (!onHeld.ok || !onAll.ok) return;
    expect(onHeld.chain.stopAt).toBe(onAll.chain.stopAt);
    const mark = { lsn: inside.firstLsn + 1n };
    expect(logHolding(onHeld.chain, mark)?.run).toBeDefined();
    expect(logHolding(onAll.chain, mark)?.backupSetId).toBe(inside.backupSetId);
  });

  it('never reach a plan: one is refused on them, and the loaded history keeps msdb’s own row', () => {
    const h = history(10);
    const held = heldStatusRows(h.state(), h.rows, h.now - WINDOW);
    const folded = held.find((b) => b.run)!;
    // The database as a plan reads it: its name, state, history and newest log (the tail's folder).
    const db = (rows: readonly BackupSet[]) => ({ name: 'Sales', instance: 'SQL01', state: h.state(), history: rows, assessment: { lastLog: null } }) as unknown as DatabaseSnapshot;
    const plan = buildRestorePlan(db(held), defaultPlanRequest, h.now, 0);
    expect(plan).toEqual({ ok: false, reason: `the whole history of Sales was not read: log #${folded.backupSetId} finished 2026-11-20 04:15 UTC stands for 8 log backup(s) a poll did not keep` });
    expect(buildRestorePlan(db(h.rows), defaultPlanRequest, h.now, 0).ok).toBe(true);
    const merged = withPolled(h.rows, held);
    expect(merged.some((b) => b.run)).toBe(false);
    expect(merged).toHaveLength(h.rows.length);
  });
});
