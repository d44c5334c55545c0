import { describe, expect, it } from 'vitest';
import { compareLsn, formatLsn, lsnToHex, parseLsn, parseOptionalLsn } from '../../src/domain/lsn.js';
import { formatDuration, formatServerTime, toDatetimePrecision, utcOffsetLabel, utcToServerLocal } from '../../src/domain/time.js';
import { majorVersion } from '../../src/domain/version.js';
import { resolveTargets } from '../../src/domain/targets.js';
import { volumeOf } from '../../src/domain/volume.js';
import { describeBackup, isNulDevice } from '../../src/domain/history.js';
import { HistoryBuilder } from './history-builder.js';

describe('LSN', () => {
  it('parses numeric(25,0) text above 2^53 exactly', () => {
    const text = '1234000000567800001';
    expect(formatLsn(parseLsn(text))).toBe(text);
    expect(parseLsn(' 42 ')).toBe(42n);
    expect(parseLsn('9'.repeat(25))).toBe(10n ** 25n - 1n);
  });

  it.each(['', '-1', '12.5', '1e20', '0x10', '9'.repeat(26)])('rejects %j', (bad) => {
    expect(() => parseLsn(bad)).toThrow(/not an LSN/);
  });

  it('maps NULL and empty to null', () => {
    expect(parseOptionalLsn(null)).toBeNull();
    expect(parseOptionalLsn(undefined)).toBeNull();
    expect(parseOptionalLsn('')).toBeNull();
    expect(parseOptionalLsn('7')).toBe(7n);
  });

  it('compares as bigint', () => {
    expect(compareLsn(9007199254740993n, 9007199254740992n)).toBe(1);
    expect(compareLsn(1n, 2n)).toBe(-1);
    expect(compareLsn(5n, 5n)).toBe(0);
  });

  it('prints the hex vlf:block:slot form fn_dblog shows', () => {
    // 42 * 10^15 + 256 * 10^5 + 1
    expect(lsnToHex(42_000_000_025_600_001n)).toBe('0000002A:00000100:0001');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [59 * 60_000 + 59_999, '59 min'],
    [3_600_000, '1 h'],
    [3 * 3_600_000 + 12 * 60_000, '3 h 12 min'],
    [24 * 3_600_000, '1 d'],
    [52 * 3_600_000, '2 d 4 h'],
    [-90_000, '-1 min'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('prints server time as SQL Server does', () => {
    expect(formatServerTime(Date.UTC(2026, 10, 22, 4, 5, 6))).toBe('2026-11-22 04:05:06');
    expect(utcToServerLocal(Date.UTC(2026, 10, 22, 4), 60)).toBe(Date.UTC(2026, 10, 22, 5));
  });
});

describe('datetime precision (1/300 s)', () => {
  it.each([
    ['2026-11-27T09:07:30.251Z', '2026-11-27 09:07:30.250'],
    ['2026-11-27T09:07:30.252Z', '2026-11-27 09:07:30.253'],
    ['2026-11-27T09:07:30.005Z', '2026-11-27 09:07:30.007'],
    ['2026-11-27T23:59:59.999Z', '2026-11-28 00:00:00.000'],
  ])('holds %s as %s', (input, held) => {
    expect(formatServerTime(toDatetimePrecision(Date.parse(input)), true)).toBe(held);
  });
});

describe('majorVersion', () => {
  it.each([
    ['10.0.6000.29', 10],
    ['10.50.6000.34', 10.5],
    ['11.0.7001.0', 11],
    ['16.0.4135.4', 16],
  ])('reads %s as %s', (version, major) => expect(majorVersion(version)).toBe(major));
});

describe('resolveTargets', () => {
  const defaults = { rpoMinutes: 1440, rtoMinutes: 240, warnFraction: 0.8 };

  it('takes explicit > group > instance > default, per target', () => {
    const r = resolveTargets({
      database: { rpoMinutes: 5 },
      groups: [{ rpoMinutes: 10, rtoMinutes: 30 }],
      instance: { rpoMinutes: 60, rtoMinutes: 120, warnFraction: 0.5 },
      defaults,
    });
    expect(r).toEqual({
      rpoMinutes: 5,
      rtoMinutes: 30,
      warnFraction: 0.5,
      source: { rpoMinutes: 'database', rtoMinutes: 'group', warnFraction: 'instance' },
    });
  });

  it('takes the strictest value among several groups', () => {
    const r = resolveTargets({ groups: [{ rpoMinutes: 30 }, { rpoMinutes: 15, rtoMinutes: 60 }, {}], defaults });
    expect(r.rpoMinutes).toBe(15);
    expect(r.rtoMinutes).toBe(60);
    expect(r.source.rpoMinutes).toBe('group');
  });

  it('falls back to the defaults', () => {
    expect(resolveTargets({ defaults })).toMatchObject({ ...defaults, source: { rpoMinutes: 'default' } });
  });
});

describe('volumeOf', () => {
  it.each([
    ['D:\\Data\\Sales.mdf', [], 'd:\\'],
    ['d:/data/x.ldf', [], 'd:\\'],
    ['E:\\Mounts\\Log1\\Sales_log.ldf', ['E:\\', 'E:\\Mounts\\Log1\\'], 'e:\\mounts\\log1\\'],
    ['\\\\nas01\\backup\\Sales.bak', [], '\\\\nas01\\backup\\'],
    ['/var/opt/mssql/data/Sales.mdf', [], '/'],
    ['/var/opt/mssql/data/Sales.mdf', ['/var/opt/mssql/'], '/var/opt/mssql/'],
  ])('%s on %j is %s', (path, mounts, volume) => {
    expect(volumeOf(path, mounts)).toBe(volume);
  });
});

describe('isNulDevice', () => {
  it.each([['NUL', true], ['nul', true], ['NUL:', true], [' NUL ', true], ['NULL.bak', false], ['D:\\nul\\x.bak', false]])(
    '%j -> %s',
    (name, expected) => expect(isNulDevice(name)).toBe(expected),
  );
});

describe('parseWallClock', () => {
  it.each([
    ['2026-11-22 04:05', Date.UTC(2026, 10, 22, 4, 5)],
    ['2026-11-22T04:05:06', Date.UTC(2026, 10, 22, 4, 5, 6)],
    ['2026-11-22 04:05:06.7', Date.UTC(2026, 10, 22, 4, 5, 6, 700)],
    ['22/11/2026 04:05', null],
    ['2026-11-22', null],
  ])('%j -> %s', async (text, expected) => {
    const { parseWallClock } = await import('../../src/domain/time.js');
    expect(parseWallClock(text)).toBe(expected);
  });
});

describe('one clock in reasons', () => {
  it('names a backup by the time on its server, with the offset msdb recorded, and in UTC only when msdb has none', () => {
    const h = new HistoryBuilder(Date.UTC(2026, 10, 27, 9, 0, 0));
    const log = h.log();
    const utc = new Date(log.finish).toISOString().slice(0, 16).replace('T', ' ');
    expect(describeBackup({ ...log, utcOffsetMinutes: null })).toBe(`log #${log.backupSetId} finished ${utc} UTC`);
    expect(describeBackup({ ...log, utcOffsetMinutes: 60 })).toBe(`log #${log.backupSetId} finished ${formatServerTime(log.finish + 3_600_000).slice(0, 16)} (UTC+1)`);
    expect([utcOffsetLabel(0), utcOffsetLabel(-240), utcOffsetLabel(330), utcOffsetLabel(-570)]).toEqual(['UTC+0', 'UTC-4', 'UTC+5:30', 'UTC-9:30']);
  });
});
