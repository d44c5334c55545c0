import { createHash } from 'node:crypto';

/**
 * SQL Server Agent's view of the scenario's backup jobs: one Agent job per scheduled job, its T-SQL step,
 * its schedule and the history Agent keeps of its runs, all derived from the job's definition and the
 * clock when msdb is read (nothing is stored per run). Sources, checked against Microsoft's pages:
 * dbo.sysjobs, dbo.sysjobsteps (subsystem TSQL, command nvarchar(max), last_run_outcome), dbo.sysjobschedules
 * (next_run_date yyyyMMdd and next_run_time HHmmss as int, on the server's clock; 0 when nothing is
 * scheduled), dbo.sysjobhistory (step_id 0 is the job's outcome row; run_status 0 failed, 1 succeeded;
 * run_date and run_time int on the server's clock; message nvarchar(4000)). Agent keeps at most 1000
 * history rows, 100 per job, by default (SQL Server Agent properties, History page): older runs are gone.
 * dbo.sysjobactivity holds a row per job and Agent session: its last run's start and stop (datetime on the
 * server's clock), no stop while a run goes on.
 */
export interface AgentJob {
  name: string;
  database: string;
  type: 'full' | 'diff' | 'log';
  /** The schedule: every `period` ms from `first` on, until `until` (a job stopped by then is disabled). */
  period: number;
  first: number;
  until: number;
  /** From this moment every run fails (a full disk): the backup never reaches msdb. */
  failsFrom: number;
  /** The run due then starts and never ends: no later run starts, nothing after it reaches msdb or Agent's history. */
  hangsAt: number;
  /** SQL Server Agent stops then: no run happens from that moment, none is recorded, the schedule is not refreshed. */
  agentStopsAt: number;
  /** Where its files go (the job's folder), for the step's command and the failure's message. */
  folder: string;
}

export const MAX_HISTORY_ROWS = 1000;
export const MAX_HISTORY_ROWS_PER_JOB = 100;

/** Whether a job's run at `at` fails. */
export const runFails = (job: Pick<AgentJob, 'failsFrom'>, at: number): boolean => at >= job.failsFrom;

/** Whether the run due at `at` is the hung one or after it: it does not end, or never starts. */
export const runHangs = (job: Pick<AgentJob, 'hangsAt'>, at: number): boolean => at >= job.hangsAt;

/** Whether Agent is there to start the run due at `at`. */
export const agentRuns = (job: Pick<AgentJob, 'agentStopsAt'>, at: number): boolean => at < job.agentStopsAt;

export const agentJobId = (instance: string, job: string): string => {
  const h = createHash('md5').update(`agent-job:${instance.toLowerCase()}:${job}`).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** [ and ] quoted as QUOTENAME does, for the command text a DBA's job holds. */
const bracket = (name: string) => `[${name.replace(/\]/g, ']]')}]`;

export function stepCommand(job: AgentJob): string {
  const verb = job.type === 'log' ? 'LOG' : 'DATABASE';
  const ext = job.type === 'log' ? 'trn' : 'bak';
  const file = `${job.folder}\\${job.database}_${job.type.toUpperCase()}.${ext}`.replace(/'/g, "''");
  return `BACKUP ${verb} ${bracket(job.database)} TO DISK = N'${file}' WITH ${job.type === 'diff' ? 'DIFFERENTIAL, ' : ''}INIT, CHECKSUM, COMPRESSION;`;
}

/** yyyyMMdd and HHmmss as Agent writes them, from a server-local ms value. */
export function agentDateTime(localMs: number): { date: number; time: number } {
  const d = new Date(localMs);
  return {
    date: d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate(),
    time: d.getUTCHours() * 10000 + d.getUTCMinutes() * 100 + d.getUTCSeconds(),
  };
}

export interface AgentRun {
  job: AgentJob;
  /** UTC ms. */
  at: number;
  failed: boolean;
}

/** The runs Agent still has in its history at `now`: each job's newest, within its share of the rows. */
export function keptRuns(jobs: readonly AgentJob[], now: number): AgentRun[] {
  // Two rows a run (the step's and the job's outcome).
  const perJob = Math.max(1, Math.floor(Math.min(MAX_HISTORY_ROWS_PER_JOB, MAX_HISTORY_ROWS / Math.max(1, jobs.length)) / 2));
  const runs: AgentRun[] = [];
  for (const job of jobs) {
    // A hung run has no outcome yet, and no run starts after it.
    const last = Math.min(now, job.until, job.agentStopsAt - 1, job.hangsAt - 1);
    if (last < job.first) continue;
    const newest = job.first + Math.floor((last - job.first) / job.period) * job.period;
    for (let k = 0, at = newest; k < perJob && at >= job.first; k++, at -= job.period) runs.push({ job, at, failed: runFails(job, at) });
  }
  return runs.sort((a, b) => a.at - b.at || a.job.name.localeCompare(b.job.name));
}

/** The run going on at `now` (the hung one once it started), as the UTC ms it started at; null when none runs. */
export function runningSince(job: AgentJob, now: number): number | null {
  return job.hangsAt <= now && job.hangsAt <= job.until && agentRuns(job, job.hangsAt) ? job.hangsAt : null;
}

/** The next run Agent has scheduled after `now`, or null (the schedule has ended: the job is disabled). */
export function nextRun(job: AgentJob, at: number): number | null {
  // A stopped Agent no longer refreshes sysjobschedules: it still shows the run due when it stopped.
  const now = Math.min(at, job.agentStopsAt - 1);
  if (now >= job.until) return null;
  const next = now < job.first ? job.first : job.first + (Math.floor((now - job.first) / job.period) + 1) * job.period;
  return next <= job.until ? next : null;
}

/** What the step's history row says, as Agent writes it. */
export function stepMessage(run: AgentRun, agentUser: string): { message: string; sqlMessageId: number; sqlSeverity: number } {
  const verb = run.job.type === 'log' ? 'LOG' : 'DATABASE';
  if (run.failed) {
    return {
      message:
        `Executed as user: ${agentUser}. Cannot open backup device '${run.job.folder}\\${run.job.database}_${run.job.type.toUpperCase()}.${run.job.type === 'log' ? 'trn' : 'bak'}'. ` +
        `Operating system error 112(There is not enough space on the disk.). [SQLSTATE 42000] (Error 3201)  BACKUP ${verb} is terminating abnormally. [SQLSTATE 42000] (Error 3013).  The step failed.`,
      sqlMessageId: 3013,
      sqlSeverity: 16,
    };
  }
  return { message: `Executed as user: ${agentUser}. BACKUP ${verb} successfully processed.  The step succeeded.`, sqlMessageId: 0, sqlSeverity: 0 };
}
