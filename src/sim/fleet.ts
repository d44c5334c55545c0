import { randomBytes } from 'node:crypto';
import { parseDurationMinutes } from '../config/duration.js';
import { agentRuns, runFails, runHangs, type AgentJob } from './agent.js';
import { backupRefusal, performBackup, type BackupRequest } from './backup-ops.js';
import { fileStamp } from './backup-store.js';
import { SimClock } from './clock.js';
import { SimFailure } from './errors.js';
import type { Faults } from './faults.js';
import { SimDatabase, SimInstance, type BackupSetRow, type SimFile } from './model.js';
import { performRestore } from './restore-ops.js';
import { relativeMs, type Scenario, type ScenarioDatabase, type ScenarioEvent, type ScenarioJob } from './scenario.js';
import { SimServer, type TlsMaterial } from './server.js';

export interface FleetOptions {
  scenario: Scenario;
  /** First port; instances take consecutive ports. 0 (default): any free port each. */
  basePort?: number;
  /** SQL login of every simulated instance. */
  login?: string;
  /** Password of that login; random per fleet unless given. */
  password?: string;
  clock?: SimClock;
  /** Serve TDS 8 strict TLS with this key and certificate. */
  tls?: TlsMaterial;
  /** Bytes per second at which BACKUP/RESTORE statements run over TDS (real time). */
  statementThroughput?: number;
  /** Do not tick the clock in real time (tests advance it by hand). */
  manualClock?: boolean;
}

export interface Endpoint {
  name: string;
  host: string;
  port: number;
  login: string;
  password: string;
}

interface PlannedRun {
  at: number;
  run: () => void;
}

/** Something that runs at times of its own: the fleet runs every due one in time order. */
interface Scheduled {
  /** When it is next due; Infinity when nothing is left. */
  nextAt(): number;
  runNext(): void;
}

/** The jobs and events of one database, run in time order (a database's history is a single timeline). */
class Timeline implements Scheduled {
  private readonly jobs: { job: ScenarioJob; period: number; offset: number; next: number; until: number; inst: SimInstance; agent: AgentJob }[] = [];
  private readonly events: PlannedRun[] = [];

  constructor(
    private readonly fleet: SimFleet,
    private readonly db: SimDatabase,
    private readonly home: SimInstance,
  ) {}

  addJob(job: ScenarioJob, start: number, epoch: number): void {
    const period = parseDurationMinutes(job.every) * 60_000;
    const offset = job.offset ? parseDurationMinutes(job.offset) * 60_000 : 0;
    const from = job.from ? epoch + relativeMs(job.from) : start;
    const first = Math.ceil((Math.max(from, start) - offset) / period) * period + offset;
    const inst = job.on ? this.fleet.instance(job.on) : this.home;
    const until = job.until ? epoch + relativeMs(job.until) : Infinity;
    // SQL Server Agent runs it: its job, schedule and history are read from msdb (sim/agent.ts).
    const kind = job.type.toUpperCase();
    const taken = new Set(inst.agentJobs.map((a) => a.name));
    let name = `${kind} backup - ${this.db.name}`;
    for (let n = 2; taken.has(name); n++) name = `${kind} backup - ${this.db.name} (${n})`;
    const agent: AgentJob = {
      name,
      database: this.db.name,
      type: job.type,
      period,
      first,
      until,
      failsFrom: job.failing ? Number.NEGATIVE_INFINITY : job.failsFrom ? epoch + relativeMs(job.failsFrom) : Number.POSITIVE_INFINITY,
      hangsAt: job.hangsFrom ? Math.max(0, Math.ceil((epoch + relativeMs(job.hangsFrom) - first) / period)) * period + first : Number.POSITIVE_INFINITY,
      agentStopsAt: inst.agentStoppedAt,
      folder: `${job.path ?? `B:\\Backup\\${inst.name.replace(/\\/g, '$')}`}\\${this.db.name}\\${kind}`,
    };
    inst.agentJobs.push(agent);
    this.jobs.push({ job, period, offset, next: first, until, inst, agent });
  }

  addEvent(event: ScenarioEvent, epoch: number): void {
    const inst = event.on ? this.fleet.instance(event.on) : this.home;
    this.events.push({ at: epoch + relativeMs(event.at), run: () => this.fleet.applyEvent(inst, this.db, event, epoch + relativeMs(event.at)) });
    this.events.sort((a, b) => a.at - b.at);
  }

  /** When its next job or event is due; Infinity when nothing is left. */
  nextAt(): number {
    let at = this.events[0]?.at ?? Number.POSITIVE_INFINITY;
    for (const j of this.jobs) if (j.next <= j.until && j.next < at) at = j.next;
    return at;
  }

  /** Runs the job or event due first (an event before a job due at the same instant). */
  runNext(): void {
    let job: (typeof this.jobs)[number] | null = null;
    for (const j of this.jobs) if (j.next <= j.until && (!job || j.next < job.next)) job = j;
    const event = this.events[0];
    if (event && (!job || event.at <= job.next)) {
      this.events.shift();
      event.run();
      return;
    }
    if (!job) return;
    const at = job.next;
    job.next += job.period;
    // A run that fails (Agent's history says why), or one that hangs and the runs after it, write nothing to msdb.
    if (agentRuns(job.agent, at) && !runFails(job.agent, at) && !runHangs(job.agent, at)) this.fleet.runJob(job.inst, this.db, job.job, at);
  }
}

/** The restore job of a log-shipped database on its standby instance. */
class ShippingTimeline implements Scheduled {
  private next: number;

  constructor(
    private readonly fleet: SimFleet,
    private readonly primary: SimInstance,
    private readonly standby: SimInstance,
    private readonly database: string,
    private readonly period: number,
    offset: number,
    start: number,
    private readonly until: number,
  ) {
    this.next = Math.ceil((start - offset) / period) * period + offset;
  }

  nextAt(): number {
    return this.next <= this.until ? this.next : Number.POSITIVE_INFINITY;
  }

  runNext(): void {
    const at = this.next;
    this.next += this.period;
    this.fleet.shipLogs(this.primary, this.standby, this.database, at);
  }
}

/**
 * Items by time; equal times come out in the order they went in. Scheduled history falls on few distinct
 * instants (every database's log backup at each quarter hour): one bucket per instant and a heap of the
 * instants, so taking the next item costs the same with 40 databases or 20,000 (a heap of the items cost
 * log2 of their number for each backup built).
 */
class TimeQueue<T> {
  private readonly buckets = new Map<number, { items: T[]; head: number }>();
  /** The instants that have a bucket, a binary min-heap. */
  private readonly times: number[] = [];

  push(at: number, item: T): void {
    const bucket = this.buckets.get(at);
    if (bucket) {
      bucket.items.push(item);
      return;
    }
    this.buckets.set(at, { items: [item], head: 0 });
    const h = this.times;
    h.push(at);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= h[i]!) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): { at: number; item: T } | undefined {
    const at = this.times[0];
    if (at === undefined) return undefined;
    const bucket = this.buckets.get(at)!;
    const item = bucket.items[bucket.head++]!;
    if (bucket.head === bucket.items.length) {
      this.buckets.delete(at);
      this.popTime();
    }
    return { at, item };
  }

  private popTime(): void {
    const h = this.times;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]! < h[m]!) m = l;
      if (r < h.length && h[r]! < h[m]!) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

const SYSTEM_FULL: ScenarioJob = {
  type: 'full',
  every: '1d',
  offset: '15m',
  copyOnly: false,
  nul: false,
  stripes: 1,
  checksum: true,
  compression: true,
  failing: false,
};


/**
 * A simulated estate: instances built from a scenario, the history of their backup jobs written up to
 * now, and one TDS server per instance. The same code serves `rpotop sim`, `rpotop demo` and the tests.
 */
export class SimFleet {
  readonly clock: SimClock;
  readonly instances = new Map<string, SimInstance>();
  readonly servers = new Map<string, SimServer>();
  readonly login: string;
  readonly password: string;
  private readonly timelines: Scheduled[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(readonly options: FleetOptions) {
    this.clock = options.clock ?? new SimClock();
    this.login = options.login ?? 'rpotop';
    this.password = options.password ?? randomBytes(12).toString('base64url');
    this.build(options.scenario);
    this.clock.onTick((now) => this.runUntil(now));
    this.runUntil(this.clock.now());
  }

  instance(name: string): SimInstance {
    const inst = this.instances.get(name.toLowerCase());
    if (!inst) throw new Error(`no instance ${name} in this fleet`);
    return inst;
  }

  server(name: string): SimServer {
    const server = this.servers.get(name.toLowerCase());
    if (!server) throw new Error(`no server ${name} in this fleet`);
    return server;
  }

  private build(scenario: Scenario): void {
    const epoch = this.clock.now();
    const start = epoch - scenario.historyHours * 3_600_000;
    for (const spec of scenario.instances) {
      const inst = new SimInstance(
        {
          name: spec.name,
          version: spec.version,
          ...(spec.permissions ? { permissions: spec.permissions } : {}),
          timeZoneMinutes: spec.timeZoneMinutes,
          login: this.login,
          password: this.password,
          ...(spec.throughputMBps
            ? { statementThroughput: spec.throughputMBps * 1024 ** 2 }
            : this.options.statementThroughput
              ? { statementThroughput: this.options.statementThroughput }
              : {}),
          ...(spec.defaultDataPath ? { defaultDataPath: spec.defaultDataPath } : {}),
          ...(spec.defaultLogPath ? { defaultLogPath: spec.defaultLogPath } : {}),
        },
        this.clock,
      );
      if (spec.agentStoppedFrom) inst.agentStoppedAt = epoch + relativeMs(spec.agentStoppedFrom);
      this.instances.set(spec.name.toLowerCase(), inst);
      const system: [string, number][] = [['master', 1], ['tempdb', 2], ['model', 3], ['msdb', 4]];
      for (const [name, id] of system) {
        const db = inst.addDatabase(new SimDatabase(name, id, 'SIMPLE', this.files(name, { dataGb: 0.05, logGb: 0.01, dataPath: 'C:\\MSSQL\\Data', logPath: 'C:\\MSSQL\\Data' }), start));
        // System databases get the nightly full every maintenance solution schedules (tempdb cannot be backed up).
        if (name !== 'tempdb') {
          const timeline = new Timeline(this, db, inst);
          timeline.addJob({ ...SYSTEM_FULL }, start, epoch);
          this.timelines.push(timeline);
        }
      }
      for (const dbSpec of spec.databases) this.addDatabase(inst, dbSpec, start, epoch);
      for (const r of spec.registeredServers) inst.registeredServers.push({ ...r, group: r.group.split('/').filter((g) => g !== '') });
    }
    for (const spec of scenario.instances) {
      const reader = this.instance(spec.name);
      for (const name of spec.readsBackupsOf) {
        const writer = this.instance(name);
        if (!reader.sharesStorageWith.includes(writer)) reader.sharesStorageWith.push(writer);
      }
    }
    for (const spec of scenario.instances) {
      const standby = this.instance(spec.name);
      for (const shipping of spec.logShipping) {
        const primary = this.instance(shipping.from);
        // The copy job brings the primary's log backups where the standby reads them.
        if (!standby.sharesStorageWith.includes(primary)) standby.sharesStorageWith.push(primary);
        const period = parseDurationMinutes(shipping.every) * 60_000;
        const offset = parseDurationMinutes(shipping.offset) * 60_000;
        const until = shipping.until ? epoch + relativeMs(shipping.until) : Infinity;
        for (const name of shipping.databases) {
          this.timelines.push(new ShippingTimeline(this, primary, standby, name, period, offset, start, until));
        }
      }
    }
    for (const ag of scenario.availabilityGroups) {
      const primary = this.instance(ag.primary);
      const secondary = this.instance(ag.secondary);
      // Replicas back up to shared storage: each can read the files the other wrote.
      if (!primary.sharesStorageWith.includes(secondary)) primary.sharesStorageWith.push(secondary);
      if (!secondary.sharesStorageWith.includes(primary)) secondary.sharesStorageWith.push(primary);
      for (const dbSpec of ag.databases) {
        const db = this.addDatabase(primary, dbSpec, start, epoch, ag.preferredBackupReplica);
        db.ag = {
          name: ag.name,
          roles: new Map([
            [primary.name, 'PRIMARY'],
            [secondary.name, 'SECONDARY'],
          ]),
          preferredBackupReplica: ag.preferredBackupReplica,
        };
        secondary.addDatabase(db);
      }
    }
  }

  private files(name: string, spec: Pick<ScenarioDatabase, 'dataGb' | 'logGb' | 'dataPath' | 'logPath'>): SimFile[] {
    const volume = (p: string) => (/^[A-Za-z]:\\/.test(p) ? p.slice(0, 3).toUpperCase() : '/');
    const sep = spec.dataPath.includes('\\') ? '\\' : '/';
    return [
      { fileId: 1, type: 'ROWS', logicalName: name, physicalName: `${spec.dataPath}${sep}${name}.mdf`, volume: volume(spec.dataPath), sizeBytes: Math.round(spec.dataGb * 1024 ** 3) },
      { fileId: 2, type: 'LOG', logicalName: `${name}_log`, physicalName: `${spec.logPath}${sep}${name}_log.ldf`, volume: volume(spec.logPath), sizeBytes: Math.round(spec.logGb * 1024 ** 3) },
    ];
  }

  private addDatabase(inst: SimInstance, spec: ScenarioDatabase, start: number, epoch: number, defaultReplica?: string): SimDatabase {
    const db = inst.addDatabase(new SimDatabase(spec.name, inst.nextDatabaseId++, spec.recovery, this.files(spec.name, spec), start));
    db.damagedPages = [...spec.damagedPages];
    const timeline = new Timeline(this, db, inst);
    for (const job of spec.jobs) timeline.addJob(defaultReplica && !job.on ? { ...job, on: defaultReplica } : job, start, epoch);
    for (const event of spec.events) timeline.addEvent(event, epoch);
    this.timelines.push(timeline);
    return db;
  }

  /**
   * Runs every job and event due by `now` in time order across all databases, as SQL Server records
   * backups: backup_set_id grows with completion time on an instance, which incremental polls rely on
   * (a database's whole history, then the next's, would give old backups the highest ids).
   */
  private runUntil(now: number): void {
    const due = new TimeQueue<Scheduled>();
    for (const t of this.timelines) {
      const at = t.nextAt();
      if (at <= now) due.push(at, t);
    }
    for (let top = due.pop(); top; top = due.pop()) {
      top.item.runNext();
      const at = top.item.nextAt();
      if (at <= now) due.push(at, top.item);
    }
  }

  private backupPath(inst: SimInstance, db: SimDatabase, type: ScenarioJob['type'], at: number, stripe: number, stripes: number, base?: string): string {
    const server = inst.name.replace(/\\/g, '$');
    const kind = type === 'full' ? 'FULL' : type === 'diff' ? 'DIFF' : 'LOG';
    const suffix = stripes > 1 ? `_${stripe}` : '';
    const ext = type === 'log' ? 'trn' : 'bak';
    return `${base ?? `B:\\Backup\\${server}`}\\${db.name}\\${kind}\\${server}_${db.name}_${kind}_${fileStamp(inst.localNow(at))}${suffix}.${ext}`;
  }

  /** One run of a scheduled job at `at`: a BACKUP as SQL Server would record it. */
  runJob(inst: SimInstance, db: SimDatabase, job: ScenarioJob, at: number): void {
    if (job.mark && job.type === 'log' && db.state === 'ONLINE' && db.recoveryModel !== 'SIMPLE') {
      db.advanceTo(at);
      const t = new Date(inst.localNow(at)).toISOString();
      inst.recordMark(db, `${job.mark}_${t.slice(0, 19).replace(/[-T:]/g, '_')}_${t.slice(20, 23)}`, at);
    }
    // Named after the time the backup starts (after the database's previous job), as the job names its files.
    const start = Math.max(at, db.activityAt);
    const devices = job.nul
      ? ['NUL']
      : Array.from({ length: job.stripes }, (_, i) => this.backupPath(inst, db, job.type, start, i + 1, job.stripes, job.path));
    const req: BackupRequest = {
      database: db.name,
      kind: job.type === 'log' ? 'log' : 'database',
      differential: job.type === 'diff',
      copyOnly: job.copyOnly,
      devices,
      checksum: job.checksum,
      compression: job.compression,
    };
    this.backupQuietly(inst, req, at, db);
  }

  /**
   * One run of a standby's restore job: the primary's newest full WITH NORECOVERY if the copy is not there
   * yet, then every log backup the primary has finished since what the copy holds, in LSN order. A log that
   * cannot be restored (a gap, a backup to NUL) stops the run, as the job's step would fail.
   */
  shipLogs(primary: SimInstance, standby: SimInstance, database: string, at: number): void {
    const finished = primary.localNow(at);
    const sets = primary.backupSetsOf(database);
    const restoreQuietly = (backup: BackupSetRow): boolean => {
      const devices = primary.devicesOf(backup).map((f) => f.physical_device_name);
      try {
        performRestore(standby, { database, kind: backup.type === 'L' ? 'log' : 'database', devices, file: backup.position, recovery: false }, at);
        return true;
      } catch (error) {
        if (!(error instanceof SimFailure)) throw error;
        return false;
      }
    };
    let copy = standby.findDatabase(database);
    if (copy?.state !== 'RESTORING' || !copy.restoring) {
      const full = [...sets].reverse().find((b) => b.type === 'D' && !b.is_copy_only && !b.is_damaged && b.backup_finish_date <= finished);
      if (!full || !restoreQuietly(full)) return;
      copy = standby.findDatabase(database)!;
    }
    const pending: BackupSetRow[] = [];
    for (let i = sets.length - 1; i >= 0; i--) {
      const b = sets[i]!;
      if (b.last_lsn <= copy.restoring!.redoneTo) break;
      if (b.type === 'L' && !b.is_copy_only && b.backup_finish_date <= finished) pending.push(b);
    }
    for (const log of pending.reverse()) if (!restoreQuietly(log)) return;
  }

  private backupQuietly(inst: SimInstance, req: BackupRequest, at: number, db: SimDatabase): void {
    // A job's duration follows the size it writes at a plausible 300 MB/s.
    const bytes = req.kind === 'log' ? 50 * 1024 ** 2 : req.differential ? db.dataBytes * 0.08 : db.dataBytes;
    const seconds = Math.max(1, Math.round(bytes / (300 * 1024 ** 2)));
    // Jobs on one database run one after another, so a backup's times and its LSNs agree in order.
    const start = Math.max(at, db.activityAt);
    // A job that cannot run (BACKUP LOG after a switch to SIMPLE, say) fails as the Agent job would.
    if (backupRefusal(inst, req)) return;
    performBackup(inst, req, start, start + seconds * 1000);
  }

  applyEvent(inst: SimInstance, db: SimDatabase, event: ScenarioEvent, at: number): void {
    db.advanceTo(at);
    switch (event.action) {
      case 'recovery-model':
        db.setRecoveryModel(event.recoveryModel ?? 'FULL');
        return;
      case 'bulk-operation':
        db.bulkSinceLog = true;
        return;
      case 'damage-last-backup': {
        const last = inst.backupSetsOf(db.name).at(-1);
        if (last) last.is_damaged = true;
        return;
      }
      case 'backup': {
        const type = event.type ?? 'log';
        const devices = event.nul ? ['NUL'] : [this.backupPath(inst, db, type, Math.max(at, db.activityAt), 1, 1)];
        this.backupQuietly(
          inst,
          { database: db.name, kind: type === 'log' ? 'log' : 'database', differential: type === 'diff', copyOnly: event.copyOnly ?? false, devices, checksum: true },
          at,
          db,
        );
        return;
      }
    }
  }

  /** Starts one TDS server per instance and the real-time clock. */
  async start(): Promise<Endpoint[]> {
    let port = this.options.basePort ?? 0;
    for (const [key, inst] of this.instances) {
      const server = new SimServer(inst, { port: port ? port++ : 0, ...(this.options.tls ? { tls: this.options.tls } : {}) });
      this.servers.set(key, server);
      await server.start();
    }
    for (const spec of this.options.scenario.instances) {
      const server = this.server(spec.name);
      await server.setFaults(spec.faults as Partial<Faults>);
      if (spec.faultsLater) {
        const later = spec.faultsLater;
        const timer = setTimeout(() => void server.setFaults(later.faults as Partial<Faults>), later.afterSeconds * 1000);
        timer.unref();
        this.timers.push(timer);
      }
    }
    if (!this.options.manualClock) {
      const ticker = setInterval(() => this.clock.tick(), 1000);
      ticker.unref();
      this.timers.push(ticker);
    }
    return this.endpoints();
  }

  endpoints(): Endpoint[] {
    return [...this.servers.values()].map((s) => ({ name: s.instance.name, host: s.host, port: s.port, login: this.login, password: this.password }));
  }

  /** Moves simulated time forward; due backup jobs run. */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
  }
}
