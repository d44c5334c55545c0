import { describe, expect, it } from 'vitest';
import { buildRestoreChain, newestIncarnation, incarnationOf } from '../../src/domain/chain.js';
import { HistoryBuilder, minutes } from './history-builder.js';

const latest = { kind: 'latest' } as const;
const at = (t: number) => ({ kind: 'pointInTime', at: t }) as const;

function ok(result: ReturnType<typeof buildRestoreChain>) {
  if (!result.ok) throw new Error(`expected a chain, got: ${result.reason}`);
  return result.chain;
}

describe('restore chain to latest', () => {
  it('takes the newest full, the newest differential on it and every log after that', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    h.log({ after: 15 });
    h.log({ after: 15 });
    const diff = h.diff({ after: 5 });
    const l3 = h.log({ after: 15 });
    const l4 = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(full);
    expect(chain.diff).toBe(diff);
    expect(chain.logs).toEqual([l3, l4]);
    expect(chain.restorableTo).toBe(l4.finish);
    expect(chain.lastLsn).toBe(l4.lastLsn);
    expect(chain.brokenAfter).toBeNull();
    expect(chain.stopAt).toBeNull();
  });

  it('keeps LSNs above 2^53 exact', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.lastLsn).toBe(log.lastLsn);
    expect(chain.lastLsn > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(chain.lastLsn.toString()).not.toBe(String(Number(chain.lastLsn)));
  });

  it('does not use a log that ran while the full was running and ended inside it', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    let during = null as ReturnType<HistoryBuilder['log']> | null;
    const full = h.fullRunning(() => {
      during = h.log({ after: 10 });
    });
    const next = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(full);
    expect(chain.logs).toEqual([next]);
    // The overlapping log carries the previous full's checkpoint, and the chain is built on LSNs anyway.
    expect(during!.databaseBackupLsn).not.toBe(full.checkpointLsn);
    expect(next.firstLsn).toBe(during!.lastLsn);
  });

  it('accepts a copy-only full as the newest base', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    const copy = h.full({ after: 5, copyOnly: true });
    const log = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(copy);
    expect(chain.diff).toBeNull();
    expect(chain.logs).toEqual([log]);
  });

  it('pairs a differential with the older regular full it is based on, never with a copy-only full', () => {
    const h = new HistoryBuilder();
    const regular = h.full();
    h.log({ after: 15 });
    h.full({ after: 5, copyOnly: true });
    h.log({ after: 15 });
    const diff = h.diff({ after: 5 });
    const log = h.log({ after: 15 });
    expect(diff.differentialBaseGuid).toBe(regular.backupSetUuid);
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(regular);
    expect(chain.diff).toBe(diff);
    expect(chain.logs).toEqual([log]);
  });

  it('skips a copy-only log backup that would end the chain early', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    const copy = h.log({ after: 5, copyOnly: true });
    const l2 = h.log({ after: 10 });
    const l3 = h.log({ after: 15 });
    expect(copy.firstLsn).toBe(l2.firstLsn);
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.logs).toEqual([l1, l2, l3]);
  });

  it('puts every stripe of a media set in the full and leaves out a set with a stripe missing', () => {
    const h = new HistoryBuilder();
    const older = h.full({ stripes: 4 });
    h.log({ after: 15 });
    const incomplete = h.full({ after: 5, stripes: 3, familyCount: 4 });
    const log = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(older);
    expect(chain.full.media.map((m) => m.familySequenceNumber)).toEqual([1, 2, 3, 4]);
    expect(chain.logs.at(-1)).toBe(log);
    expect(chain.excluded).toEqual([{ backup: incomplete, reason: 'only 3 of 4 stripes recorded' }]);
  });

  it('falls back to an older full when the newest is damaged', () => {
    const h = new HistoryBuilder();
    const good = h.full();
    const l1 = h.log({ after: 15 });
    h.full({ after: 5, damaged: true });
    const l2 = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(good);
    expect(chain.logs).toEqual([l1, l2]);
  });

  it('reports a log chain broken by a backup to NUL, naming the files and LSNs', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    const nul = h.log({ after: 15, nul: true });
    const l3 = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.logs).toEqual([l1]);
    expect(chain.restorableTo).toBe(l1.finish);
    const gap = chain.brokenAfter!;
    expect(gap.fromLsn).toBe(l1.lastLsn);
    expect(gap.toLsn).toBe(l3.firstLsn);
    expect(gap.explainedBy.map((e) => e.backup)).toEqual([nul]);
    expect(gap.text).toContain(`#${l1.backupSetId}`);
    expect(gap.text).toContain(`#${l3.backupSetId}`);
    expect(gap.text).toContain(l1.lastLsn.toString());
    expect(gap.text).toContain('written to NUL');
  });

  it('bridges a broken log chain with a differential taken after the break', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    h.log({ after: 15 });
    h.log({ after: 15, nul: true });
    const diff = h.diff({ after: 5 });
    const log = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.full).toBe(full);
    expect(chain.diff).toBe(diff);
    expect(chain.logs).toEqual([log]);
    expect(chain.brokenAfter).toBeNull();
  });

  it('uses only the current recovery fork after a restore', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    h.newFork('b2222222-0000-0000-0000-000000000002');
    const full = h.full({ after: 30 });
    const log = h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, latest, { databaseGuid: h.databaseGuid, recoveryForkGuid: h.fork }));
    expect(chain.full).toBe(full);
    expect(chain.logs).toEqual([log]);
    expect(chain.excluded.every((e) => e.reason.includes('recovery fork'))).toBe(true);
  });

  it('refuses when the only full belongs to an older fork', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    h.newFork('b2222222-0000-0000-0000-000000000002');
    const result = buildRestoreChain(h.rows, latest, { databaseGuid: h.databaseGuid, recoveryForkGuid: h.fork });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('another recovery fork');
  });

  it('restores a differential of a new fork on its base full from before the fork, never that full alone', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    h.log({ after: 15 });
    // The full restored WITH RECOVERY: a new incarnation and fork, and the next differential names the full.
    h.databaseGuid = 'ffffffff-0000-0000-0000-000000000009';
    h.newFork('b2222222-0000-0000-0000-000000000002');
    const diff = h.diff({ after: 60 });
    const log = h.log({ after: 15 });
    for (const b of h.rows) b.familyGuid = 'c3333333-0000-0000-0000-000000000003';
    const incarnation = { databaseGuid: h.databaseGuid, recoveryForkGuid: h.fork };
    const chain = ok(buildRestoreChain(h.rows, latest, incarnation));
    expect([chain.full, chain.diff, chain.logs]).toEqual([full, diff, [log]]);
    expect(chain.excluded.map((e) => e.backup)).not.toContain(full);
    // Before the differential exists, the earlier full is the other recovery path: no plan.
    expect(buildRestoreChain(h.rows.filter((b) => b !== diff), latest, incarnation).ok).toBe(false);
    // Another database's full that happens to be named (family_guid differs) is never a base.
    full.familyGuid = 'd4444444-0000-0000-0000-000000000004';
    expect(buildRestoreChain(h.rows, latest, incarnation).ok).toBe(false);
  });

  it('ignores the backups of a database dropped and recreated under the same name', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    h.databaseGuid = 'ffffffff-0000-0000-0000-000000000009';
    const result = buildRestoreChain(h.rows, latest, { databaseGuid: h.databaseGuid, recoveryForkGuid: null });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/database_guid differs/);
  });

  it('marks a tail-log backup as the tail', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    const tail = h.log({ after: 3, tail: true });
    const chain = ok(buildRestoreChain(h.rows, latest));
    expect(chain.tail).toBe(tail);
    expect(chain.logs.at(-1)).toBe(tail);
  });

  it('refuses when nothing usable exists, and says why', () => {
    const h = new HistoryBuilder();
    h.full({ nul: true });
    const result = buildRestoreChain(h.rows, latest);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toBe('no restorable full backup; 1 full backup(s) left out: written to NUL');
    expect(buildRestoreChain([], latest)).toMatchObject({ ok: false, reason: 'no restorable full backup' });
  });
});

describe('restore chain to a point in time', () => {
  it('includes the first log that finishes at or after the target and stops inside it', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    const l1 = h.log({ after: 15 });
    const l2 = h.log({ after: 15 });
    h.log({ after: 15 });
    const target = l2.finish - minutes(5);
    const chain = ok(buildRestoreChain(h.rows, at(target)));
    expect(chain.full).toBe(full);
    expect(chain.logs).toEqual([l1, l2]);
    expect(chain.stopAt).toBe(target);
    expect(chain.restorableTo).toBe(target);
  });

  it('needs no STOPAT when the target is a log backup\'s end', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, at(l1.finish)));
    expect(chain.logs).toEqual([l1]);
    expect(chain.stopAt).toBeNull();
  });

  it('restores the full alone when the target is its finish', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, at(full.finish)));
    expect(chain.logs).toEqual([]);
  });

  it('falls back to an older full when the target is before the newest one', () => {
    const h = new HistoryBuilder();
    const f1 = h.full();
    const l1 = h.log({ after: 15 });
    h.full({ after: 15 });
    h.log({ after: 15 });
    const chain = ok(buildRestoreChain(h.rows, at(l1.finish - minutes(1))));
    expect(chain.full).toBe(f1);
    expect(chain.logs).toEqual([l1]);
  });

  it('refuses a stop inside a log with bulk-logged data, offering the ends around it', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    const bulk = h.log({ after: 15, bulk: true });
    const inside = buildRestoreChain(h.rows, at(bulk.finish - minutes(5)));
    expect(inside.ok).toBe(false);
    if (!inside.ok) {
      expect(inside.reason).toContain('bulk-logged');
      expect(inside.reason).toContain(new Date(bulk.finish).toISOString());
      expect(inside.reason).toContain(new Date(l1.finish).toISOString());
    }
    expect(ok(buildRestoreChain(h.rows, at(bulk.finish))).logs).toEqual([l1, bulk]);
  });

  it('refuses a target past a NUL backup, naming the gap', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    h.log({ after: 15, nul: true });
    const l3 = h.log({ after: 15 });
    const result = buildRestoreChain(h.rows, at(l3.finish - minutes(1)));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.gap?.toLsn).toBe(l3.firstLsn);
      expect(result.reason).toContain('NUL');
    }
  });

  it('says a tail-log backup is needed when no log reaches the target yet', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    const result = buildRestoreChain(h.rows, at(l1.finish + minutes(10)));
    expect(result).toMatchObject({ ok: false, gap: null });
    if (!result.ok) expect(result.reason).toContain('tail-log');
  });

  it('refuses a target before any full', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    const result = buildRestoreChain(h.rows, at(full.finish - minutes(60)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('no restorable full backup finished by');
  });
});

describe('incarnationOf', () => {
  it('falls back to the newest incarnation in the history when the server reports NULL guids (offline, SUSPECT)', () => {
    // A dropped database's full, with LSNs higher than anything the new database under the same name has.
    const old = new HistoryBuilder();
    old.advance(0, 10_000_000n);
    old.full();
    const h = new HistoryBuilder(old.now + 60 * 60_000);
    h.databaseGuid = 'ffffffff-0000-0000-0000-000000000009';
    h.fork = 'c3333333-0000-0000-0000-000000000003';
    h.full();
    h.log({ after: 15 });
    const rows = [...old.rows.map((b) => ({ ...b, backupSetId: b.backupSetId - 50 })), ...h.rows];
    expect(old.rows[0]!.lastLsn > h.rows[0]!.lastLsn).toBe(true);
    const offline = { databaseGuid: null, recoveryForkGuid: null };
    expect(incarnationOf(offline, rows)).toEqual({ databaseGuid: h.databaseGuid, recoveryForkGuid: h.fork });
    const chain = ok(buildRestoreChain(rows, latest, incarnationOf(offline, rows)));
    expect(chain.full.databaseGuid).toBe(h.databaseGuid);
    // Without the fallback the filter falls away and the dropped incarnation's full wins on LSN.
    expect(ok(buildRestoreChain(rows, latest, offline)).full.databaseGuid).toBe(old.databaseGuid);
  });
});

describe('newestIncarnation', () => {
  it('is the newest row\'s guid and fork, or nothing for an empty history', () => {
    const h = new HistoryBuilder();
    h.full();
    h.newFork('b2222222-0000-0000-0000-000000000002');
    h.full({ after: 10 });
    expect(newestIncarnation(h.rows)).toEqual({ databaseGuid: h.databaseGuid, recoveryForkGuid: h.fork });
    expect(newestIncarnation([])).toEqual({ databaseGuid: null, recoveryForkGuid: null });
  });
});
