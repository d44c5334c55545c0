import type { RestoreChain } from './chain.js';
import { typeNames, type BackupSet } from './history.js';
import { backupsStoodFor } from './log-runs.js';

/** One measured transfer: a past restore (a drill's), or failing that a backup of the same data. */
export interface ThroughputSample {
  kind: 'restore' | 'backup';
  bytes: number;
  seconds: number;
  /** A restore's: when it was measured and where, for the estimate's basis. */
  measured?: { at: string; on: string };
}

export interface RtoStep {
  backup: BackupSet;
  seconds: number;
}

export interface RtoEstimate {
  seconds: number;
  steps: RtoStep[];
  /** Bytes per second the estimate used. */
  throughput: number;
  /** How the throughput was obtained, in words, because an estimate without its basis misleads. */
  basis: string;
}

/** When nothing was measured: a conservative figure for one disk-to-disk restore stream. */
export const DEFAULT_THROUGHPUT = 100 * 1024 * 1024;
/** Restoring is slower than backing up (data files are written and, without instant file initialisation, zeroed). */
export const BACKUP_TO_RESTORE_FACTOR = 0.5;
/** Per-statement overhead: opening media, file creation, the recovery pass. */
export const STEP_OVERHEAD_SECONDS = 5;

/**
 * Bytes over seconds across all samples, not a median of per-backup rates: a small log backup's fixed
 * overhead says little about how fast a full streams, and the bytes of a restore are mostly fulls.
 */
function aggregate(samples: readonly ThroughputSample[], kind: ThroughputSample['kind']): { rate: number; count: number } {
  const valid = samples.filter((s) => s.kind === kind && s.seconds > 0 && s.bytes > 0);
  const bytes = valid.reduce((n, s) => n + s.bytes, 0);
  const seconds = valid.reduce((n, s) => n + s.seconds, 0);
  return { rate: valid.length ? bytes / seconds : 0, count: valid.length };
}

const MB = 1024 * 1024;

/**
 * Estimates the time to restore a chain: each backup's uncompressed size over the measured throughput,
 * plus a fixed overhead per statement. Past restores are the best evidence; backup throughput, halved,
 * is the fallback; a fixed default is the last resort, and the basis says which.
 */
export function estimateRto(chain: RestoreChain, samples: readonly ThroughputSample[]): RtoEstimate {
  const restores = aggregate(samples, 'restore');
  const backups = aggregate(samples, 'backup');
  let throughput: number;
  let basis: string;
  if (restores.count > 0) {
    throughput = restores.rate;
    const newest = samples.filter((s) => s.kind === 'restore' && s.measured).sort((a, b) => (a.measured!.at < b.measured!.at ? 1 : -1))[0]?.measured;
    basis = newest
      ? `measured by drill on ${newest.at.slice(0, 10)} (${newest.on}${restores.count > 1 ? `, ${restores.count} drills` : ''}), ${Math.round(throughput / MB)} MB/s`
      : `${restores.count} past restore(s) on this instance, ${Math.round(throughput / MB)} MB/s`;
  } else if (backups.count > 0) {
    throughput = backups.rate * BACKUP_TO_RESTORE_FACTOR;
    basis =
      `no restore measured; ${BACKUP_TO_RESTORE_FACTOR}x the throughput of ${backups.count} backup(s), ` +
      `${Math.round(throughput / MB)} MB/s`;
  } else {
    throughput = DEFAULT_THROUGHPUT;
    basis = `nothing measured; assumed ${Math.round(throughput / MB)} MB/s`;
  }
  const pieces = [chain.full, ...(chain.diff ? [chain.diff] : []), ...chain.logs];
  // A held log standing for a run of logs (log-runs.ts) is restored as those logs are: one statement each.
  const statements = (b: BackupSet) => backupsStoodFor([b]);
  const steps = pieces.map((backup) => ({
    backup,
    seconds: (backup.backupSize + (backup.run?.bytes ?? 0)) / throughput + statements(backup) * STEP_OVERHEAD_SECONDS,
  }));
  const seconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  const counts = `${backupsStoodFor(pieces)} restore statement(s): ${pieces
    .map((p) => typeNames[p.type])
    .filter((t, i, all) => all.indexOf(t) === i)
    .join(', ')}`;
  return { seconds, steps, throughput, basis: `${basis}; ${counts}, ${STEP_OVERHEAD_SECONDS} s overhead each` };
}
