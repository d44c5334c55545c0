import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import type { BackupSet } from '../domain/history.js';
import { formatDuration, durations } from '../domain/time.js';

/** The values every report shows for a database, in words; one place so formats agree. */
export function ageOf(backup: BackupSet | null, now: number): string {
  return backup ? formatDuration(Math.max(0, now - backup.finish)) : '-';
}

export function exposureText(d: DatabaseSnapshot): string {
  return d.assessment.exposureMs === null ? '-' : formatDuration(Math.max(0, d.assessment.exposureMs));
}

export function rpoText(d: DatabaseSnapshot): string {
  return formatDuration(d.targets.rpoMinutes * durations.MINUTE);
}

