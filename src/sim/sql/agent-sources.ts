import type { Session } from '../engine.js';
import type { SimInstance } from '../model.js';
import { agentDateTime, agentJobId, keptRuns, nextRun, runningSince, stepCommand, stepMessage, type AgentJob } from '../agent.js';
import type { Source } from './sources.js';

/** The account Agent runs T-SQL steps as, in its messages. */
const AGENT_USER = 'NT SERVICE\\SQLSERVERAGENT';

interface JobRow {
  job: AgentJob;
  id: string;
  /** The schedule's id: one schedule per job. */
  scheduleId: number;
}
interface HistoryRow {
  instanceId: number;
  job: JobRow;
  stepId: 0 | 1;
  at: number;
  failed: boolean;
}

interface AgentState {
  now: number;
  jobs: JobRow[];
  history: HistoryRow[];
  byId: Map<string, JobRow>;
  historyOf: Map<string, HistoryRow[]>;
}

/** msdb's Agent rows as of the clock's now, built once per moment it is read at. */
const cache = new WeakMap<SimInstance, AgentState>();
function agentState(inst: SimInstance): AgentState {
  const now = inst.clock.now();
  const cached = cache.get(inst);
  if (cached && cached.now === now) return cached;
  const jobs = inst.agentJobs.map((job, i) => ({ job, id: agentJobId(inst.name, job.name), scheduleId: i + 1 }));
  const byJob = new Map(jobs.map((j) => [j.job, j]));
  const history: HistoryRow[] = [];
  // The step's row, then the job's outcome row (step 0), as Agent writes them; instance_id in that order.
  for (const run of keptRuns(inst.agentJobs, now)) {
    const job = byJob.get(run.job)!;
    history.push({ instanceId: history.length + 1, job, stepId: 1, at: run.at, failed: run.failed });
    history.push({ instanceId: history.length + 1, job, stepId: 0, at: run.at, failed: run.failed });
  }
  const historyOf = new Map<string, HistoryRow[]>();
  for (const h of history) historyOf.set(h.job.id, [...(historyOf.get(h.job.id) ?? []), h]);
  const state = { now, jobs, history, byId: new Map(jobs.map((j) => [j.id, j])), historyOf };
  cache.set(inst, state);
  return state;
}

const local = (s: Session, at: number) => agentDateTime(s.instance.localNow(at));
const lastRun = (s: Session, row: JobRow) => agentState(s.instance).historyOf.get(row.id)?.at(-1);
const byJobId = <R>(rowsOf: (state: AgentState, id: string) => readonly R[]) => (s: Session, value: unknown) =>
  typeof value === 'string' ? rowsOf(agentState(s.instance), value.toUpperCase()) : [];

/** sysjobs, sysjobsteps (one step) and sysjobschedules (one schedule) hold a row per job, found by job_id. */
const oneRowPerJob: Pick<Source<JobRow>, 'rows' | 'index'> = {
  rows: (s) => agentState(s.instance).jobs,
  index: { job_id: byJobId((st, id) => (st.byId.has(id) ? [st.byId.get(id)!] : [])) },
};

export const sysjobs: Source<JobRow> = {
  ...oneRowPerJob,
  read: {
    job_id: (r) => r.id,
    originating_server_id: () => 0,
    name: (r) => r.job.name,
    // A job whose schedule has ended stopped running: someone disabled it.
    enabled: (r, s) => (nextRun(r.job, s.instance.clock.now()) === null ? 0 : 1),
    description: () => 'No description available.',
    start_step_id: () => 1,
    category_id: () => 3,
    date_created: (r, s) => s.instance.localNow(r.job.first),
    date_modified: (r, s) => s.instance.localNow(r.job.first),
    version_number: () => 1,
  },
};

export const sysjobsteps: Source<JobRow> = {
  ...oneRowPerJob,
  read: {
    job_id: (r) => r.id,
    step_id: () => 1,
    step_name: () => 'Back up',
    subsystem: () => 'TSQL',
    command: (r) => stepCommand(r.job),
    database_name: () => 'master',
    on_success_action: () => 1,
    on_fail_action: () => 2,
    // 5: unknown, for a step that never ran.
    last_run_outcome: (r, s) => {
      const last = lastRun(s, r);
      return last ? (last.failed ? 0 : 1) : 5;
    },
    last_run_date: (r, s) => {
      const last = lastRun(s, r);
      return last ? local(s, last.at).date : 0;
    },
    last_run_time: (r, s) => {
      const last = lastRun(s, r);
      return last ? local(s, last.at).time : 0;
    },
  },
};

export const sysjobschedules: Source<JobRow> = {
  ...oneRowPerJob,
  read: {
    schedule_id: (r) => r.scheduleId,
    job_id: (r) => r.id,
    next_run_date: (r, s) => {
      const next = nextRun(r.job, s.instance.clock.now());
      return next === null ? 0 : local(s, next).date;
    },
    next_run_time: (r, s) => {
      const next = nextRun(r.job, s.instance.clock.now());
      return next === null ? 0 : local(s, next).time;
    },
  },
};

export const sysjobhistory: Source<HistoryRow> = {
  rows: (s) => agentState(s.instance).history,
  index: { job_id: byJobId((st, id) => st.historyOf.get(id) ?? []) },
  read: {
    instance_id: (h) => h.instanceId,
    job_id: (h) => h.job.id,
    step_id: (h) => h.stepId,
    step_name: (h) => (h.stepId === 0 ? '(Job outcome)' : 'Back up'),
    sql_message_id: (h) => (h.stepId === 1 ? stepMessage({ job: h.job.job, at: h.at, failed: h.failed }, AGENT_USER).sqlMessageId : 0),
    sql_severity: (h) => (h.stepId === 1 ? stepMessage({ job: h.job.job, at: h.at, failed: h.failed }, AGENT_USER).sqlSeverity : 0),
    message: (h) =>
      h.stepId === 1
        ? stepMessage({ job: h.job.job, at: h.at, failed: h.failed }, AGENT_USER).message
        : `The job ${h.failed ? 'failed' : 'succeeded'}.  The Job was invoked by Schedule ${h.job.scheduleId} (${h.job.job.name}).  The last step to run was step 1 (Back up).`,
    run_status: (h) => (h.failed ? 0 : 1),
    run_date: (h, s) => local(s, h.at).date,
    run_time: (h, s) => local(s, h.at).time,
    run_duration: () => 1,
    retries_attempted: () => 0,
    server: (_h, s) => s.instance.name,
  },
};

/** Agent's one session in the simulation (it is not restarted). */
const SESSION_ID = 1;
/** A run that ended took a second, as Agent's history says (run_duration 1). */
const RUN_MS = 1000;

/** dbo.sysjobactivity: a row per job in Agent's session, with its last run's start and stop, no stop while it runs. */
export const sysjobactivity: Source<JobRow> = {
  ...oneRowPerJob,
  read: {
    session_id: () => SESSION_ID,
    job_id: (r) => r.id,
    run_requested_date: (r, s) => startedAt(s, r),
    run_requested_source: (r, s) => (startedAt(s, r) === null ? null : '1'),
    queued_date: () => null,
    start_execution_date: (r, s) => startedAt(s, r),
    last_executed_step_id: (r, s) => (running(s, r) === null && lastRun(s, r) ? 1 : null),
    last_executed_step_date: (r, s) => (running(s, r) === null ? startedAt(s, r) : null),
    stop_execution_date: (r, s) => {
      const last = lastRun(s, r);
      return running(s, r) !== null || !last ? null : s.instance.localNow(last.at + RUN_MS);
    },
    job_history_id: (r, s) => (running(s, r) === null ? (lastRun(s, r)?.instanceId ?? null) : null),
    next_scheduled_run_date: (r, s) => {
      const next = nextRun(r.job, s.instance.clock.now());
      return next === null ? null : s.instance.localNow(next);
    },
  },
};

const running = (s: Session, row: JobRow) => runningSince(row.job, s.instance.clock.now());
/** When the run going on, or else the last one, started (server-local ms); null when it never ran. */
function startedAt(s: Session, row: JobRow): number | null {
  const since = running(s, row) ?? lastRun(s, row)?.at;
  return since === undefined ? null : s.instance.localNow(since);
}

interface ServiceRow {
  name: string;
  running: boolean;
}

/** The Database Engine and SQL Server Agent services, Agent stopped from the scenario's agentStoppedFrom. */
export const serverServices: Source<ServiceRow> = {
  rows: (s) => [
    { name: 'SQL Server (MSSQLSERVER)', running: true },
    { name: 'SQL Server Agent (MSSQLSERVER)', running: s.instance.clock.now() < s.instance.agentStoppedAt },
  ],
  read: {
    servicename: (r) => r.name,
    startup_type: () => 2,
    status: (r) => (r.running ? 4 : 1),
    status_desc: (r) => (r.running ? 'Running' : 'Stopped'),
    process_id: (r) => (r.running ? 4242 : 0),
    service_account: (r) => (r.name.startsWith('SQL Server Agent') ? AGENT_USER : 'NT Service\\MSSQLSERVER'),
    filename: (r) => (r.name.startsWith('SQL Server Agent') ? '"C:\\Program Files\\Microsoft SQL Server\\MSSQL\\Binn\\SQLAGENT.EXE" -i MSSQLSERVER' : '"C:\\Program Files\\Microsoft SQL Server\\MSSQL\\Binn\\sqlservr.exe" -sMSSQLSERVER'),
    is_clustered: () => 'N',
  },
};
