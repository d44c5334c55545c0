import type { InstanceConfig } from '../config/schema.js';
import type { DatabaseState } from '../domain/database.js';
import type { BackupSet } from '../domain/history.js';
import type { IncompleteBackup } from '../domain/findings.js';
import type { PollResult } from '../sql/poll.js';
import { toBackupSets, toDatabaseStates, type FileRow, type ServerRow } from '../sql/rows.js';

const DAY = 86_400_000;

/** The server's clock as an instant: its wall clock less its offset from UTC, both read in the same query. */
function serverTimeOf(server: ServerRow): number {
  return server.local_now - server.utc_offset_minutes * 60_000;
}
/** Files and volumes change rarely: re-read them this often, or when a database appears. */
const FILES_REFRESH_MS = 30 * 60_000;

/**
 * What rpotop knows of one instance between polls: the last server facts and database states, and the
 * backup history accumulated incrementally (rows past the highest backup_set_id seen), kept to a window
 * so memory does not grow with msdb.
 */
export class InstanceTracker {
  sinceId = 0;
  server: ServerRow | null = null;
  databases: DatabaseState[] = [];
  private rows = new Map<number, BackupSet>();
  /** Backup sets msdb holds without what a chain needs, by id: reported, never chained. */
  private readonly incomplete = new Map<number, IncompleteBackup>();
  private files: FileRow[] | null = null;
  /** When files were last read: what derived data keyed on files compares. */
  filesAt = 0;
  private byDatabase: Map<string, BackupSet[]> | null = null;
  lastSuccessAt: number | null = null;
  lastAttemptAt: number | null = null;
  lastError: string | null = null;
  failures = 0;
  nextDueAt = 0;
  lastPollMs: number | null = null;
  lastPollRows = 0;
  /** Incremented on every change, so snapshots are rebuilt only when something changed. */
  version = 0;

  constructor(
    readonly config: InstanceConfig,
    private readonly windowDays: number,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** Server time (UTC ms) when the last successful poll read the state. */
  get serverNowAtPoll(): number | null {
    return this.server ? serverTimeOf(this.server) : null;
  }

  /** Whether the next poll should read files: never read, due for a refresh, or a database without them. */
  wantsFiles(now: number): boolean {
    if (this.files === null || now - this.filesAt > FILES_REFRESH_MS) return true;
    const covered = new Set(this.files.map((f) => f.database_id));
    return this.databases.some((d) => !covered.has(d.databaseId));
  }

  apply(result: PollResult, at: number, pollMs: number, withFiles: boolean): void {
    if (withFiles) {
      this.files = result.files;
      this.filesAt = at;
    }
    const server = result.server;
    // msdb restored or recreated under us: ids went backwards, start over.
    if (server.msdb_max_backup_set_id !== null && server.msdb_max_backup_set_id < this.sinceId) {
      this.rows.clear();
      this.incomplete.clear();
      this.sinceId = 0;
    }
    const { sets: incoming, incomplete } = toBackupSets(result.history, this.name, server.utc_offset_minutes);
    for (const b of incomplete) {
      this.incomplete.set(b.backupSetId, b);
      if (b.backupSetId > this.sinceId) this.sinceId = b.backupSetId;
    }
    const rowsBefore = this.rows.size;
    let changed = incoming.length > 0;
    for (const b of incoming) {
      this.rows.set(b.backupSetId, b);
      if (b.backupSetId > this.sinceId) this.sinceId = b.backupSetId;
    }
    const previous = new Map(this.databases.map((d) => [d.name, d.databaseGuid]));
    this.databases = toDatabaseStates(this.name, result.databases, this.files ?? []);
    for (const db of this.databases) {
      const before = previous.get(db.name);
      // Restored or recreated under the same name: the old incarnation's history no longer applies.
      if (before && db.databaseGuid && before.toLowerCase() !== db.databaseGuid.toLowerCase()) {
        for (const [id, b] of this.rows) {
          if (b.databaseName === db.name && b.databaseGuid.toLowerCase() !== db.databaseGuid.toLowerCase()) {
            this.rows.delete(id);
            changed = true;
          }
        }
      }
    }
    this.prune(server.msdb_min_backup_set_id, serverTimeOf(server));
    this.server = server;
    // Per-database history arrays keep their identity until rows change: derived data is cached on them.
    if (changed || this.rows.size !== rowsBefore + incoming.length) this.byDatabase = null;
    this.lastSuccessAt = at;
    this.lastAttemptAt = at;
    this.lastError = null;
    this.failures = 0;
    this.lastPollMs = pollMs;
    this.lastPollRows = result.history.length + result.databases.length + result.files.length + 1;
    this.version++;
  }

  fail(error: string, at: number): void {
    this.lastAttemptAt = at;
    this.lastError = error;
    this.failures++;
    this.version++;
  }

  /**
   * Keeps what a restore chain can need: the window's rows and everything from each database's newest
   * full on; drops what msdb purged.
   */
  private prune(msdbMin: number | null, now: number): void {
    const newestFull = new Map<string, number>();
    for (const b of this.rows.values()) {
      if (b.type === 'D') newestFull.set(b.databaseName, Math.max(newestFull.get(b.databaseName) ?? 0, b.backupSetId));
    }
    const since = now - this.windowDays * DAY;
    for (const [id, b] of this.rows) {
      const purged = msdbMin !== null && id < msdbMin;
      const old = b.finish < since && id < (newestFull.get(b.databaseName) ?? Infinity);
      if (purged || old) this.rows.delete(id);
    }
  }

  /**
   * A database's rows, the same array until its rows change (derived data is cached on its identity):
   * a database without rows gets its own empty array too, kept like the others.
   */
  historyOf(database: string): readonly BackupSet[] {
    if (!this.byDatabase) {
      this.byDatabase = new Map();
      for (const b of this.rows.values()) {
        const list = this.byDatabase.get(b.databaseName);
        if (list) list.push(b);
        else this.byDatabase.set(b.databaseName, [b]);
      }
    }
    let list = this.byDatabase.get(database);
    if (!list) this.byDatabase.set(database, (list = []));
    return list;
  }

  /** The backup sets of a database that msdb recorded without LSNs, dates or type. */
  incompleteOf(database: string): IncompleteBackup[] {
    if (this.incomplete.size === 0) return [];
    return [...this.incomplete.values()].filter((b) => b.databaseName === database);
  }

  get rowCount(): number {
    return this.rows.size;
  }
}
