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

