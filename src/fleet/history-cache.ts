import type { BackupSet } from '../domain/history.js';

/**
 * Whole histories read on demand (a detail view, a restore plan), for a few databases and a few minutes:
 * reopening a database does not read msdb again, and memory holds a bounded number of histories however
 * many are opened. A read that fails is not kept, so the next asks again.
 */
export class HistoryCache {
  /** In order of use, least recent first. */
  private readonly entries = new Map<string, { at: number; rows: Promise<readonly BackupSet[]> }>();

  constructor(
    private readonly capacity = 16,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  get(key: string, now: number, read: () => Promise<readonly BackupSet[]>): Promise<readonly BackupSet[]> {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && now - hit.at < this.ttlMs) {
      this.entries.set(key, hit);
      return hit.rows;
    }
    const entry = { at: now, rows: read() };
    this.entries.set(key, entry);
    entry.rows.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return entry.rows;
  }

  /** Drops a database's history, so that the next read asks msdb again. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A loaded history with the rows polls have read since (by backup_set_id: the newer copy wins). A polled
 * log standing for a run of logs (log-runs.ts) is not msdb's row: the loaded history has the logs
 * themselves, and a plan built on the run would name files it does not know.
 */
export function withPolled(loaded: readonly BackupSet[], polled: readonly BackupSet[]): BackupSet[] {
  const byId = new Map<number, BackupSet>();
  for (const b of loaded) byId.set(b.backupSetId, b);
  for (const b of polled) if (!b.run) byId.set(b.backupSetId, b);
  return [...byId.values()].sort((a, b) => a.backupSetId - b.backupSetId);
}
