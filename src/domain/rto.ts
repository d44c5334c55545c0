import type { RestoreChain } from './chain.js';
import { typeNames, type BackupSet } from './history.js';

/** One measured transfer: a past restore (restorehistory) or, failing that, a backup of the same data. */
export interface ThroughputSample {
  kind: 'restore' | 'backup';
  bytes: number;
  seconds: number;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rates(samples: readonly ThroughputSample[], kind: ThroughputSample['kind']): number[] {
  return samples.filter((s) => s.kind === kind && s.seconds > 0 && s.bytes > 0).map((s) => s.bytes / s.seconds);
}

const MB = 1024 * 1024;

/**
 * Estimates the time to restore a chain: each backup's uncompressed size over the median measured
 * throughput, plus a fixed overhead per statement. Past restores are the best evidence; backup
 * throughput, halved, is the fallback; a fixed default is the last resort, and the basis says which.
 */
export function estimateRto(chain: RestoreChain, samples: readonly ThroughputSample[]): RtoEstimate {
  const restoreRates = rates(samples, 'restore');
  const backupRates = rates(samples, 'backup');
  let throughput: number;
  let basis: string;
  if (restoreRates.length > 0) {
    throughput = median(restoreRates);
    basis = `median of ${restoreRates.length} past restore(s) on this instance, ${Math.round(throughput / MB)} MB/s`;
  } else if (backupRates.length > 0) {
    throughput = median(backupRates) * BACKUP_TO_RESTORE_FACTOR;
    basis =
      `no restore measured; ${BACKUP_TO_RESTORE_FACTOR}x the median backup throughput of ${backupRates.length} backup(s), ` +
      `${Math.round(throughput / MB)} MB/s`;
  } else {
    throughput = DEFAULT_THROUGHPUT;
    basis = `nothing measured; assumed ${Math.round(throughput / MB)} MB/s`;
  }
  const pieces = [chain.full, ...(chain.diff ? [chain.diff] : []), ...chain.logs];
  const steps = pieces.map((backup) => ({
    backup,
    seconds: backup.backupSize / throughput + STEP_OVERHEAD_SECONDS,
  }));
  const seconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  const counts = `${pieces.length} restore statement(s): ${pieces
    .map((p) => typeNames[p.type])
    .filter((t, i, all) => all.indexOf(t) === i)
    .join(', ')}`;
  return { seconds, steps, throughput, basis: `${basis}; ${counts}, ${STEP_OVERHEAD_SECONDS} s overhead each` };
}
