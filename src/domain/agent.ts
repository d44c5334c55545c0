import { formatDuration } from './time.js';
import { visible } from './visible.js';

/** One SQL Server Agent job step that backs databases up, as the poll read it (times UTC ms). */
export interface AgentBackupStep {
  job: string;
  enabled: boolean;
  command: string;
  /** Schedules attached to the job; 0: it runs only when started by hand. */
  schedules: number;
  nextRun: number | null;
  lastOutcome: 'succeeded' | 'failed' | 'retry' | 'canceled' | 'in progress' | null;
  lastRun: number | null;
  lastFailure: { at: number; message: string } | null;
  /** Failed runs since its last success, of those Agent's history still holds. */
  failuresSinceSuccess: number;
  failingSince: number | null;
  /** When the run going on now started (sysjobactivity of Agent's current session); null when none runs. */
  runningSince: number | null;
}

export type BackupKind = 'full' | 'diff' | 'log';

/** What a step backs up: databases by name, or a maintenance solution's selection, and which kinds. */
/** A BACKUP statement names one database (lower case); a maintenance solution's selection matches databases. */
type Target = { kind: BackupKind } & ({ named: string } | { matches: (database: string, system: boolean) => boolean });

const SYSTEM = new Set(['master', 'model', 'msdb']);

/** A T-SQL name as written: [bracketed]]name], "quoted", or a plain identifier. */
const NAME = String.raw`(\[(?:[^\]]|\]\])+\]|"(?:[^"]|"")+"|[^\s;,()'"\[\]]+)`;
const unquote = (n: string) => (n.startsWith('[') ? n.slice(1, -1).replace(/\]\]/g, ']') : n.startsWith('"') ? n.slice(1, -1).replace(/""/g, '"') : n);

/**
 * The backups a step's command takes. Recognised: BACKUP DATABASE|LOG name statements (a variable for the
 * name is not followed), and Ola Hallengren's DatabaseBackup (@Databases with USER_DATABASES,
 * SYSTEM_DATABASES, ALL_DATABASES, names, % wildcards and -exclusions; @BackupType FULL, DIFF or LOG).
 */
function backupTargets(command: string): Target[] {
  const targets: Target[] = [];
  const text = command.replace(/--[^\n]*/g, ' ');
  for (const m of text.matchAll(new RegExp(String.raw`\bBACKUP\s+(DATABASE|LOG)\s+${NAME}([^;]*)`, 'gi'))) {
    const name = unquote(m[2]!);
    if (name.startsWith('@')) continue;
    const kind: BackupKind = m[1]!.toUpperCase() === 'LOG' ? 'log' : /\bDIFFERENTIAL\b/i.test(m[3] ?? '') ? 'diff' : 'full';
    targets.push({ kind, named: name.toLowerCase() });
  }
  if (/\bDatabaseBackup\b/i.test(text)) {
    const databases = /@Databases\s*=\s*N?'((?:[^']|'')*)'/i.exec(text)?.[1]?.replace(/''/g, "'");
    const type = /@BackupType\s*=\s*N?'(FULL|DIFF|LOG)'/i.exec(text)?.[1]?.toUpperCase();
    if (databases !== undefined && type) targets.push({ kind: type === 'LOG' ? 'log' : type === 'DIFF' ? 'diff' : 'full', matches: olaSelection(databases) });
  }
  return targets;
}

/** Ola Hallengren's @Databases: items separated by commas, applied in order; a leading - excludes. */
function olaSelection(spec: string): (database: string, system: boolean) => boolean {
  const items = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((raw) => {
      const exclude = raw.startsWith('-');
      const item = exclude ? raw.slice(1) : raw;
      const upper = item.toUpperCase();
      const pattern = new RegExp(`^${unquote(item).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*')}$`, 'i');
      const hit = (database: string, system: boolean) =>
        upper === 'ALL_DATABASES' ? true
        : upper === 'USER_DATABASES' ? !system
        : upper === 'SYSTEM_DATABASES' ? system
        : pattern.test(database);
      return { exclude, hit };
    });
  return (database, system) => {
    let selected = false;
    for (const { exclude, hit } of items) if (hit(database, system)) selected = !exclude;
    return selected;
  };
}

/** A step that backs a database up, with which kinds. */
export interface DatabaseJob {
  step: AgentBackupStep;
  kinds: BackupKind[];
  /** For an availability group's database: the replica whose Agent holds the job, when not this instance. */
  replica?: string;
  /** That replica's SQL Server Agent is stopped: the job runs nowhere. */
  agentStopped?: boolean;
}

/**
 * An instance's steps indexed for matching every database against them: each command parsed once, the
 * statements that name one database by that name. Parsing each command again per database cost 9 ms an
 * instance of 40 databases (4.5 s a snapshot of 500 instances); this costs a lookup a database.
 */
interface StepIndex {
  byName: Map<string, { step: AgentBackupStep; target: Target }[]>;
  selections: { step: AgentBackupStep; target: Extract<Target, { matches: unknown }> }[];
  order: Map<AgentBackupStep, number>;
}
const indexes = new WeakMap<readonly AgentBackupStep[], StepIndex>();
function indexOf(steps: readonly AgentBackupStep[]): StepIndex {
  let index = indexes.get(steps);
  if (index) return index;
  index = { byName: new Map(), selections: [], order: new Map(steps.map((s, i) => [s, i])) };
  for (const step of steps) {
    for (const target of backupTargets(step.command)) {
      if ('matches' in target) index.selections.push({ step, target });
      else index.byName.set(target.named, [...(index.byName.get(target.named) ?? []), { step, target }]);
    }
  }
  indexes.set(steps, index);
  return index;
}

/** The Agent steps that back up `database`, and what kinds of backup each takes of it, in the steps' order. */
export function jobsFor(database: string, steps: readonly AgentBackupStep[]): DatabaseJob[] {
  const system = SYSTEM.has(database.toLowerCase());
  const index = indexOf(steps);
  const kinds = new Map<AgentBackupStep, Set<BackupKind>>();
  const hits = [...(index.byName.get(database.toLowerCase()) ?? []), ...index.selections.filter(({ target }) => target.matches(database, system))];
  for (const { step, target } of hits) kinds.set(step, (kinds.get(step) ?? new Set()).add(target.kind));
  return [...kinds]
    .sort(([a], [b]) => index.order.get(a)! - index.order.get(b)!)
    .map(([step, k]) => ({ step, kinds: [...k] }));
}

const KIND_WORD: Record<BackupKind, string> = { full: 'full', diff: 'differential', log: 'log' };

/** The first line of an Agent message, without its "Executed as user:" prefix, bounded and escaped. */
export function agentMessage(message: string): string {
  const text = message.replace(/^Executed as user: [^.]*\.\s*/, '').replace(/\s+/g, ' ').trim();
  return visible(text.length > 240 ? `${text.slice(0, 239)}…` : text);
}

/**
 * Why the jobs that back this database up (`databaseJobs`, from jobsFor) do not take its backups of `kind`, in
 * words for a reason: failing (since when, how often, SQL Server's message), a run that has lasted longer than
 * the RPO (blocked, or writing to a share that stopped answering: no backup reaches msdb until it ends, and
 * Agent starts no other run of the job meanwhile), on a replica whose Agent is stopped, without a schedule,
 * disabled; or no job at all. Null when a job of that kind is enabled, scheduled, last succeeded and is not
 * stuck.
 */
export function jobExplanation(kind: BackupKind, databaseJobs: readonly DatabaseJob[], now: number, at: (utc: number) => string, rpoMs = Number.POSITIVE_INFINITY): string | null {
  const jobs = databaseJobs.filter((j) => j.kinds.includes(kind));
  if (jobs.length === 0) return `no SQL Agent job takes its ${KIND_WORD[kind]} backups`;
  const stuck = (j: DatabaseJob) => j.step.runningSince !== null && now - j.step.runningSince > rpoMs;
  const fine = (j: DatabaseJob) => j.step.enabled && j.step.schedules > 0 && j.step.lastOutcome !== 'failed' && !j.agentStopped && !stuck(j);
  if (jobs.some(fine)) return null;
  const named = (j: DatabaseJob) => `${KIND_WORD[kind]} backup job '${visible(j.step.job)}'${j.replica ? ` on ${visible(j.replica)}` : ''}`;
  const ago = (t: number) => `${at(t)}, ${formatDuration(Math.max(0, now - t))} ago`;
  const failing = jobs.find((j) => j.step.enabled && !j.agentStopped && j.step.lastOutcome === 'failed');
  if (failing) {
    const s = failing.step;
    const since = s.failingSince === null ? '' : ` since ${ago(s.failingSince)}`;
    return `${named(failing)} failed ${s.failuresSinceSuccess > 1 ? `${s.failuresSinceSuccess} times` : 'its last run'}${since}${s.lastFailure ? `: ${agentMessage(s.lastFailure.message)}` : ''}`;
  }
  const running = jobs.find((j) => !j.agentStopped && stuck(j));
  if (running) return `${named(running)} has been running since ${ago(running.step.runningSince!)}, longer than the RPO: no backup of it reaches msdb until that run ends, and Agent starts no other run of the job meanwhile`;
  const stopped = jobs.find((j) => j.agentStopped && j.step.enabled);
  if (stopped) return `${named(stopped)} does not run: SQL Server Agent is stopped there`;
  const unscheduled = jobs.find((j) => j.step.enabled && j.step.schedules === 0);
  if (unscheduled) return `${named(unscheduled)} has no schedule: it runs only when started by hand`;
  const lastRun = jobs[0]!.step.lastRun;
  return `${named(jobs[0]!)} is disabled${lastRun !== null ? `; it last ran ${at(lastRun)}` : ''}`;
}

/**
 * What SQL Agent says about a database's backups, for its reason and findings: the kind that matters for
 * its recovery (its full while it has none or is in SIMPLE recovery, else its log), explained by
 * jobExplanation against its RPO. Null when its jobs are fine, or when nothing can be said: the database is
 * not online (a standby, RESTORING). An availability group's database is judged on the jobs of every replica
 * (its backups may run on any of them), which the caller gathers.
 */
export function agentNote(
  db: { name: string; state: string; recoveryModel: string },
  hasFull: boolean,
  jobs: readonly DatabaseJob[],
  now: number,
  at: (utc: number) => string,
  rpoMs = Number.POSITIVE_INFINITY,
): string | null {
  if (db.state !== 'ONLINE' || db.name.toLowerCase() === 'tempdb') return null;
  const kind: BackupKind = !hasFull || db.recoveryModel === 'SIMPLE' ? 'full' : 'log';
  return jobExplanation(kind, jobs, now, at, rpoMs);
}
