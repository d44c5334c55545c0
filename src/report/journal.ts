import { visible } from '../domain/visible.js';
import type { JournalEntry } from '../actions/journal.js';
import { formatDuration, formatServerTime, utcOffsetLabel } from '../domain/time.js';

/** Which entries to show: by instance, database, plan, and from a time on (all optional). */
export interface JournalFilter {
  instance?: string;
  database?: string;
  plan?: string;
  /** ISO time (or its start): entries at or after it. */
  since?: string;
}

/** Entries that match the filter; the end of a statement goes with its start, and a plan's entries with the plan. */
export function filterJournal(entries: readonly JournalEntry[], f: JournalFilter): JournalEntry[] {
  const same = (a: string, b: string | undefined) => b === undefined || a.toLowerCase() === b.toLowerCase();
  const since = f.since ? Date.parse(f.since.length === 10 ? `${f.since}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(f.since) ? f.since : `${f.since.replace(' ', 'T')}Z`) : null;
  return entries.filter(
    (e) =>
      same(e.instance, f.instance) &&
      same(e.database, f.database) &&
      (f.plan === undefined || e.planId === f.plan) &&
      (since === null || Date.parse(e.at) >= since),
  );
}

/** SQL Server's errors among a statement's messages, in the order it sent them: the cause first. */
const errorsOf = (messages: readonly string[] | undefined) => (messages ?? []).filter((m) => /^Msg \d+/.test(m));

/**
 * When an entry was written, on the server's clock with its offset as the console's tables show it, then
 * in UTC (one order for a fleet across time zones); UTC alone when the server's offset is not known.
 */
export function journalTime(e: Pick<JournalEntry, 'at' | 'serverOffsetMinutes'>): string {
  const utc = e.at.slice(0, 19).replace('T', ' ');
  if (e.serverOffsetMinutes === undefined || e.serverOffsetMinutes === 0) return `${utc} UTC`;
  const local = formatServerTime(Date.parse(e.at) + e.serverOffsetMinutes * 60_000);
  // The UTC date only where it is not the server's.
  return `${local} ${utcOffsetLabel(e.serverOffsetMinutes)} (${local.slice(0, 10) === utc.slice(0, 10) ? utc.slice(11) : utc} UTC)`;
}

/**
 * The journal for people: one line per statement with its outcome and, for a failure, SQL Server's first
 * error (the cause: 3101 before its 3013), then the script and every error message in order; for a
 * success, SQL Server's last message (what it did).
 */
export function formatJournal(entries: readonly JournalEntry[], damaged: readonly number[]): string {
  const ended = new Map(entries.filter((e) => e.event === 'end').map((e) => [e.id, e]));
  const lines: string[] = [];
  for (const e of entries) {
    if (e.event === 'end') continue;
    const end = ended.get(e.id);
    const when = journalTime(e);
    if (e.event === 'plan' || e.event === 'plan-closed') {
      lines.push(`${when}  ${e.who.user}@${e.who.host}  PLAN ${e.planId}: ${e.event === 'plan' ? `${e.sql} (${e.steps?.length ?? 0} steps${e.reason ? `; changed: ${e.reason}` : ''})` : `closed, ${e.reason ?? ''}`}`);
      continue;
    }
    const what = `${e.instance}/${e.database} ${e.kind}${e.planId ? ` (plan ${e.planId} step ${e.step})` : ''}`;
    const result =
      e.event === 'skipped'
        ? `SKIPPED by the operator: ${e.reason ?? ''}`
        : e.event === 'refused'
        ? `REFUSED: ${e.reason ?? ''}`
        : end
          ? `${end.outcome?.toUpperCase()} in ${formatDuration(end.durationMs ?? 0)}${end.error ? `: ${errorsOf(end.messages)[0] ?? end.error.message}` : ''}`
          : 'DID NOT FINISH (the process or the link ended while it ran)';
    lines.push(`${when}  ${e.who.user}@${e.who.host}  ${what}  ${result}`);
    lines.push(...e.sql.split('\n').map((l) => `    ${l}`));
    if (end?.error) lines.push(...errorsOf(end.messages).map((m) => `    ! ${m}`));
    // A success says what SQL Server said it did ("RESTORE LOG successfully processed 12 pages in 0.1 seconds").
    else if (end?.outcome === 'succeeded' && end.messages?.length) lines.push(`    = ${end.messages.at(-1)!}`);
  }
  if (damaged.length) lines.push(`(line(s) ${damaged.join(', ')} of the journal are not entries: cut short when a process stopped or a disk filled, or edited; skipped)`);
  // Names, scripts and SQL Server's messages are shown escaped: the journal is read in a terminal.
  return lines.length ? lines.map(visible).join('\n') : 'the journal is empty: no statement has been run';
}
