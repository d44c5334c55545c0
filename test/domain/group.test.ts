import { describe, expect, it } from 'vitest';
import { buildRestoreChain, incarnationOf } from '../../src/domain/chain.js';
import { assessGroup, type GroupMemberInput, type MissingMember } from '../../src/domain/group.js';
import type { BackupSet } from '../../src/domain/history.js';
import type { LogMark } from '../../src/domain/marks.js';
import { estimateRto } from '../../src/domain/rto.js';
import { assess } from '../../src/domain/status.js';
import { HistoryBuilder, minutes } from './history-builder.js';

const START = Date.UTC(2026, 10, 20, 0, 0, 0);
const targets = { rpoMinutes: 30, rtoMinutes: 60, warnFraction: 0.8 };

/** A member as the snapshot would hand it over: assessed on its own rows at `now`. */
function member(
  database: string,
  h: HistoryBuilder,
  now: number,
  opts: { instance?: string; together?: boolean; rows?: readonly BackupSet[]; unreachable?: string; marks?: LogMark[] } = {},
): GroupMemberInput {
  const rows = opts.rows ?? h.rows;
  const state = { ...h.state(), name: database };
  const chain = buildRestoreChain(rows, { kind: 'latest' }, incarnationOf(state, rows));
  const assessment = assess(
    state,
    rows,
    targets,
    { serverNow: now, observedAt: 0, localNow: 0, staleAfterMs: minutes(5), unreachable: opts.unreachable ?? null },
    chain,
  );
  return {
    instance: opts.instance ?? 'SQL01',
    database,
    role: 'member',
    together: opts.together ?? true,
    state,
    history: rows,
    assessment,
    rto: chain.ok ? estimateRto(chain.chain, []) : null,
    marks: opts.marks ?? [],
    now,
  };
}

/** A full at START, then a log every 15 minutes until `until` minutes after it. */
function logsUntil(until: number): HistoryBuilder {
  const h = new HistoryBuilder(START);
  h.full();
  for (let t = 15; t <= until; t += 15) h.log({ after: 15 });
  return h;
}

const group = (members: GroupMemberInput[], missing: MissingMember[] = []) => assessGroup({ name: 'biztalk', title: 'BizTalk Server', targets, members, missing });

describe('the common recovery point of a group', () => {
  it('is the earliest of the members newest restorable points, measured against the group RPO', () => {
    const now = START + minutes(85);
    const msgbox = logsUntil(60);
    const mgmt = logsUntil(75);
    const g = group([member('BizTalkMsgBoxDb', msgbox, now), member('BizTalkMgmtDb', mgmt, now)]);
    expect(g.commonPoint).toBe(START + minutes(60));
    expect(g.limitedBy).toEqual({ instance: 'SQL01', database: 'BizTalkMsgBoxDb' });
    expect(g.commonPointProven).toBe(true);
    // 25 minutes of exposure: past 80% of a 30-minute RPO, though each member alone is within it.
    expect(g.exposureMs).toBe(minutes(25));
    expect(g.status).toBe('WARN');
    expect(g.since).toBe(START + minutes(60) + minutes(24));
    expect(g.reason).toBe('past the warning line for 1 min: common point 25 min ago (SQL01/BizTalkMsgBoxDb limits it), RPO 30 min');
    expect(g.members.map((m) => m.cannotReach)).toEqual([null, null]);
  });

  it('is a BREACH, with since when, once the common point is older than the RPO', () => {
    const now = START + minutes(100);
    const g = group([member('a', logsUntil(60), now), member('b', logsUntil(90), now)]);
    expect(g.status).toBe('BREACH');
    expect(g.since).toBe(START + minutes(90));
    expect(g.reason).toMatch(/^in breach for 10 min: common point 40 min ago/);
  });

  it('ignores members not restored together, except for the worst status', () => {
    const now = START + minutes(70);
    const stale = new HistoryBuilder(START);
    stale.full();
    const g = group([member('a', logsUntil(60), now), member('BAMArchive', stale, now + minutes(600), { together: false })]);
    expect(g.commonPoint).toBe(START + minutes(60));
    expect(g.status).toBe('BREACH');
    expect(g.reason).toBe('common point 10 min ago (SQL01/a limits it), RPO 30 min; worst member SQL01/BAMArchive: in breach for 10 h 40 min: full backup 11 h 10 min ago, no log backup since, RPO 30 min');
    expect(g.problem).toBe('worst member SQL01/BAMArchive: in breach for 10 h 40 min: full backup 11 h 10 min ago, no log backup since, RPO 30 min');
  });

  it('is UNPROTECTED, naming the member, when one member chain is broken', () => {
    const broken = logsUntil(30);
    broken.log({ after: 15, nul: true });
    broken.log({ after: 15 });
    const now = START + minutes(70);
    const g = group([member('BizTalkDTADb', broken, now), member('SSODB', logsUntil(60), now)]);
    expect(g.status).toBe('UNPROTECTED');
    expect(g.commonPoint).toBe(START + minutes(30));
    expect(g.limitedBy?.database).toBe('BizTalkDTADb');
    expect(g.reason).toMatch(/^SQL01\/BizTalkDTADb's log chain breaks after its backup of 40 min ago: the group cannot be brought past that point/);
  });

  it('has no common point when a member was never backed up', () => {
    const never = new HistoryBuilder(START);
    const g = group([member('SSODB', never, START), member('a', logsUntil(60), START + minutes(65))]);
    expect(g.status).toBe('UNPROTECTED');
    expect(g.commonPoint).toBeNull();
    expect(g.exposureMs).toBeNull();
    expect(g.reason).toContain('SQL01/SSODB has no restorable chain: never backed up');
  });

  it('is UNKNOWN while a member cannot be polled, and does not guess a point', () => {
    const now = START + minutes(65);
    const g = group([member('a', logsUntil(60), now, { unreachable: 'Failed to connect' }), member('b', logsUntil(60), now)]);
    expect(g.status).toBe('UNKNOWN');
    expect(g.commonPoint).toBeNull();
    expect(g.reason).toMatch(/^SQL01\/a: cannot poll the instance: Failed to connect/);
  });

  it('reaches the common point through an older full when a member took a new one after it', () => {
    // b: logs to minute 60, then a new full at 70. a stops at 45: b must restore the first full and its logs.
    const b = logsUntil(60);
    b.full({ after: 10 });
    const now = START + minutes(75);
    const g = group([member('a', logsUntil(45), now), member('b', b, now)]);
    expect(g.commonPoint).toBe(START + minutes(45));
    expect(g.commonPointProven).toBe(true);
    // The rows a first poll keeps start at b's newest full: the older chain is not there to prove it.
    const sifted = b.rows.filter((r) => r.finish >= START + minutes(70));
    const unproven = group([member('a', logsUntil(45), now), member('b', b, now, { rows: sifted })]);
    expect(unproven.commonPointProven).toBe(false);
    expect(unproven.members[1]!.cannotReach).toMatch(/newest restorable backup finished after the common point/);
    // Said, not alarmed on: 30 minutes against a 30-minute RPO is WARN by its exposure alone, as it is proven.
    expect(unproven.status).toBe(g.status);
    expect(unproven.reason).toBe(`${g.reason}; SQL01/b reaches the common point only through an older chain, not among the rows the poll reads: the group plan checks it`);
  });

  it('warns when a member rows show it cannot stop at the common point (inside a bulk-logged log)', () => {
    const bulk = logsUntil(30);
    bulk.log({ after: 30, bulk: true });
    const now = START + minutes(62);
    const g = group([member('a', logsUntil(45), now), member('b', bulk, now)]);
    expect(g.commonPoint).toBe(START + minutes(45));
    expect(g.commonPointProven).toBe(false);
    expect(g.status).toBe('WARN');
    expect(g.reason).toMatch(/^SQL01\/b cannot reach the common point: log #\d+ finished .* contains bulk-logged operations/);
  });
});

describe('members missing from the servers', () => {
  const now = START + minutes(65);
  const present = [member('BizTalkMgmtDb', logsUntil(60), now)];
  const missing = (over: Partial<MissingMember>): MissingMember => ({
    instance: 'BTSSQL01',
    database: 'BizTalkMsgBoxDb',
    role: 'MessageBox',
    together: true,
    required: true,
    unreachable: false,
    why: 'no database of that name on BTSSQL01',
    ...over,
  });

  it('a required member absent from a polled instance makes the group UNPROTECTED', () => {
    const g = group(present, [missing({})]);
    expect(g.status).toBe('UNPROTECTED');
    expect(g.reason).toMatch(/^BizTalkMsgBoxDb \(MessageBox\) is missing: no database of that name on BTSSQL01, so the group cannot be restored whole/);
  });

  it('a required member on an instance that cannot be polled makes it UNKNOWN', () => {
    expect(group(present, [missing({ unreachable: true, why: 'not seen: BTSSQL01 cannot be polled' })]).status).toBe('UNKNOWN');
  });

  it('an optional member (a feature not deployed) is only noted', () => {
    const g = group(present, [missing({ database: 'BAMAlertsNSMain', required: false })]);
    expect(g.status).toBe('OK');
    expect(g.reason).toMatch(/; not found \(optional\): BAMAlertsNSMain$/);
  });
});

describe('the restore time of a group', () => {
  it('adds members on one instance and runs instances in parallel', () => {
    const now = START + minutes(65);
    const g = group([
      member('a', logsUntil(60), now, { instance: 'BTS01' }),
      member('b', logsUntil(60), now, { instance: 'BTS01' }),
      member('BAMPrimaryImport', logsUntil(60), now, { instance: 'BAM01' }),
    ]);
    const alone = buildRestoreChain(logsUntil(60).rows, { kind: 'latest' });
    if (!alone.ok) throw new Error(alone.reason);
    const one = estimateRto(alone.chain, []).seconds;
    expect(g.rto?.perInstance.map((p) => [p.instance, p.members])).toEqual([
      ['BTS01', ['a', 'b']],
      ['BAM01', ['BAMPrimaryImport']],
    ]);
    expect(g.rto?.seconds).toBeCloseTo(2 * one, 6);
    expect(g.rto?.text).toMatch(/: 2 instances in parallel, members one after another within each; slowest BTS01 \(2 member\(s\)\)$/);
    // 1 GB full + 4 logs at the assumed 100 MB/s, twice: about 2.3 minutes, inside the hour.
    expect(g.rto?.exceedsTarget).toBe(false);
  });

  it('says which members it could not estimate', () => {
    const g = group([member('a', logsUntil(60), START + minutes(65)), member('SSODB', new HistoryBuilder(START), START)]);
    expect(g.rto?.unestimated).toEqual(['SQL01/SSODB']);
    expect(g.rto?.text).toMatch(/; no estimate for SQL01\/SSODB$/);
  });
});

describe('the newest common mark', () => {
  /** A mark inside each log backup, named by its minute, as the Backup BizTalk Server job writes them. */
  const marksOf = (h: HistoryBuilder, skip: number[] = []): LogMark[] =>
    h.rows
      .filter((r) => r.type === 'L')
      .map((l) => ({ name: `BTS_${(l.finish - START) / 60_000}`, description: null, lsn: l.firstLsn + 1n, time: l.finish - 1000 }))
      .filter((m) => !skip.includes(Number(m.name.slice(4))));

  it('is the newest mark every member holds in its restorable logs, and says how old it is', () => {
    const a = logsUntil(60);
    const b = logsUntil(60);
    const now = START + minutes(65);
    // b's job did not mark its last log backup.
    const g = group([member('a', a, now, { marks: marksOf(a) }), member('b', b, now, { marks: marksOf(b, [60]) })]);
    expect(g.commonMark).toEqual({ name: 'BTS_45', time: START + minutes(45) - 1000, ageMs: minutes(20) + 1000 });
    expect(g.reason).toContain('newest common mark BTS_45, 20 min ago');
  });

  it('is none when no mark lies in every member chain, and said so', () => {
    const a = logsUntil(30);
    const b = logsUntil(30);
    const now = START + minutes(35);
    const g = group([member('a', a, now, { marks: marksOf(a, [30]) }), member('b', b, now, { marks: marksOf(b, [15]) })]);
    expect(g.commonMark).toBeNull();
    expect(g.reason).toContain("no mark of the last day is in every member's restorable logs");
  });
});

describe("a group's standby instances", () => {
  const copy = (database: string, holdsToMin: number, now: number, instance = 'SQLDR01') => ({
    instance,
    database,
    source: { instance: 'SQL01', database },
    copy: { sourceServer: 'SQL01', sourceDatabase: database, restoredAt: START + minutes(holdsToMin + 5), holdsTo: START + minutes(holdsToMin), restoreType: 'L' as const },
    now,
  });

  it('are as far behind as their laggiest copy, against the group RPO, and do not change the group status', () => {
    const now = START + minutes(100);
    const members = [member('BizTalkMsgBoxDb', logsUntil(90), now), member('BizTalkMgmtDb', logsUntil(90), now)];
    const g = assessGroup({ name: 'biztalk', title: 'BizTalk Server', targets, members, missing: [], standbys: [copy('BizTalkMsgBoxDb', 90, now), copy('BizTalkMgmtDb', 45, now)] });
    expect(g.status).toBe('OK');
    expect(g.standbys).toHaveLength(1);
    const [sb] = g.standbys;
    expect(sb).toMatchObject({ instance: 'SQLDR01', status: 'BREACH', lagMs: minutes(55), limitedBy: 'BizTalkMgmtDb', since: START + minutes(75), notCopied: [] });
    expect(sb!.copies.map((c) => [c.database, c.lagMs])).toEqual([
      ['BizTalkMgmtDb', minutes(55)],
      ['BizTalkMsgBoxDb', minutes(10)],
    ]);
    expect(g.problem).toBe('in breach for 25 min: standby SQLDR01 55 min behind (BizTalkMgmtDb limits it), RPO 30 min');
  });

  it('cannot take the group over whole when a member has no copy there', () => {
    const now = START + minutes(100);
    const members = [member('BizTalkMsgBoxDb', logsUntil(90), now), member('SSODB', logsUntil(90), now)];
    const g = assessGroup({ name: 'biztalk', title: 'BizTalk Server', targets, members, missing: [], standbys: [copy('BizTalkMsgBoxDb', 90, now)] });
    expect(g.standbys[0]).toMatchObject({ status: 'UNPROTECTED', notCopied: ['SQL01/SSODB'] });
    expect(g.standbys[0]!.text).toContain('no copy of SQL01/SSODB there: it cannot take the group over whole');
  });

  it('when in time, are told with the common point', () => {
    const now = START + minutes(100);
    const members = [member('BizTalkMsgBoxDb', logsUntil(90), now)];
    const g = assessGroup({ name: 'biztalk', title: 'BizTalk Server', targets, members, missing: [], standbys: [copy('BizTalkMsgBoxDb', 90, now)] });
    expect(g.standbys[0]!.status).toBe('OK');
    expect(g.problem).toBeNull();
    expect(g.reason).toContain('; standby SQLDR01 10 min behind (BizTalkMsgBoxDb limits it), RPO 30 min');
  });
});
