import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The disk as the journal sees it: how many bytes a write takes, and after how many writes it is full. */
const disk = vi.hoisted(() => ({ perWrite: Number.POSITIVE_INFINITY, fullAfter: Number.POSITIVE_INFINITY, writes: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buffer: Buffer, offset: number, length: number) => {
    if (++disk.writes > disk.fullAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return real.writeSync(fd, buffer, offset, Math.min(length, disk.perWrite));
  }) as typeof real.writeSync;
  return { ...real, default: { ...real, writeSync }, writeSync };
});
import { Journal, type JournalEntry } from '../../src/actions/journal.js';
import { formatJournal } from '../../src/report/journal.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-hostile-journal-'));
const base = { v: 1 as const, at: '2026-11-27T10:00:00.000Z', who: { user: 'dba', host: 'jump1' }, planId: null, step: null, instance: 'SQL01', database: 'db', kind: 'tail-log', sql: 'BACKUP LOG [db] TO DISK = @file1;' };
const entry = (id: string, event: JournalEntry['event'] = 'start'): JournalEntry => ({ ...base, id, event });

afterEach(() => Object.assign(disk, { perWrite: Number.POSITIVE_INFINITY, fullAfter: Number.POSITIVE_INFINITY, writes: 0 }));

describe('a journal with lines that are not entries', () => {
  it('reads every entry, and reports the others by line number', () => {
    const file = path.join(dir, 'odd.jsonl');
    const journal = new Journal(file);
    journal.append(entry('a'));
    appendFileSync(file, 'null\n{"x":1}\n[]\n"text"\n{"v":1,"event":"start"}\n');
    journal.append(entry('b'));
    const read = journal.read();
    expect(read.entries.map((e) => e.id)).toEqual(['a', 'b']);
    expect(read.damaged).toEqual([2, 3, 4, 5, 6]);
    expect(journal.unfinished().map((e) => e.id)).toEqual(['a', 'b']);
    expect(formatJournal(read.entries, read.damaged)).toContain('line(s) 2, 3, 4, 5, 6 of the journal are not entries');
  });
});

describe('a journal written by an earlier version', () => {
  it('reads an end whose error number is a driver code (ECANCEL) as an entry without a number', () => {
    const file = path.join(dir, 'legacy.jsonl');
    writeFileSync(file, `${JSON.stringify({ ...entry('a', 'end'), outcome: 'cancelled', error: { number: 'ECANCEL', message: 'Msg ECANCEL: Canceled.' } })}\n`);
    const read = new Journal(file).read();
    expect(read.damaged).toEqual([]);
    expect(read.entries[0]?.error).toEqual({ number: null, message: 'Msg ECANCEL: Canceled.' });
  });
});

describe('a journal on a disk that fills', () => {
  it('writes an entry whole across short writes', () => {
    const file = path.join(dir, 'short.jsonl');
    // The disk takes 7 bytes per call: the entry still arrives whole.
    disk.perWrite = 7;
    new Journal(file).append(entry('a'));
    expect(disk.writes).toBeGreaterThan(10);
    expect(new Journal(file).read()).toEqual({ entries: [entry('a')], damaged: [] });
  });

  it('throws when it cannot write (so the statement is not sent), and the next entry starts a line of its own', () => {
    const file = path.join(dir, 'full.jsonl');
    writeFileSync(file, '');
    const journal = new Journal(file);
    // One byte goes down (`{`), then the disk is full.
    Object.assign(disk, { perWrite: 1, fullAfter: 1 });
    expect(() => journal.append(entry('a'))).toThrow(/ENOSPC/);
    Object.assign(disk, { perWrite: Number.POSITIVE_INFINITY, fullAfter: Number.POSITIVE_INFINITY });
    journal.append(entry('b'));
    const read = journal.read();
    expect(read.entries.map((e) => e.id)).toEqual(['b']);
    expect(read.damaged).toEqual([1]);
  });
});
