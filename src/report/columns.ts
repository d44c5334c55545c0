import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import type { BackupSet } from '../domain/history.js';
import { formatDuration, durations } from '../domain/time.js';
import { exposureWords } from '../domain/status.js';

/** The values every report shows for a database, in words; one place so formats agree. */
export function ageOf(backup: BackupSet | null, now: number): string {
  return backup ? formatDuration(Math.max(0, now - backup.finish)) : '-';
}

export function exposureText(d: DatabaseSnapshot): string {
  return exposureWords(d.assessment);
}

export function rpoText(d: DatabaseSnapshot): string {
  return formatDuration(d.targets.rpoMinutes * durations.MINUTE);
}

/** One database's status and facts in a few lines, for the clipboard and a chat. */
export function databaseFacts(d: DatabaseSnapshot, now: number): string {
  const a = d.assessment;
  return [
    `${d.instance} / ${d.name}: ${a.status} (${a.reason})`,
    `exposure ${exposureText(d)} / RPO ${rpoText(d)}; last full ${ageOf(a.lastFull, now)}, differential ${ageOf(a.lastDiff, now)}, log ${ageOf(a.lastLog, now)} ago`,
    `recovery ${d.state.recoveryModel}, ${d.state.state}${a.chain ? `, restorable to ${new Date(a.chain.restorableTo).toISOString().slice(0, 19).replace('T', ' ')} UTC` : ''}${d.rto ? `, estimated restore ${formatDuration(d.rto.seconds * 1000)}` : ''}`,
    ...d.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}: ${f.text}`),
  ].join('\n');
}

