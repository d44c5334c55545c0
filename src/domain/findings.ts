import { describeBackup, typeNames, wentToNul, type BackupSet } from './history.js';
import type { DatabaseState } from './database.js';
import type { RtoEstimate } from './rto.js';
import { volumeOf } from './volume.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface Finding {
  code:
    | 'backup-to-nul'
    | 'copy-only-only'
    | 'no-checksum'
    | 'damaged-backup'
    | 'data-log-same-volume'
    | 'backup-on-data-volume'
    | 'snapshot-backup'
    | 'bulk-logged-log'
    | 'rto-exceeded'
    | 'cleartext-link'
    | 'missing-permission'
    | 'incomplete-history'
    | 'never-drilled'
    | 'drill-stale'
    | 'drill-failed'
    | 'drill-slow'
    | 'backup-job'
    | 'agent-stopped';
  severity: Severity;
  text: string;
}

function newestOfEach(history: readonly BackupSet[]): BackupSet[] {
  const newest = new Map<string, BackupSet>();
  for (const b of history) {
    const current = newest.get(b.type);
    if (!current || b.finish > current.finish) newest.set(b.type, b);
  }
  return [...newest.values()];
}

/**
 * Risks beyond the RPO figure, each with what an operator should do about it. Only the history window
 * passed in is judged, so an old NUL backup that a newer full made harmless still reads as a warning.
 */
export function findings(db: DatabaseState, history: readonly BackupSet[]): Finding[] {
  const out: Finding[] = [];
  const mountPoints = db.files.map((f) => f.volumeMountPoint).filter((m): m is string => m !== null);
  const volume = (path: string) => volumeOf(path, mountPoints);

  for (const b of history.filter(wentToNul)) {
    out.push({
      code: 'backup-to-nul',
      severity: b.type === 'L' ? 'critical' : 'warning',
      text:
        b.type === 'L'
          ? `${describeBackup(b)} went to NUL: the log it truncated is gone and the chain is broken until the next full or differential`
          : `${describeBackup(b)} went to NUL: it is recorded but cannot be restored`,
    });
  }
  for (const b of history.filter((h) => h.isDamaged)) {
    out.push({ code: 'damaged-backup', severity: 'warning', text: `${describeBackup(b)} is marked damaged and is left out of restores` });
  }
  const fulls = history.filter((b) => b.type === 'D');
  if (fulls.length > 0 && fulls.every((b) => b.isCopyOnly)) {
    out.push({
      code: 'copy-only-only',
      severity: 'warning',
      text: 'only copy-only full backups: no differential can be based on them; schedule a regular full',
    });
  }
  for (const b of newestOfEach(history).filter((h) => !h.hasBackupChecksums && !wentToNul(h))) {
    out.push({
      code: 'no-checksum',
      severity: 'info',
      text: `newest ${typeNames[b.type]} backup was taken without CHECKSUM: corruption would surface only at restore`,
    });
  }
  const snapshots = history.filter((b) => b.isSnapshot);
  if (snapshots.length > 0) {
    out.push({
      code: 'snapshot-backup',
      severity: 'warning',
      text: `${snapshots.length} backup(s) are VSS snapshots (e.g. ${describeBackup(snapshots[0]!)}): counted as backups, but restored only with the snapshot tool, not T-SQL`,
    });
  }
  const bulk = history.filter((b) => b.type === 'L' && b.hasBulkLoggedData);
  if (bulk.length > 0) {
    out.push({
      code: 'bulk-logged-log',
      severity: 'info',
      text: `${bulk.length} log backup(s) hold bulk-logged operations: no point-in-time restore inside them`,
    });
  }

  const dataVolumes = new Set(db.files.filter((f) => f.type === 'ROWS').map((f) => volume(f.physicalName)));
  const logVolumes = new Set(db.files.filter((f) => f.type === 'LOG').map((f) => volume(f.physicalName)));
  const shared = [...dataVolumes].filter((v) => logVolumes.has(v));
  if (shared.length > 0) {
    out.push({
      code: 'data-log-same-volume',
      severity: 'warning',
      text: `data and log files share volume ${shared.join(', ')}: losing it loses both, and with them the tail of the log`,
    });
  }
  const onData = new Set<string>();
  for (const b of history) {
    for (const m of b.media) {
      if (m.deviceType !== null && m.deviceType !== 2) continue;
      const v = volume(m.physicalDeviceName);
      if (!wentToNul(b) && dataVolumes.has(v)) onData.add(v);
    }
  }
  if (onData.size > 0) {
    out.push({
      code: 'backup-on-data-volume',
      severity: 'warning',
      text: `backup files are written to the data volume ${[...onData].join(', ')}: one failure takes the database and its backups`,
    });
  }
  return out;
}

/** A restore that would take longer than the RTO is a risk the RPO figure does not show. */
export function rtoFinding(estimate: RtoEstimate, rtoMinutes: number): Finding | null {
  if (estimate.seconds <= rtoMinutes * 60) return null;
  return {
    code: 'rto-exceeded',
    severity: 'warning',
    text: `estimated restore time ${Math.ceil(estimate.seconds / 60)} min exceeds the RTO of ${rtoMinutes} min (${estimate.basis})`,
  };
}

/** A backup set msdb recorded without what a restore chain needs (documented nullable columns). */
export interface IncompleteBackup {
  backupSetId: number;
  databaseName: string;
  /** msdb's names of the NULL columns. */
  missing: string[];
}

/** One finding for a database's incomplete backup sets: they are left out of its chain, never a failed poll. */
export function incompleteHistoryFinding(incomplete: readonly IncompleteBackup[]): Finding | null {
  if (incomplete.length === 0) return null;
  const missing = [...new Set(incomplete.flatMap((b) => b.missing))].join(', ');
  const ids = incomplete.slice(0, 5).map((b) => `#${b.backupSetId}`).join(', ');
  return {
    code: 'incomplete-history',
    severity: 'warning',
    text: `${incomplete.length} backup set(s) in msdb have no ${missing} (${ids}${incomplete.length > 5 ? ', ...' : ''}): left out of the restore chain`,
  };
}
