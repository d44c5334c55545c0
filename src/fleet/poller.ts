import { readAuthority } from '../config/ca-file.js';
import { credentialKey, resolveCredential, type Credential, type PasswordPrompt } from '../config/credentials.js';
import type { Inventory } from '../config/resolve.js';
import type { BackupSet } from '../domain/history.js';
import type { LogMark } from '../domain/marks.js';
import type { DrillRecord } from '../domain/drill.js';
import { describeError, InstanceClient, isLoginFailure } from '../sql/client.js';
import { toBackupSets } from '../sql/rows.js';
import { HistoryCache, withPolled } from './history-cache.js';
import { buildSnapshot, type DatabaseSnapshot, type FleetSnapshot } from './snapshot.js';
import { InstanceTracker } from './tracker.js';

/** Times an operator may type a password the server refuses before the console opens without it. */
const LOGIN_ATTEMPTS = 3;

/** Why the server refused the login ("login failed (18456)"), or null: logged in, or failed for another reason (the poll reports that). */
async function loginRefusal(client: InstanceClient): Promise<string | null> {
  try {
    await client.connect();
    return null;
  } catch (error) {
    return isLoginFailure(error) ? 'login failed (18456)' : null;
  }
}

export interface PollerOptions {
  inventory: Inventory;
  env?: NodeJS.ProcessEnv;
  prompt?: PasswordPrompt | null;
  /** Days of history findings judge, and a detail view or a plan reads (plus each database's newest full on). */
  windowDays?: number;
  now?: () => number;
  random?: () => number;
  /** The newest restore drill per database (the drill log's), read for every snapshot. */
  drills?: () => ReadonlyMap<string, DrillRecord>;
}

/** Longest wait between attempts at a failing instance. */
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Logging in is three round trips (prelogin, login, the driver's initial SET batch) that wait on the
 * network, not on the server: instances connect this many times more at once than they are polled.
 */
const CONNECT_FANOUT = 4;

class NoAnswer extends Error {}

/**
 * The driver's timeouts bound a login and a poll; this covers the time between them (a login that hangs
 * after connect, a half-open socket), so a slot is never held for ever.
 */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let guard: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        guard = setTimeout(() => reject(new NoAnswer(`no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(guard);
  }
}

/**
 * Polls every inventoried instance concurrently, at most `poll.concurrency` at a time, each once per
 * interval (with jitter so a large fleet does not poll in lockstep). A slow or dead instance holds only
 * its own slot: every poll is bounded by the connect and query timeouts, and failing instances back off.
 */
export class FleetPoller {
  readonly trackers: InstanceTracker[];
  private readonly clients = new Map<InstanceTracker, InstanceClient | { error: string }>();
  private readonly listeners = new Set<(snapshot: FleetSnapshot) => void>();
  private readonly polled = new Set<(tracker: InstanceTracker) => void>();
  private notifyTimer: NodeJS.Timeout | null = null;
  private clockTimer: NodeJS.Timeout | null = null;
  private heard: FleetSnapshot | null = null;
  private running = 0;
  private connecting = 0;
  private readonly queue: InstanceTracker[] = [];
  private readonly inFlight = new Set<InstanceTracker>();
  private timer: NodeJS.Timeout | null = null;
  private cached: { versions: string; snapshot: FleetSnapshot; buildMs: number } | null = null;
  private readonly histories = new HistoryCache();
  /** After stop(): nothing connects or polls again (a refresh after a restore step must not reopen pools on the way out). */
  private stopped = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: PollerOptions) {
    const windowDays = options.windowDays ?? 8;
    this.trackers = options.inventory.config.instances.map((i) => new InstanceTracker(i, windowDays));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  private get settings() {
    return this.options.inventory.config.poll;
  }

  /**
   * Resolves every instance's password up front (prompting in order, once per login that instances share:
   * credentialKey), then builds the clients. A typed password the server refuses (18456) is asked for
   * again, up to LOGIN_ATTEMPTS times, before the console opens; one from the environment is not (the
   * instance shows UNKNOWN with the refusal, and the variable is what to fix).
   */
  async prepare(): Promise<void> {
    const pending = this.trackers.filter((t) => !this.clients.has(t));
    const sharing = new Map<string, string[]>();
    for (const t of pending) {
      const key = credentialKey(t.config);
      if (key !== null) sharing.set(key, [...(sharing.get(key) ?? []), t.config.name]);
    }
    const resolved = new Map<string, Credential>();
    for (const t of pending) {
      const key = credentialKey(t.config);
      const known = key === null ? undefined : resolved.get(key);
      const sharedBy = key === null ? undefined : sharing.get(key);
      const env = this.options.env ?? process.env;
      let credential = known ?? (await resolveCredential(t.config, env, this.options.prompt ?? null, sharedBy));
      let client = this.clientFor(t, credential);
      for (let attempt = 2; !known && credential.ok && credential.prompted && client instanceof InstanceClient && attempt <= LOGIN_ATTEMPTS; attempt++) {
        const refused = await loginRefusal(client);
        if (!refused) break;
        await client.close();
        credential = await resolveCredential(t.config, env, this.options.prompt ?? null, sharedBy, `${t.config.name} refused that password, ${refused} (attempt ${attempt} of ${LOGIN_ATTEMPTS})`);
        client = this.clientFor(t, credential);
      }
      if (key !== null) resolved.set(key, credential);
      this.clients.set(t, client);
    }
  }

  private clientFor(t: InstanceTracker, credential: Credential): InstanceClient | { error: string } {
    const authority = readAuthority(t.config);
    if (!credential.ok) return { error: credential.reason };
    if (!authority.ok) return { error: authority.reason };
    return new InstanceClient({
      instance: t.config,
      password: credential.password,
      caPem: authority.pem,
      connectTimeoutMs: this.settings.connectTimeoutSeconds * 1000,
      requestTimeoutMs: this.settings.requestTimeoutSeconds * 1000,
    });
  }

  private async pollOne(t: InstanceTracker): Promise<void> {
    const client = this.clients.get(t);
    const started = this.now();
    if (!client || !(client instanceof InstanceClient)) {
      t.fail(client?.error ?? 'not prepared', started);
    } else {
      const limit = (this.settings.connectTimeoutSeconds + this.settings.requestTimeoutSeconds + 5) * 1000;
      try {
        const withFiles = t.wantsFiles(started);
        const withMarks = t.wantsMarks(started);
        const result = await withDeadline(client.poll(t.sinceId, this.options.windowDays ?? 8, withFiles, withMarks), limit);
        t.apply(result, this.now(), this.now() - started, withFiles, withMarks);
      } catch (error) {
        if (error instanceof NoAnswer) await client.close();
        t.fail(describeError(error), this.now());
      }
    }
    this.finish(t);
  }

  /** Schedules the instance's next poll (backing off while it fails) and tells who waits for it. */
  private finish(t: InstanceTracker): void {
    const interval = this.settings.intervalSeconds * 1000;
    const jitter = (this.random() * 2 - 1) * this.settings.jitterSeconds * 1000;
    const backoff = t.failures > 0 ? Math.min(MAX_BACKOFF_MS, interval * 2 ** Math.min(t.failures - 1, 6)) : interval;
    t.nextDueAt = this.now() + Math.max(1000, backoff + jitter);
    for (const p of [...this.polled]) p(t);
    this.scheduleNotify();
  }

  /**
   * Starts what the limits allow: instances without a connection go to the connect lane (up to
   * CONNECT_FANOUT x concurrency at once), connected ones to the poll lane (up to concurrency).
   */
  private pump(): void {
    if (this.stopped) return;
    for (let i = 0; i < this.queue.length; ) {
      const t = this.queue[i]!;
      const client = this.clients.get(t);
      if (client instanceof InstanceClient && !client.isConnected) {
        if (this.connecting < this.settings.concurrency * CONNECT_FANOUT) {
          this.queue.splice(i, 1);
          this.connectFirst(t, client);
          continue;
        }
      } else if (this.running < this.settings.concurrency) {
        this.queue.splice(i, 1);
        this.running++;
        this.inFlight.add(t);
        void this.pollOne(t).finally(() => {
          this.running--;
          this.inFlight.delete(t);
          this.pump();
        });
        continue;
      }
      i++;
    }
  }

  /** Logs in, then queues the instance for its poll ahead of the rest; a failed login is that poll's failure. */
  private connectFirst(t: InstanceTracker, client: InstanceClient): void {
    this.connecting++;
    this.inFlight.add(t);
    void withDeadline(client.connect(), (this.settings.connectTimeoutSeconds + 5) * 1000)
      .then(
        () => {
          this.queue.unshift(t);
        },
        async (error: unknown) => {
          await client.close();
          t.fail(describeError(error), this.now());
          this.finish(t);
        },
      )
      .finally(() => {
        this.connecting--;
        this.inFlight.delete(t);
        this.pump();
      });
  }

  /** Polls every instance once, concurrently within the limit; snapshot() then reads the result. */
  async pollAll(): Promise<void> {
    if (this.stopped) return;
    await this.prepare();
    const pending = new Set(this.trackers);
    if (pending.size === 0) return;
    await new Promise<void>((resolve) => {
      const onPolled = (t: InstanceTracker) => {
        pending.delete(t);
        if (pending.size === 0) {
          this.polled.delete(onPolled);
          resolve();
        }
      };
      this.polled.add(onPolled);
      for (const t of this.trackers) if (!this.inFlight.has(t) && !this.queue.includes(t)) this.queue.push(t);
      this.pump();
    });
  }

  /** The connection the executor runs an instance's statements on (beside the polls, in the same pool). */
  runnerFor(instance: string): InstanceClient | null {
    const tracker = this.trackers.find((t) => t.name.toLowerCase() === instance.toLowerCase());
    const client = tracker ? this.clients.get(tracker) : undefined;
    return client instanceof InstanceClient ? client : null;
  }

  /**
   * A database's whole history (the window and everything from its newest full on) for its detail view
   * and its restore plans: one round trip, kept a few minutes, with what polls read since. Polls keep only
   * the rows status needs; an availability group database's polled history is already whole.
   * `fresh`: read msdb again now (a backup may have been taken since the last poll); an availability group
   * database's is as fresh as its last poll.
   */
  async history(db: DatabaseSnapshot, options: { fresh?: boolean } = {}): Promise<readonly BackupSet[]> {
    if (db.state.availabilityGroup) return db.history;
    if (this.stopped) throw new Error('rpotop is shutting down');
    const tracker = this.trackers.find((t) => t.name === db.instance);
    const client = tracker ? this.clients.get(tracker) : undefined;
    if (!tracker || !(client instanceof InstanceClient)) throw new Error(`${db.instance} is not connected`);
    const windowDays = this.options.windowDays ?? 8;
    if (options.fresh) this.histories.forget(db.key);
    const loaded = await this.histories.get(db.key, this.now(), async () => {
      const rows = await client.databaseHistory(db.name, windowDays);
      return toBackupSets(rows, tracker.name, tracker.server?.utc_offset_minutes ?? 0).sets;
    });
    return withPolled(loaded, tracker.historyOf(db.name));
  }

  /** A database's marked transactions in the history window, read on demand (a restore to a mark). */
  async marks(db: DatabaseSnapshot): Promise<LogMark[]> {
    const tracker = this.trackers.find((t) => t.name === db.instance);
    const client = tracker ? this.clients.get(tracker) : undefined;
    if (!tracker || !(client instanceof InstanceClient)) throw new Error(`${db.instance} is not connected`);
    return client.databaseMarks(db.name, this.options.windowDays ?? 8, tracker.server?.utc_offset_minutes ?? 0);
  }

  /** Polls every instance now, without waiting for it (the console's refresh key). */
  refresh(): void {
    void this.pollAll();
  }

  /** Keeps polling each instance when it falls due, until stop(). */
  async start(): Promise<void> {
    await this.prepare();
    const tick = () => {
      const now = this.now();
      for (const t of this.trackers) {
        if (t.nextDueAt <= now && !this.inFlight.has(t) && !this.queue.includes(t)) this.queue.push(t);
      }
      this.pump();
    };
    tick();
    this.timer = setInterval(tick, 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    if (this.clockTimer) clearTimeout(this.clockTimer);
    this.timer = null;
    this.clockTimer = null;
    this.queue.length = 0;
    await Promise.all([...this.clients.values()].map((c) => (c instanceof InstanceClient ? c.close() : undefined)));
  }

  /** The current state of the fleet: rebuilt when a poll changed something, or a second after the last. */
  snapshot(): FleetSnapshot {
    const now = this.now();
    const versions = this.trackers.map((t) => t.version).join(',');
    const cached = this.cached;
    if (cached && cached.versions === versions && now - cached.snapshot.takenAt < 1000) return cached.snapshot;
    const started = performance.now();
    const snapshot = buildSnapshot(this.trackers, {
      inventory: this.options.inventory,
      now,
      staleAfterMs: this.settings.staleAfterSeconds * 1000,
      ...(this.options.drills ? { drills: this.options.drills() } : {}),
    });
    this.cached = { versions, snapshot, buildMs: performance.now() - started };
    return snapshot;
  }

  /**
   * Listeners wait at least ten times what the last snapshot took to build, so rebuilding takes at
   * most a tenth of the console's time (some 200 ms a build at 50,000 databases: one every 2 s).
   */
  private listenerGapMs(floor: number): number {
    return Math.max(floor, 10 * (this.cached?.buildMs ?? 0));
  }

  /** Listeners hear of polls and of time passing (exposures grow): at most a few times a second, however many instances finish. */
  subscribe(listener: (snapshot: FleetSnapshot) => void): () => void {
    this.listeners.add(listener);
    this.scheduleClock();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Tells listeners of a snapshot they have not heard of yet. */
  private notify(): void {
    const snapshot = this.snapshot();
    if (snapshot === this.heard) return;
    this.heard = snapshot;
    for (const l of [...this.listeners]) l(snapshot);
  }

  /** After a poll: soon (polls finishing together are heard once). */
  private scheduleNotify(): void {
    if (this.listeners.size === 0 || this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      this.notify();
    }, this.listenerGapMs(200));
  }

  /** Between polls, while anyone listens, when the snapshot has served its time: exposures grow. */
  private scheduleClock(): void {
    if (this.clockTimer) return;
    this.clockTimer = setTimeout(() => {
      this.clockTimer = null;
      if (this.listeners.size === 0) return;
      this.notify();
      this.scheduleClock();
    }, Math.max(50, (this.cached?.snapshot.takenAt ?? 0) + this.listenerGapMs(1000) - this.now()));
    this.clockTimer.unref();
  }
}
