import type { Inventory } from '../config/resolve.js';
import { findInstance } from '../config/resolve.js';
import type { FleetPoller } from '../fleet/poller.js';
import { serverClock, type DatabaseSnapshot } from '../fleet/snapshot.js';
import { utcToServerLocal } from '../domain/time.js';
import type { BackupFile } from '../sql/backup-files.js';
import { exclusively, multiUser, OPERATOR_DONE, recoverOnly, script, tailLogBackup, type Statement, type StatementKind } from '../sql/statements.js';
import { tailDecision, type TailVariant } from '../domain/tail.js';
import { unscriptableName } from '../sql/quote.js';
import type { ActionKind, ActionPreview, ActionResult, ActionsPort, InterruptedPlan, PlanPort, PlanPreview, RestoreForm } from '../ui/actions-port.js';
import { whoAmI } from './journal.js';
import { Executor } from './executor.js';
import type { Journal } from './journal.js';
import { buildRestorePlan, movesFor, tailFile } from './plan.js';
import { catchUpPlan, logTakenSincePlan } from './plan-catch-up.js';
import { incarnationOf } from '../domain/chain.js';
import { visible } from '../domain/visible.js';
import { contextFor, planRequestFrom, withWholeHistory } from './restore-request.js';
import { groupPlanFor } from './group-request.js';
import { formatDuration, formatServerTime } from '../domain/time.js';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatConsolePlanSql } from '../report/plan.js';
import { drillable, drillSummary } from '../domain/drill.js';
import { DrillLog } from './drill-log.js';
import { planDrill, runDrill, type DrillPlan } from './drill.js';

const NO_CREATE_DATABASE = 'the login lacks CREATE ANY DATABASE, which RESTORE needs (add it to the dbcreator server role)';

/** The tail-log variant a database's state calls for, or why there is none (the rule is the domain's). */
export function tailVariant(db: DatabaseSnapshot): TailVariant | { refused: string } {
  const decision = tailDecision(db.state, db.history, db.assessment.chain);
  return 'variant' in decision ? decision.variant : { refused: decision.none };
}

interface OpenPlan {
  planId: string;
  instance: string;
  /** The database the plan restores (the new name, for a restore as a copy). */
  database: string;
  title: string;
  /** Chain, estimate and notes, as the options screen showed them. */
  facts: string[];
  steps: Statement[];
  /** Where each step runs: the plan's instance, or for a group's plan each member's. */
  stepInstances: string[];
  /** Steps behind the operator: succeeded or skipped. */
  done: number;
}

/**
 * Steps a plan can go on without when they fail: a VERIFYONLY (the restores check CHECKSUM where the
 * backups have checksums) and MULTI_USER at the end. A tail or a restore of the chain is never
 * skippable: every later RESTORE would fail (3159, 4305) without it.
 */
const SKIPPABLE: ReadonlySet<StatementKind> = new Set(['verify', 'multi-user']);

/**
 * Log restores that leave the database restoring may be confirmed together; the one that recovers it is
 * confirmed on its own (after it no log can be applied).
 */
const batchable = (s: Statement) => s.kind === 'restore-log' && /\bNORECOVERY\b/.test(s.text);

const stepView = (s: Statement, instance: string) => ({
  script: script(s),
  summary: s.summary,
  destructive: s.destructive,
  skippable: SKIPPABLE.has(s.kind),
  batchable: batchable(s),
  confirmWord: s.kind === 'operator' ? OPERATOR_DONE : s.database,
  operator: s.kind === 'operator',
  instance,
});

/** A plan's steps as the plan screen shows them. */
const stepViews = (plan: Pick<OpenPlan, 'steps' | 'stepInstances'>) => plan.steps.map((s, i) => stepView(s, plan.stepInstances[i]!));

/**
 * Console actions over the executor: the statements for a tail-log backup (and for bringing a
 * database back online), their preview for the confirm step, and their execution, which the executor
 * journals and guards.
 */
export class ConsoleActions implements ActionsPort, PlanPort {
  private readonly executor: Executor;
  /** Plans shown to the operator, fixed until done: steps never change between confirmations. */
  private readonly plans = new Map<string, OpenPlan>();
  /** The statement running now, if any. */
  private inFlight: AbortController | null = null;
  /** Statements shown by preview(), the only ones run() will send. */
  private readonly previewed = new Map<string, { db: DatabaseSnapshot; list: Statement[]; effect: string }>();
  /** The plan the options screen shows, not begun. */
  private draft: OpenPlan | null = null;
  /** FILELISTONLY answers, per backup. */
  private readonly fileLists = new Map<string, Promise<BackupFile[]>>();
  /** Drills shown by prepareDrill(), the only ones run() will start. */
  private readonly drills = new Map<string, { plan: DrillPlan; rtoSeconds: number }>();
  private readonly drillLog: DrillLog;

  constructor(
    private readonly poller: FleetPoller,
    private readonly inventory: Inventory,
    private readonly journal: Journal,
    readOnly: boolean,
  ) {
    this.executor = new Executor(journal, readOnly);
    this.drillLog = DrillLog.besideJournal(journal.file);
  }

  async prepareDrill(databaseKey: string): Promise<ActionPreview | { refused: string }> {
    const snapshot = this.poller.snapshot();
    const db = snapshot.databases.find((d) => d.key === databaseKey);
    if (!db) return { refused: 'that database is no longer in the fleet snapshot' };
    if (!drillable(db.state)) return { refused: db.state.standbyOf ? 'a standby copy is not drilled: drill its source' : 'system databases are not drilled' };
    const source = findInstance(this.inventory.config, db.instance);
    const target = source?.drillTarget ?? db.instance;
    const plan = await planDrill(this.poller, snapshot, db, target);
    if ('refused' in plan) return plan;
    this.drills.set(databaseKey, { plan, rtoSeconds: db.targets.rtoMinutes * 60 });
    return {
      title: `Restore drill of ${db.instance} / ${db.name} on ${target} as ${plan.copy}`,
      steps: plan.steps.map((s) => ({ script: script(s), summary: s.summary })),
      effect:
        `${plan.copy} is restored on ${target} from the latest chain (${plan.steps.length - 2} restores, estimated ${formatDuration(plan.estimate.seconds * 1000)}), ` +
        `checked with DBCC CHECKDB and dropped, after a failure or Esc too; ${db.name} itself is not touched. The result goes to the drill log and the DRILL column`,
      confirmWord: plan.copy,
    };
  }

  /** Runs the drill prepareDrill() showed, one confirmation for all its statements (they touch only the copy). */
  private async runPreparedDrill(databaseKey: string, typed: string, onProgress: (percent: number, message: string) => void): Promise<ActionResult> {
    const shown = this.drills.get(databaseKey);
    if (!shown) return { ok: false, messages: [], error: 'no drill was shown for this database: nothing runs unseen' };
    this.drills.delete(databaseKey);
    const { plan } = shown;
    if (typed !== plan.copy) return { ok: false, messages: [], error: `type the copy's name exactly (${plan.copy}) to run the drill` };
    const instance = findInstance(this.inventory.config, plan.target);
    const runner = this.poller.runnerFor(plan.target);
    if (!instance || !runner) return { ok: false, messages: [], error: `no connection to ${plan.target}` };
    const controller = this.startRunning();
    const total = plan.steps.length;
    try {
      const record = await runDrill({
        plan,
        instance,
        runner,
        executor: this.executor,
        log: this.drillLog,
        confirm: (s) => Promise.resolve(s.destructive ? typed : 'yes'),
        rtoSeconds: shown.rtoSeconds,
        signal: controller.signal,
        onEvent: (e) => {
          const what = `step ${e.index + 1} of ${total}: ${e.kind === 'outcome' ? `${e.statement.summary} (${e.outcome.outcome})` : e.kind === 'step' ? e.statement.summary : plan.steps[e.index]!.summary}`;
          const within = e.kind === 'progress' ? e.percent : e.kind === 'outcome' ? 100 : 0;
          onProgress(Math.floor(((e.index + within / 100) / total) * 100), what);
        },
      });
      const summary = drillSummary(record);
      return { ok: record.result === 'passed', messages: [summary, ...record.errors, ...(record.dropNote ? [record.dropNote] : [])], error: record.result === 'passed' ? null : summary };
    } finally {
      this.stopRunning(controller);
      this.poller.refresh();
    }
  }

  private statements(kind: ActionKind, databaseKey: string): { db: DatabaseSnapshot; list: Statement[]; effect: string } | { refused: string } {
    const snapshot = this.poller.snapshot();
    const db = snapshot.databases.find((d) => d.key === databaseKey);
    if (!db) return { refused: 'that database is no longer in the fleet snapshot' };
    const unsafe = unscriptableName(db.name);
    if (unsafe) return { refused: unsafe };
    const inst = snapshot.instances.find((i) => i.name === db.instance);
    if (kind === 'recover') {
      if (db.state.state !== 'RESTORING') return { refused: `the database is ${db.state.state}, not RESTORING` };
      return { db, list: [recoverOnly(db.name), multiUser(db.name)], effect: 'the database comes back online and users can connect again' };
    }
    const variant = tailVariant(db);
    if (typeof variant !== 'string') return variant;
    const local = utcToServerLocal((inst && serverClock(inst, Date.now())) ?? Date.now(), inst?.utcOffsetMinutes ?? 0);
    const tail = tailLogBackup(db.name, tailFile(db, local), variant);
    if (variant === 'norecovery') {
      return {
        db,
        list: [exclusively(tail)],
        effect: 'every session in the database is cut and its open transactions roll back; the database goes to RESTORING and stays unavailable until it is restored or brought back online',
      };
    }
    return { db, list: [tail], effect: `the database cannot start (${db.state.state}); the log is read without touching it` };
  }

  preview(kind: ActionKind, databaseKey: string): ActionPreview | { refused: string } {
    if (kind === 'drill') return { refused: 'a drill is prepared, not previewed: it reads the backup files first' };
    const built = this.statements(kind, databaseKey);
    if ('refused' in built) return built;
    // run() sends these very statements (the tail's file name is made here, with the time in it).
    this.previewed.set(`${kind}\u0000${databaseKey}`, built);
    return {
      title: `${kind === 'tail-log' ? 'Tail-log backup of' : 'Bring back online:'} ${built.db.instance} / ${built.db.name}`,
      steps: built.list.map((s) => ({ script: script(s), summary: s.summary })),
      effect: built.effect,
      confirmWord: built.list.some((s) => s.destructive) ? built.db.name : null,
    };
  }

  /**
   * The plan the options on screen give, checked and built but not begun: nothing is journaled and
   * nothing can run until the operator begins this exact draft. Each call replaces the last draft.
   */
  async draftRestore(databaseKey: string, form: RestoreForm): Promise<PlanPreview | { refused: string }> {
    const snapshot = this.poller.snapshot();
    const polled = snapshot.databases.find((d) => d.key === databaseKey);
    if (!polled) return { refused: 'that database is no longer in the fleet snapshot' };
    const inst = snapshot.instances.find((i) => i.name === polled.instance);
    // Permissions are checked before an action is offered, not discovered halfway through it.
    if (inst?.canCreateDatabase === false) return { refused: NO_CREATE_DATABASE };
    // A plan is built and proved on the whole history (a point in time may lie before the anchor status reads from).
    const db = await withWholeHistory(this.poller, polled);
    if ('refused' in db) return db;
    const ctx = contextFor(snapshot, db, this.poller.runnerFor(db.instance), this.fileLists);
    const request = await planRequestFrom(form, ctx);
    if ('refused' in request) return request;
    const over = request.as === null;
    const tail = tailVariant(db);
    if (over && request.tailFirst && db.state.canBackupLog === false && db.state.recoveryModel !== 'SIMPLE' && db.state.state === 'ONLINE' && typeof tail !== 'string') {
      return { refused: `${tail.refused}; or turn the tail-log backup off and lose what the log holds` };
    }
    const plan = buildRestorePlan(db, request, ctx.serverNowUtc, ctx.offsetMinutes);
    if (!plan.ok) return { refused: plan.reason };
    const planId = randomUUID();
    const to = request.target.kind === 'latest' ? 'the latest point' : `${formatServerTime(request.target.at + ctx.offsetMinutes * 60_000)} (server time)`;
    const title = `Restore ${db.instance} / ${db.name}${over ? '' : ` as ${plan.target}`} to ${to}`;
    const c = plan.chain;
    const facts = [
      `restorable to ${formatServerTime(c.restorableTo + ctx.offsetMinutes * 60_000)} (server time, now ${formatServerTime(ctx.serverLocalNow)})${plan.steps.some((s) => s.kind === 'tail-log') ? ' plus the tail' : ''}; chain: full #${c.full.backupSetId}${c.diff ? `, differential #${c.diff.backupSetId}` : ''}, ${c.logs.length} log backup(s)`,
      `estimated restore time ${formatDuration(plan.estimate.seconds * 1000)} (${plan.estimate.basis})`,
      ...plan.notes,
      ...(request.as ? movesFor(request.as.files, request.as.name).map((m) => `move ${m.logical} to ${m.physical}`) : []),
    ];
    const draft = { planId, instance: db.instance, database: plan.target, steps: plan.steps, stepInstances: plan.steps.map(() => db.instance), done: 0, title, facts };
    this.draft = draft;
    return { planId, title, facts, steps: stepViews(draft), confirmWord: plan.target, notApplied: plan.notApplied, losesTail: plan.losesTail };
  }

  /**
   * A group's plan (every `together` member to one point, the operator's steps around it), drafted as a
   * database's is: checked and built, nothing journaled until the operator begins it.
   */
  async draftGroupRestore(group: string, form: RestoreForm): Promise<PlanPreview | { refused: string }> {
    const plan = await groupPlanFor(this.poller, this.inventory, group, form);
    if ('refused' in plan) return plan;
    const draft: OpenPlan = {
      planId: randomUUID(),
      instance: plan.firstInstance,
      database: group,
      title: plan.title,
      facts: plan.facts,
      steps: plan.steps.map((s) => s.statement),
      stepInstances: plan.steps.map((s) => s.instance),
      done: 0,
    };
    this.draft = draft;
    return { planId: draft.planId, title: draft.title, facts: draft.facts, steps: stepViews(draft), confirmWord: group, losesTail: plan.losesTail, notApplied: plan.notApplied };
  }

  /** Begins the draft the operator saw: its steps are fixed and journaled, so a lost session can resume them. */
  beginPlan(planId: string): PlanPreview | { refused: string } {
    const draft = this.draft;
    if (!draft || draft.planId !== planId) return { refused: 'the options changed since that plan was shown: look at the new one' };
    this.draft = null;
    this.plans.set(planId, draft);
    this.journalPlan(draft, null);
    return { planId, title: draft.title, facts: draft.facts, steps: stepViews(draft), confirmWord: draft.database };
  }

  /** The journal's note of an instance's clock (its offset from UTC at its last poll), where known. */
  private serverOffset(instance: string): { serverOffsetMinutes?: number } {
    const offset = this.poller.runnerFor(instance)?.utcOffsetMinutes ?? null;
    return offset === null ? {} : { serverOffsetMinutes: offset };
  }

  /**
   * Journals a plan's steps as they stand: when it begins, and again when it changes (`why`), so a lost
   * session resumes the steps the operator last saw.
   */
  private journalPlan(plan: OpenPlan, why: string | null): void {
    this.journal.append({
      v: 1,
      at: new Date().toISOString(),
      ...this.serverOffset(plan.instance),
      who: whoAmI(),
      event: 'plan',
      id: plan.planId,
      planId: plan.planId,
      step: null,
      instance: plan.instance,
      database: plan.database,
      kind: 'restore',
      sql: plan.title,
      ...(why ? { reason: why } : {}),
      steps: plan.steps.map((s, i) => ({
        kind: s.kind,
        summary: s.summary,
        destructive: s.destructive,
        text: s.text,
        params: s.params,
        ...(plan.stepInstances[i] !== plan.instance || s.database !== plan.database ? { instance: plan.stepInstances[i]!, database: s.database } : {}),
      })),
    });
  }

  /**
   * Skips a failed step, with the operator's reason in the journal, where SQL Server allows the plan
   * to go on without it (a check, or a change of user access); never a BACKUP or RESTORE of the chain.
   */
  skipPlanStep(planId: string, step: number, reason: string): { ok: true } | { refused: string } {
    const plan = this.plans.get(planId);
    if (!plan) return { refused: 'that plan is no longer open' };
    if (step !== plan.done) return { refused: `step ${step + 1} is not the next step` };
    const statement = plan.steps[step]!;
    if (!SKIPPABLE.has(statement.kind)) return { refused: `step ${step + 1} cannot be skipped: the restores after it need it` };
    if (!reason.trim()) return { refused: 'say why the step is skipped: the journal keeps the reason' };
    this.journal.append({
      v: 1,
      at: new Date().toISOString(),
      ...this.serverOffset(plan.instance),
      who: whoAmI(),
      event: 'skipped',
      id: randomUUID(),
      planId,
      step: step + 1,
      instance: plan.instance,
      database: statement.database,
      kind: statement.kind,
      sql: script(statement),
      reason: reason.trim(),
    });
    plan.done++;
    if (plan.done === plan.steps.length) this.closePlan(planId, 'every step succeeded or was skipped');
    return { ok: true };
  }

  /** Interrupted plans on instances this inventory holds: never one for a server the console does not watch. */
  interruptedPlans(): InterruptedPlan[] {
    return this.resumable().map(({ plan, next }) => ({
      planId: plan.planId!,
      what: `${plan.instance} / ${plan.database}`,
      next,
      total: plan.steps?.length ?? 0,
    }));
  }

  resumePlan(planId: string): PlanPreview | { refused: string } {
    const found = this.resumable().find((p) => p.plan.planId === planId);
    if (!found?.plan.steps) return { refused: 'that plan is not interrupted (finished, stopped, or unknown) on an instance of this inventory' };
    const { plan, next } = found;
    const steps: Statement[] = plan.steps!.map((s) => ({
      kind: s.kind as Statement['kind'],
      database: s.database ?? plan.database,
      text: s.text,
      params: s.params as Statement['params'],
      destructive: s.destructive,
      summary: s.summary,
      backup: null,
    }));
    const facts = [`interrupted before step ${next + 1} of ${steps.length}; ${next === 0 ? 'no step had succeeded' : next === 1 ? 'step 1 is behind' : `steps 1-${next} are behind`} (rpotop journal)`];
    const resumed = { planId, instance: plan.instance, database: plan.database, title: plan.sql, facts, steps, stepInstances: plan.steps!.map((s) => s.instance ?? plan.instance), done: next };
    this.plans.set(planId, resumed);
    return {
      planId,
      title: `Resume: ${plan.sql}`,
      facts,
      steps: stepViews(resumed),
      confirmWord: plan.database,
      current: next,
    };
  }

  private resumable(): ReturnType<Journal['interruptedPlans']> {
    return this.journal.interruptedPlans().filter(({ plan }) => findInstance(this.inventory.config, plan.instance) !== undefined);
  }

  closePlan(planId: string, reason: string): void {
    const plan = this.plans.get(planId);
    this.plans.delete(planId);
    this.journal.append({
      v: 1,
      at: new Date().toISOString(),
      ...(plan ? this.serverOffset(plan.instance) : {}),
      who: whoAmI(),
      event: 'plan-closed',
      id: randomUUID(),
      planId,
      step: null,
      instance: plan?.instance ?? '',
      database: plan?.database ?? '',
      kind: 'restore',
      sql: '',
      reason,
    });
  }

  /**
   * Writes an open plan's script to a new file in the working directory (never over an existing one): the
   * steps exactly as they run, one batch each, with the title and facts as comments.
   */
  exportPlan(planId: string, dir = process.cwd()): { path: string } | { refused: string } {
    const plan = this.plans.get(planId);
    if (!plan) return { refused: 'that plan is no longer open' };
    const now = new Date();
    const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const file = path.join(dir, `rpotop-plan-${slug(plan.instance)}-${slug(plan.database)}-${stamp}.sql`);
    try {
      writeFileSync(file, `${formatConsolePlanSql(plan, now.getTime())}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      return { refused: `the plan could not be written to ${file}: ${error instanceof Error ? error.message : String(error)}` };
    }
    return { path: file };
  }

  /**
   * Cancels the statement running now: the driver sends SQL Server an attention, the statement stops and
   * rolls back, and the journal records it as cancelled. False when nothing runs.
   */
  cancelRunning(): boolean {
    if (!this.inFlight) return false;
    this.inFlight.abort();
    return true;
  }

  /** A controller for the statement about to run, so that Esc or Ctrl-C can cancel it. */
  private startRunning(): AbortController {
    const controller = new AbortController();
    this.inFlight = controller;
    return controller;
  }

  private stopRunning(controller: AbortController): void {
    if (this.inFlight === controller) this.inFlight = null;
  }

  /** Runs step `step` of a shown plan, only when every earlier step succeeded: nothing runs ahead. */
  async runPlanStep(planId: string, step: number, typed: string, onProgress: (percent: number, message: string) => void): Promise<ActionResult> {
    const plan = this.plans.get(planId);
    if (!plan) return { ok: false, messages: [], error: 'that plan is no longer open' };
    if (step !== plan.done) return { ok: false, messages: [], error: `step ${step + 1} cannot run before step ${plan.done + 1}` };
    const statement = plan.steps[step]!;
    const where = plan.stepInstances[step]!;
    const instance = findInstance(this.inventory.config, where);
    const runner = this.poller.runnerFor(where);
    if (!instance || !runner) return { ok: false, messages: [], error: `no connection to ${where}` };
    const controller = this.startRunning();
    try {
      if (statement.kind === 'tail-log') {
        const chainEnd = await runner.chainEnd(statement.database);
        if (chainEnd !== null && logTakenSincePlan(plan.steps, plan.stepInstances, step, chainEnd)) return await this.catchUp(plan, step, chainEnd);
      }
      const token = this.executor.confirm(instance, statement, statement.destructive || statement.kind === 'operator' ? typed : null);
      const outcome = await this.executor.execute(instance, statement, token, runner, { onProgress, plan: { planId, step: step + 1 }, signal: controller.signal });
      if (outcome.outcome === 'succeeded') plan.done++;
      if (plan.done === plan.steps.length) this.closePlan(planId, 'every step succeeded');
      return { ok: outcome.outcome === 'succeeded', messages: outcome.messages, error: outcome.error?.message ?? null };
    } catch (error) {
      return { ok: false, messages: [], error: (error as Error).message };
    } finally {
      this.stopRunning(controller);
      this.poller.refresh();
    }
  }

  /**
   * A log backup was taken between the plan and its tail (the Agent job runs on while the application
   * stops): the plan restores it too, before the tail, once msdb shows it carries the chain on. Nothing
   * is sent; the changed plan is journaled and shown, and the operator confirms the tail again.
   */
  private async catchUp(plan: OpenPlan, step: number, chainEnd: bigint): Promise<ActionResult> {
    const statement = plan.steps[step]!;
    const where = plan.stepInstances[step]!;
    const snapshot = this.poller.snapshot();
    const polled = snapshot.databases.find((d) => d.instance === where && d.name === statement.database);
    if (!polled) return { ok: false, messages: [], error: `${where} / ${statement.database} is no longer in the fleet snapshot: nothing was sent` };
    let history;
    try {
      history = await this.poller.history(polled, { fresh: true });
    } catch (error) {
      return { ok: false, messages: [], error: `a log backup was taken after this plan was made, and msdb could not be read again (${(error as Error).message}): nothing was sent` };
    }
    const offset = snapshot.instances.find((i) => i.name === where)?.utcOffsetMinutes ?? 0;
    const caught = catchUpPlan(plan.steps, plan.stepInstances, step, chainEnd, history, incarnationOf(polled.state, history), offset);
    if ('refused' in caught) return { ok: false, messages: [], error: caught.refused };
    const inserted = caught.steps.length - plan.steps.length;
    plan.steps = caught.steps;
    plan.stepInstances = caught.instances;
    const ids = caught.added.map((b) => `#${b.backupSetId}`).join(', ');
    const why = `${caught.added.length} log backup(s) of ${visible(statement.database)} taken after the plan was made (${ids}) are restored before its tail, as steps ${caught.at + 1}-${caught.at + inserted}`;
    this.journalPlan(plan, why);
    return { ok: false, messages: [], error: null, planChanged: { steps: stepViews(plan), why: `${why}. Nothing was sent: confirm step ${step + 1} again to take the tail.` } };
  }

  async run(kind: ActionKind, databaseKey: string, typed: string, onProgress: (percent: number, message: string) => void): Promise<ActionResult> {
    if (kind === 'drill') return this.runPreparedDrill(databaseKey, typed, onProgress);
    const built = this.previewed.get(`${kind}\u0000${databaseKey}`);
    if (!built) return { ok: false, messages: [], error: 'nothing was previewed for this database: nothing runs unseen' };
    this.previewed.delete(`${kind}\u0000${databaseKey}`);
    const instance = findInstance(this.inventory.config, built.db.instance);
    const runner = this.poller.runnerFor(built.db.instance);
    if (!instance || !runner) return { ok: false, messages: [], error: `no connection to ${built.db.instance}` };
    const messages: string[] = [];
    const controller = this.startRunning();
    try {
      // One typed confirmation covers the statements shown together; each still gets its own token.
      const tokens = built.list.map((s) => this.executor.confirm(instance, s, s.destructive ? typed : null));
      for (const [i, statement] of built.list.entries()) {
        // A cancelled statement stops the rest: nothing is sent after it.
        if (controller.signal.aborted) return { ok: false, messages, error: 'cancelled by the operator' };
        const outcome = await this.executor.execute(instance, statement, tokens[i]!, runner, { onProgress, signal: controller.signal });
        messages.push(...outcome.messages);
        if (outcome.outcome !== 'succeeded') return { ok: false, messages, error: outcome.error?.message ?? outcome.outcome };
      }
      return { ok: true, messages, error: null };
    } catch (error) {
      return { ok: false, messages, error: (error as Error).message };
    } finally {
      this.stopRunning(controller);
      this.poller.refresh();
    }
  }
}
