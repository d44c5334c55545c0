import type { InstanceConfig } from '../config/schema.js';
import type { DatabaseState, RestoredBackup } from '../domain/database.js';
import type { BackupSet } from '../domain/history.js';
import type { IncompleteBackup } from '../domain/findings.js';
import type { PollResult } from '../sql/poll.js';
import { heldStatusRows } from '../domain/status-rows.js';
import { toAgentSteps, toBackupSets, toDatabaseStates, toLogMark, toRestoredBackups, toStandbyCopies, type FileRow, type MarkRow, type ServerRow } from '../sql/rows.js';
import { jobsFor, type AgentBackupStep, type DatabaseJob } from '../domain/agent.js';
import type { LogMark } from '../domain/marks.js';

const DAY = 86_400_000;

/** The server's clock as an instant: its wall clock less its offset from UTC, both read in the same query. */
function serverTimeOf(server: ServerRow): number {
  return server.local_now - server.utc_offset_minutes * 60_000;
}
/** Files and volumes change rarely: re-read them this often, or when a database appears. */
const FILES_REFRESH_MS = 30 * 60_000;
/** Marks come with log backups (BizTalk's every 15 minutes by default): read often enough to follow them. */
const MARKS_REFRESH_MS = 5 * 60_000;
const NO_MARKS: readonly LogMark[] = [];

/** The poll's marks per database, their times converted from the server's wall clock at its offset now. */
function toLogMarks(rows: readonly MarkRow[], offsetMinutes: number): Map<string, LogMark[]> {
  const byDatabase = new Map<string, LogMark[]>();
  for (const r of rows) {
    const key = r.database_name.toLowerCase();
    const list = byDatabase.get(key) ?? [];
    list.push(toLogMark(r, offsetMinutes));
    byDatabase.set(key, list);
  }
  for (const list of byDatabase.values()) list.sort((a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0));
  return byDatabase;
}
/** Findings' rows leave the window as time passes: every database's rows are sifted again this often. */
const SIFT_ALL_MS = 10 * 60_000;

/**
 * What rpotop knows of one instance between polls: the last server facts and database states, and per
 * database the backup sets its status reads (src/domain/status-rows.ts), the logs that merely continue
 * the chain folded into the log ending their run, so memory does not grow with msdb. The first poll reads
 * only those; later polls read the rows msdb recorded since (past the highest backup_set_id seen) and the
 * tracker sifts them the same way. An availability group database keeps the
 * window and everything from its newest full on, as its chain runs across the replicas' histories.
 */
export class InstanceTracker {
  sinceId = 0;
  server: ServerRow | null = null;
  databases: DatabaseState[] = [];
  private rows = new Map<number, BackupSet>();
  /** Backup sets msdb holds without what a chain needs, by id: reported, never chained. */
  private readonly incomplete = new Map<number, IncompleteBackup>();
  private files: FileRow[] | null = null;
  /** Marked transactions per database (lower-case name), read every MARKS_REFRESH_MS. */
  private marks: Map<string, LogMark[]> | null = null;
  private marksAt = 0;
  /** Full restores this instance ran in the window (restorehistory), read with the marks. */
  restored: readonly RestoredBackup[] = [];
  /**
   * SQL Agent's backup steps, read with the files; null until read, or when the login may not read Agent's
   * tables (capabilities.readAgent false): then nothing is said about jobs.
   */
  agentSteps: readonly AgentBackupStep[] | null = null;
  /** Each database's Agent jobs (by lower-case name), worked out once per read of Agent's tables, not per snapshot. */
  private jobsByDatabase = new Map<string, DatabaseJob[]>();
  /** Whether the login may read Agent's tables, as the last poll's probe found; null before one. */
  agentReadable: boolean | null = null;
  /** SQL Server Agent's service state (sys.dm_server_services), read with the files; null when not read. */
  agentService: { running: boolean; status: string } | null = null;
  /** When files were last read: what derived data keyed on files compares. */
  filesAt = 0;
  private byDatabase: Map<string, BackupSet[]> | null = null;
  private siftedAllAt = 0;
  lastSuccessAt: number | null = null;
  lastAttemptAt: number | null = null;
  lastError: string | null = null;
  failures = 0;
  /** Every failed poll since the poller started (failures counts those in a row). */
  failedPolls = 0;
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

  /** Whether the next poll should read marked transactions: never read, or due for a refresh. */
  wantsMarks(now: number): boolean {
    return this.marks === null || now - this.marksAt > MARKS_REFRESH_MS;
  }

  /** A database's marked transactions of the last day (logmarkhistory), oldest first; empty before they are read. */
  marksOf(database: string): readonly LogMark[] {
    return this.marks?.get(database.toLowerCase()) ?? NO_MARKS;
  }

  /** Whether the next poll should read files: never read, due for a refresh, or a database without them. */
  wantsFiles(now: number): boolean {
    if (this.files === null || now - this.filesAt > FILES_REFRESH_MS) return true;
    const covered = new Set(this.files.map((f) => f.database_id));
    return this.databases.some((d) => !covered.has(d.databaseId));
  }

  /** The Agent jobs that back a database up; null when Agent's tables were not read. */
  jobsOf(database: string): DatabaseJob[] | null {
    if (!this.agentSteps) return null;
    const key = database.toLowerCase();
    let jobs = this.jobsByDatabase.get(key);
    if (!jobs) this.jobsByDatabase.set(key, (jobs = jobsFor(database, this.agentSteps)));
    return jobs;
  }

  apply(result: PollResult, at: number, pollMs: number, withFiles: boolean, withMarks = false): void {
    const server = result.server;
    if (withFiles) {
      this.files = result.files;
      this.filesAt = at;
      this.agentSteps = result.capabilities.readAgent ? toAgentSteps(result.agentJobs, server.utc_offset_minutes) : null;
      this.jobsByDatabase = new Map();
      this.agentReadable = result.capabilities.readAgent;
      this.agentService = result.agentService ? { running: result.agentService.status === 4, status: result.agentService.status_desc } : null;
    }
    if (withMarks) {
      this.marks = toLogMarks(result.marks, server.utc_offset_minutes);
      this.restored = toRestoredBackups(this.name, result.restored, server.utc_offset_minutes);
      this.marksAt = at;
    }
    // msdb restored or recreated under us: rows we hold are past its highest id. Start over (the next poll
    // is a first poll). The highest id msdb held may itself have been purged: that is no reset.
    if (server.msdb_max_backup_set_id !== null && server.msdb_max_backup_set_id < this.highestHeld()) {
      this.rows.clear();
      this.incomplete.clear();
      this.byDatabase = null;
      this.sinceId = 0;
    }
    const { sets: incoming, incomplete } = toBackupSets(result.history, this.name, server.utc_offset_minutes);
    // The first poll reads a few rows per database: later polls start past everything msdb held then.
    if (this.sinceId === 0 && server.msdb_max_backup_set_id !== null) this.sinceId = server.msdb_max_backup_set_id;
    for (const b of incomplete) {
      this.incomplete.set(b.backupSetId, b);
      if (b.backupSetId > this.sinceId) this.sinceId = b.backupSetId;
    }
    const touched = new Set<string>();
    for (const b of incoming) {
      this.rows.set(b.backupSetId, b);
      touched.add(b.databaseName.toLowerCase());
      if (b.backupSetId > this.sinceId) this.sinceId = b.backupSetId;
    }
    let changed = incoming.length > 0;
    const previous = new Map(this.databases.map((d) => [d.name, d.databaseGuid]));
    this.databases = toDatabaseStates(this.name, result.databases, this.files ?? [], toStandbyCopies(result.restores, server));
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
    const now = serverTimeOf(server);
    if (this.dropPurged(server.msdb_min_backup_set_id)) changed = true;
    if (changed) this.byDatabase = null;
    const siftAll = at - this.siftedAllAt >= SIFT_ALL_MS;
    if (siftAll) this.siftedAllAt = at;
    if (this.sift(now, siftAll ? null : touched)) this.byDatabase = null;
    this.server = server;
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
    this.failedPolls++;
    this.version++;
  }

  private highestHeld(): number {
    let max = 0;
    for (const id of this.rows.keys()) if (id > max) max = id;
    for (const id of this.incomplete.keys()) if (id > max) max = id;
    return max;
  }

  /** Drops what msdb purged (sp_delete_backuphistory); true when something went. */
  private dropPurged(msdbMin: number | null): boolean {
    if (msdbMin === null) return false;
    let dropped = false;
    for (const id of this.rows.keys()) {
      if (id < msdbMin) {
        this.rows.delete(id);
        dropped = true;
      }
    }
    return dropped;
  }

  /**
   * Keeps, of each database's rows (those named in `only`, or all), what its status reads: heldStatusRows, or
   * for an availability group database the window and everything from its newest full on. True when
   * something went.
   */
  private sift(now: number, only: ReadonlySet<string> | null): boolean {
    const since = now - this.windowDays * DAY;
    const inGroup = new Set(this.databases.filter((d) => d.availabilityGroup).map((d) => d.name.toLowerCase()));
    const states = new Map(this.databases.map((d) => [d.name.toLowerCase(), d]));
    let dropped = false;
    for (const [name, rows] of this.groupedRows()) {
      if (only && !only.has(name)) continue;
      const db = states.get(name);
      const keep = inGroup.has(name) || !db ? windowRows(rows, since) : heldStatusRows(db, rows, since);
      if (keep.length === rows.length) continue;
      const kept = new Set(keep);
      for (const b of rows) if (!kept.has(b)) this.rows.delete(b.backupSetId);
      // A log that now ends a folded run is a new object with the same backup_set_id.
      for (const b of keep) this.rows.set(b.backupSetId, b);
      dropped = true;
    }
    return dropped;
  }

  /** Rows by database (its name in lower case, as SQL Server's default collations compare names), built once per change of the rows. */
  private groupedRows(): Map<string, BackupSet[]> {
    if (!this.byDatabase) {
      this.byDatabase = new Map();
      for (const b of this.rows.values()) {
        const key = b.databaseName.toLowerCase();
        const list = this.byDatabase.get(key);
        if (list) list.push(b);
        else this.byDatabase.set(key, [b]);
      }
    }
    return this.byDatabase;
  }


  /**
   * A database's rows, the same array until its rows change (derived data is cached on its identity):
   * a database without rows gets its own empty array too, kept like the others.
   */
  historyOf(database: string): readonly BackupSet[] {
    const groups = this.groupedRows();
    const key = database.toLowerCase();
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
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

/** The window's rows and everything from the newest full on: what a chain across replicas can need. */
function windowRows(rows: readonly BackupSet[], since: number): BackupSet[] {
  let newestFull = Number.POSITIVE_INFINITY;
  for (const b of rows) if (b.type === 'D' && (newestFull === Number.POSITIVE_INFINITY || b.backupSetId > newestFull)) newestFull = b.backupSetId;
  return rows.filter((b) => b.finish >= since || b.backupSetId >= newestFull);
}
