import type { RestoreChain } from '../domain/chain.js';
import { unusableReason, type BackupSet } from '../domain/history.js';

export type Mark = 'full' | 'diff' | 'log' | 'gap' | 'bad' | 'none';

export interface TimelineCell {
  mark: Mark;
  char: string;
}

const CHARS: Record<Mark, string> = { full: 'F', diff: 'D', log: '│', gap: '!', bad: 'x', none: '·' };
const RANK: Record<Mark, number> = { bad: 5, gap: 4, full: 3, diff: 2, log: 1, none: 0 };

/**
 * A database's backups on a time axis over the last `days`, one cell per width-th of it: F full, D
 * differential, │ log, x unusable (NUL, damaged, missing stripes), and ! across a break in the log chain,
 * from the last continuous log to the next log, so the gap is visible.
 */
export function timeline(history: readonly BackupSet[], chain: RestoreChain | null, now: number, days: number, width: number): TimelineCell[] {
  const span = days * 86_400_000;
  const start = now - span;
  const cells: Mark[] = Array.from({ length: width }, () => 'none');
  const slot = (t: number) => Math.min(width - 1, Math.floor(((t - start) / span) * width));
  const put = (i: number, mark: Mark) => {
    if (i >= 0 && i < width && RANK[mark] > RANK[cells[i]!]) cells[i] = mark;
  };
  const gap = chain?.brokenAfter;
  if (gap) {
    const from = Math.max(start, gap.before.finish);
    const to = gap.after ? gap.after.finish : now;
    // Between the two backups, not on them: their own marks stay visible at either end.
    for (let i = slot(from) + 1; i < slot(to); i++) put(i, 'gap');
  }
  for (const b of history) {
    if (b.finish < start) continue;
    const mark: Mark = unusableReason(b) ? 'bad' : b.type === 'D' ? 'full' : b.type === 'I' ? 'diff' : b.type === 'L' ? 'log' : 'none';
    put(slot(b.finish), mark);
  }
  return cells.map((mark) => ({ mark, char: CHARS[mark] }));
}
