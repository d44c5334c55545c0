import type { JournalEntry } from '../actions/journal.js';
import { formatDuration } from '../domain/time.js';

/** The journal for people: one line per statement, its outcome and SQL Server's last word. */
export function formatJournal(entries: readonly JournalEntry[], damaged: readonly number[]): string {
  const ended = new Map(entries.filter((e) => e.event === 'end').map((e) => [e.id, e]));
  const lines: string[] = [];
  for (const e of entries) {
    if (e.event === 'end') continue;
    const end = ended.get(e.id);
    const when = e.at.slice(0, 19).replace('T', ' ');
    if (e.event === 'plan' || e.event === 'plan-closed') {
      lines.push(`${when} UTC  ${e.who.user}@${e.who.host}  PLAN ${e.planId}: ${e.event === 'plan' ? `${e.sql} (${e.steps?.length ?? 0} steps)` : `closed, ${e.reason ?? ''}`}`);
      continue;
    }
    const what = `${e.instance}/${e.database} ${e.kind}${e.planId ? ` (plan ${e.planId} step ${e.step})` : ''}`;
    const result =
      e.event === 'skipped'
        ? `SKIPPED by the operator: ${e.reason ?? ''}`
        : e.event === 'refused'
        ? `REFUSED: ${e.reason ?? ''}`
        : end
          ? `${end.outcome?.toUpperCase()} in ${formatDuration(end.durationMs ?? 0)}${end.error ? `: ${end.error.message}` : ''}`
          : 'DID NOT FINISH (the process or the link ended while it ran)';
    lines.push(`${when} UTC  ${e.who.user}@${e.who.host}  ${what}  ${result}`);
    lines.push(...e.sql.split('\n').map((l) => `    ${l}`));
  }
  if (damaged.length) lines.push(`(line(s) ${damaged.join(', ')} of the journal are incomplete: written when the process stopped)`);
  return lines.length ? lines.join('\n') : 'the journal is empty: no statement has been run';
}
