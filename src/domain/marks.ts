import type { RestoreChain } from './chain.js';
import { logStart } from './history.js';

/**
 * A marked transaction (BEGIN TRANSACTION name WITH MARK), as msdb.dbo.logmarkhistory records it: the
 * Backup BizTalk Server job marks all its databases with one name before each log backup, so that they
 * can be restored to the same transaction (STOPATMARK).
 */
export interface LogMark {
  name: string;
  description: string | null;
  lsn: bigint;
  /** Commit time (UTC ms), converted from the server's wall clock. */
  time: number;
}

/**
 * The log of a chain that holds a mark (first_lsn <= lsn < last_lsn), or null: the chain cannot stop there.
 * A held log standing for others holds what they hold.
 */
export function logHolding(chain: Pick<RestoreChain, 'full' | 'diff' | 'logs'>, mark: Pick<LogMark, 'lsn'>) {
  const base = chain.diff ?? chain.full;
  if (mark.lsn < base.lastLsn) return null;
  return chain.logs.find((l) => logStart(l) <= mark.lsn && mark.lsn < l.lastLsn) ?? null;
}

/**
 * The newest mark every member can be restored to: present by name in each member's marks and held by a log
 * of that member's chain to the latest point. Null when no mark is common to all.
 */
export function newestCommonMark(members: readonly { marks: readonly LogMark[]; chain: Pick<RestoreChain, 'full' | 'diff' | 'logs'> }[]): { name: string; byMember: LogMark[] } | null {
  if (members.length === 0) return null;
  const reachable = members.map((m) => new Map(m.marks.filter((mark) => logHolding(m.chain, mark)).map((mark) => [mark.name, mark])));
  let best: { name: string; byMember: LogMark[] } | null = null;
  for (const [name, mark] of reachable[0]!) {
    const all = reachable.map((r) => r.get(name));
    if (all.some((m) => m === undefined)) continue;
    if (!best || mark.time > best.byMember[0]!.time) best = { name, byMember: all as LogMark[] };
  }
  return best;
}
