import { describe, expect, it } from 'vitest';
import { buildRestorePlan } from '../../src/actions/plan.js';
import { planRequestFrom } from '../../src/actions/restore-request.js';
import { offsetAround } from '../../src/domain/history.js';
import { parseWallClock } from '../../src/domain/time.js';
import type { DatabaseSnapshot } from '../../src/fleet/snapshot.js';
import { defaultRestoreForm } from '../../src/ui/actions-port.js';
import { HistoryBuilder } from '../domain/history-builder.js';

/**
 * A server in Central Europe: UTC+2 until 2026-10-25 01:00 UTC, UTC+1 after. msdb records each backup's
 * offset (time_zone); a point in time typed for a day before the change must use that day's offset.
 */
const CHANGE = Date.UTC(2026, 9, 25, 1, 0);
const h = new HistoryBuilder(Date.UTC(2026, 9, 19, 0, 0));
h.full();
while (h.now < Date.UTC(2026, 9, 22, 8, 0)) h.log({ after: 60 });
// A full finishing 08:30 UTC (10:30 on the server's clock that day).
const second = h.full({ after: 30 });
while (h.now < Date.UTC(2026, 9, 27, 0, 0)) h.log({ after: 60 });
for (const b of h.rows) b.utcOffsetMinutes = b.finish < CHANGE ? 120 : 60;
const db = { key: 'SQL01/Sales', instance: 'SQL01', name: 'Sales', state: h.state(), history: h.rows, assessment: { lastLog: h.rows.at(-1), lastFull: second, chain: null } } as unknown as DatabaseSnapshot;
const now = Date.UTC(2026, 10, 27, 9, 0);
const ctx = { db, neighbours: [], offsetMinutes: 60, serverLocalNow: now + 60 * 60_000, files: async () => [] };

describe('a point in time before a daylight-saving change', () => {
  it('reads the offset in force then from the backups msdb recorded around it', () => {
    expect(offsetAround(h.rows, Date.UTC(2026, 9, 22, 8, 0), 60)).toBe(120);
    expect(offsetAround(h.rows, Date.UTC(2026, 9, 26, 8, 0), 60)).toBe(60);
    expect(offsetAround([], Date.UTC(2026, 9, 22, 8, 0), 60)).toBe(60);
  });

  it('is converted with that day\'s offset: the chain ends before it and STOPAT shows what was typed', async () => {
    const req = await planRequestFrom({ ...defaultRestoreForm, stopAt: '2026-10-22 10:20:00', tailFirst: false }, ctx);
    if ('refused' in req) throw new Error(req.refused);
    // 10:20 at UTC+2 is 08:20 UTC; today's UTC+1 would make it 09:20, past the full that finished at 08:30.
    expect(req.target).toEqual({ kind: 'pointInTime', at: Date.UTC(2026, 9, 22, 8, 20) });
    const plan = buildRestorePlan(db, req, now, 60);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.chain.full.backupSetId).not.toBe(second.backupSetId);
    const stopat = plan.steps.flatMap((s) => s.params).find((p) => p.name === '@stopat');
    expect(stopat?.value).toBe(parseWallClock('2026-10-22 10:20:00'));
  });
});
