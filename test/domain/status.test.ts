import { describe, expect, it } from 'vitest';
import { assess, exposureWords, statusGlyph, worstStatus, type Observation, type Status } from '../../src/domain/status.js';
import { serverLocalToUtc } from '../../src/domain/time.js';
import { HistoryBuilder, minutes } from './history-builder.js';

const targets = { rpoMinutes: 15, rtoMinutes: 60, warnFraction: 0.8 };

function seenAt(serverNow: number, extra: Partial<Observation> = {}): Observation {
  return { serverNow, observedAt: 1_000, localNow: 1_000, staleAfterMs: minutes(5), unreachable: null, ...extra };
}

describe('status of a database in FULL recovery', () => {
  const cases: { name: string; minutesSinceLog: number; status: Status; reason: string; since?: number }[] = [
    { name: 'fresh log', minutesSinceLog: 5, status: 'OK', reason: 'log backup 5 min ago, RPO 15 min' },
    { name: 'past the warn fraction', minutesSinceLog: 13, status: 'WARN', reason: 'past the warning line for 1 min: log backup 13 min ago, RPO 15 min', since: 12 },
    { name: 'past the RPO', minutesSinceLog: 47, status: 'BREACH', reason: 'in breach for 32 min: log backup 47 min ago, RPO 15 min', since: 15 },
    // dbatools compares only the days and hours parts: a 24-hour-old log read OK there.
    { name: 'a day and a minute old', minutesSinceLog: 24 * 60 + 1, status: 'BREACH', reason: 'in breach for 23 h 46 min: log backup 1 d ago, RPO 15 min', since: 15 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status}`, () => {
      const h = new HistoryBuilder();
      h.full();
      const log = h.log({ after: 15 });
      const a = assess(h.state(), h.rows, targets, seenAt(log.finish + minutes(c.minutesSinceLog)));
      expect(a.status).toBe(c.status);
      expect(a.reason).toBe(c.reason);
      // Since when: the log's finish plus the line crossed (80% of the RPO for WARN, the RPO for BREACH).
      expect(a.since).toBe(c.since === undefined ? null : log.finish + minutes(c.since));
      expect(a.exposureMs).toBe(minutes(c.minutesSinceLog));
      expect(a.lastLog).toBe(log);
    });
  }

  it('an exposure of 25 h against an RPO of 24 h is a breach, not "1 hour"', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const a = assess(h.state(), h.rows, { ...targets, rpoMinutes: 24 * 60 }, seenAt(log.finish + minutes(25 * 60)));
    expect(a.status).toBe('BREACH');
    expect(a.reason).toBe('in breach for 1 h: log backup 1 d 1 h ago, RPO 1 d');
  });

  it('counts the open gap from the last log up to now, advanced by the time since the poll', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const a = assess(h.state(), h.rows, targets, seenAt(log.finish + minutes(5), { observedAt: 0, localNow: minutes(4) }));
    expect(a.exposureMs).toBe(minutes(9));
  });

  it('measures from the full when no log was taken since', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    const a = assess(h.state(), h.rows, targets, seenAt(full.finish + minutes(20)));
    expect(a.status).toBe('BREACH');
    expect(a.reason).toBe('in breach for 5 min: full backup 20 min ago, no log backup since, RPO 15 min');
  });

  it('is UNPROTECTED when never backed up', () => {
    const h = new HistoryBuilder();
    const a = assess(h.state({ lastLogBackupLsn: null }), [], targets, seenAt(0));
    expect(a).toMatchObject({ status: 'UNPROTECTED', reason: 'never backed up', exposureMs: null });
  });

  it('is UNPROTECTED after a switch to SIMPLE and back, whatever msdb shows', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const a = assess(h.state({ lastLogBackupLsn: null }), h.rows, targets, seenAt(log.finish + minutes(1)));
    expect(a.status).toBe('UNPROTECTED');
    expect(a.reason).toContain('no log backup possible since recovery model switch');
  });

  it('is UNPROTECTED when the log chain is broken by a backup to NUL, even with fresh logs', () => {
    const h = new HistoryBuilder();
    h.full();
    const l1 = h.log({ after: 15 });
    h.log({ after: 15, nul: true });
    const l3 = h.log({ after: 15 });
    const a = assess(h.state(), h.rows, targets, seenAt(l3.finish + minutes(1)));
    expect(a.status).toBe('UNPROTECTED');
    expect(a.reason).toMatch(/^log chain broken/);
    expect(a.reason).toContain('NUL');
    expect(a.exposureMs).toBe(l3.finish + minutes(1) - l1.finish);
  });

  it('says "another replica" when the server knows a newer log backup than this msdb', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const state = h.state({ lastLogBackupLsn: log.lastLsn + 1_000_000n });
    const a = assess(state, h.rows, targets, seenAt(log.finish + minutes(60)));
    expect(a.status).toBe('UNKNOWN');
    expect(a.reason).toContain('last log backed up on another replica');
  });

  it('says "another replica" when only a full is known here and the log chain moved on elsewhere', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    const state = h.state({ lastLogBackupLsn: full.lastLsn + 5_000_000n });
    const a = assess(state, h.rows, targets, seenAt(full.finish + minutes(3 * 24 * 60)));
    expect(a.status).toBe('UNKNOWN');
    expect(a.reason).toContain('another replica');
  });

  it('reads WARN, never OK, while RESTORING after a tail-log backup: safe, but unavailable', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    const tail = h.log({ after: 2, tail: true });
    const a = assess(h.state({ state: 'RESTORING' }), h.rows, targets, seenAt(tail.finish + minutes(90)));
    expect(a.status).toBe('WARN');
    expect(a.reason).toBe('unavailable: RESTORING after a tail-log backup 1 h 30 min ago (no transaction since can be lost); restore it or bring it online');
  });

  it('never reads OK for a database that is not ONLINE, and keeps a worse status', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    const offline = assess(h.state({ state: 'OFFLINE' }), h.rows, targets, seenAt(log.finish + minutes(5)));
    expect(offline.status).toBe('WARN');
    expect(offline.reason).toMatch(/^unavailable \(OFFLINE\): log backup 5 min ago/);
    const suspect = assess(h.state({ state: 'SUSPECT' }), h.rows, targets, seenAt(log.finish + minutes(24 * 60)));
    expect(suspect.status).toBe('BREACH');
    expect(suspect.reason).toMatch(/^unavailable \(SUSPECT\): /);
  });
});

describe('status in SIMPLE recovery', () => {
  it('measures from the newest restorable full or differential', () => {
    const h = new HistoryBuilder();
    h.full();
    const diff = h.diff({ after: 60 });
    const a = assess(h.state({ recoveryModel: 'SIMPLE', lastLogBackupLsn: null }), h.rows, { ...targets, rpoMinutes: 24 * 60 }, seenAt(diff.finish + minutes(180)));
    expect(a.status).toBe('OK');
    expect(a.reason).toBe('SIMPLE recovery, differential backup 3 h ago, RPO 1 d');
  });

  it('ignores a newer full that went to NUL', () => {
    const h = new HistoryBuilder();
    const good = h.full();
    h.full({ after: 60, nul: true });
    const a = assess(h.state({ recoveryModel: 'SIMPLE', lastLogBackupLsn: null }), h.rows, targets, seenAt(good.finish + minutes(120)));
    expect(a.exposureMs).toBe(minutes(120));
    expect(a.status).toBe('BREACH');
  });
});

describe('UNKNOWN', () => {
  it('when the instance was never reached', () => {
    const h = new HistoryBuilder();
    h.full();
    const a = assess(h.state(), h.rows, targets, seenAt(0, { observedAt: 0, unreachable: 'connect ETIMEDOUT' }));
    expect(a).toMatchObject({ status: 'UNKNOWN', reason: 'cannot poll the instance: connect ETIMEDOUT', exposureMs: null, exposureAtMostMs: null });
    expect(exposureWords(a)).toBe('-');
  });

  it('when it stops answering: what it last showed bounds what it can lose now', () => {
    const h = new HistoryBuilder();
    h.full();
    const log = h.log({ after: 15 });
    // Polled 20 minutes after its last log backup; unreachable for 5 minutes since.
    const a = assess(h.state(), h.rows, targets, seenAt(log.finish + minutes(20), { observedAt: 1_000, localNow: 1_000 + minutes(5), unreachable: 'connect ETIMEDOUT' }));
    expect(a).toMatchObject({ status: 'UNKNOWN', exposureMs: null, exposureAtMostMs: minutes(25) });
    expect(a.reason).toBe('cannot poll the instance: connect ETIMEDOUT; at most 25 min of data lost now if no backup ran since (last polled 5 min ago)');
    expect(exposureWords(a)).toBe('≤25 min');
  });

  it('when the data is older than the stale limit', () => {
    const h = new HistoryBuilder();
    const full = h.full();
    const a = assess(h.state(), h.rows, targets, seenAt(full.finish, { observedAt: 1_000, localNow: 1_000 + minutes(6) }));
    expect(a).toMatchObject({ status: 'UNKNOWN', reason: 'data is 6 min old; at most 6 min of data lost now if no backup ran since (last polled 6 min ago)' });
  });
});

describe('the repeated hour when daylight saving ends', () => {
  it('uses backupset.time_zone so a log at 01:50 EDT is 30 min old at 01:20 EST', () => {
    // US Eastern, 2026-11-01: 01:00-02:00 happens twice. time_zone is in 15-minute units.
    const local = (h: number, m: number) => Date.UTC(2026, 10, 1, h, m);
    const h = new HistoryBuilder(serverLocalToUtc(local(0, 30), -16, -300));
    h.full();
    const log = h.log();
    log.finish = serverLocalToUtc(local(1, 50), -16, -300); // EDT, UTC-4
    const now = serverLocalToUtc(local(1, 20), -20, -300); // EST, UTC-5, after the clocks went back
    const a = assess(h.state(), h.rows, targets, seenAt(now));
    expect(a.exposureMs).toBe(minutes(30));
    expect(a.status).toBe('BREACH');
    // Wall-clock arithmetic would have said the log was taken 30 minutes in the future.
    expect(local(1, 20) - local(1, 50)).toBe(-minutes(30));
  });

  it('falls back to the server\'s current offset when time_zone is unknown (127)', () => {
    expect(serverLocalToUtc(Date.UTC(2026, 0, 1, 12), 127, 60)).toBe(Date.UTC(2026, 0, 1, 11));
    expect(serverLocalToUtc(Date.UTC(2026, 0, 1, 12), null, -300)).toBe(Date.UTC(2026, 0, 1, 17));
  });
});

describe('worstStatus and glyphs', () => {
  it('orders UNKNOWN > UNPROTECTED > BREACH > WARN > OK', () => {
    expect(worstStatus([])).toBe('OK');
    expect(worstStatus(['OK', 'WARN'])).toBe('WARN');
    expect(worstStatus(['BREACH', 'WARN', 'UNPROTECTED'])).toBe('UNPROTECTED');
    expect(worstStatus(['UNPROTECTED', 'UNKNOWN', 'OK'])).toBe('UNKNOWN');
  });

  it('gives every status a distinct glyph', () => {
    expect(new Set(Object.values(statusGlyph)).size).toBe(5);
  });
});
