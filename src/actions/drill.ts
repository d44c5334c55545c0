import { randomUUID } from 'node:crypto';
import type { InstanceConfig } from '../config/schema.js';
import type { RestoreChain } from '../domain/chain.js';
import type { DrillRecord } from '../domain/drill.js';
import type { BackupSet } from '../domain/history.js';
import type { RtoEstimate } from '../domain/rto.js';
import { formatServerTime, utcToServerLocal } from '../domain/time.js';
import type { FleetPoller } from '../fleet/poller.js';
import { serverClock, type DatabaseSnapshot, type FleetSnapshot } from '../fleet/snapshot.js';
import { withWholeHistory } from './restore-request.js';
import type { BackupFile } from '../sql/backup-files.js';
import { unscriptableName } from '../sql/quote.js';
import { checkDb, dropDatabase, type Statement } from '../sql/statements.js';
import type { DrillLog } from './drill-log.js';
import { ActionRefused, type Confirmation, type Executor, type InstanceRunner, type Outcome } from './executor.js';
import { buildRestorePlan, movesFor, type FileFolders } from './plan.js';

const MAX_NAME = 128;

/** Where a drill restores its copy: the same instance or another that can read the backup files. */
export interface DrillTarget {
  instance: string;
  /** The databases already there: the copy's name and files must not collide with theirs. */
  neighbours: readonly Pick<DatabaseSnapshot, 'name' | 'state'>[];
  /** Its default data and log folders; null (2008 R2): the backup's own folders, on the target. */
  folders: FileFolders | null;
  /** RESTORE FILELISTONLY of a backup, run on the target: it must read the files the restore will. */
  files: (backup: BackupSet) => Promise<BackupFile[]>;
}

export interface DrillPlan {
  id: string;
  source: { instance: string; database: string };
  target: string;
  copy: string;
  /** Restores of the chain under the copy's name, CHECKDB of the copy, DROP of the copy. */
  steps: Statement[];
  chain: RestoreChain;
  estimate: RtoEstimate;
  bytes: number;
}

/** The copy's name: the database's, marked as a drill's and stamped, free on the target, at most 128 characters. */
export function drillCopyName(database: string, serverLocalNow: number, taken: readonly string[]): string {
  const stamp = formatServerTime(serverLocalNow).replace(/[-:]/g, '').replace(' ', '_').slice(0, 13);
  const used = new Set(taken.map((t) => t.toLowerCase()));
  for (let n = 1; ; n++) {
    const suffix = `_rpotop_drill_${stamp}${n > 1 ? `_${n}` : ''}`;
    const name = `${[...database].slice(0, MAX_NAME - suffix.length).join('')}${suffix}`;
    if (!used.has(name.toLowerCase())) return name;
  }
}

/**
 * A drill of a database: its latest restorable chain (full, differential, logs) restored under a new name on
 * the target, files in the target's default folders, then DBCC CHECKDB of the copy, then DROP of the copy.
 * Refused, before any statement exists, when the chain cannot be built, the target cannot read its full
 * backup, or the copy's files would land on another database's.
 */
export async function buildDrillPlan(
  db: DatabaseSnapshot,
  target: DrillTarget,
  serverNowUtc: number,
  offsetMinutes: number,
  targetLocalNow: number,
): Promise<DrillPlan | { refused: string }> {
  if (db.state.standbyOf) return { refused: `${db.instance} / ${db.name} is a standby copy: drill ${db.state.standbyOf.sourceServer} / ${db.state.standbyOf.sourceDatabase} instead` };
  const unsafe = unscriptableName(db.name);
  if (unsafe) return { refused: unsafe };
  const copy = drillCopyName(db.name, targetLocalNow, target.neighbours.map((d) => d.name));
  const first = buildRestorePlan(db, { target: { kind: 'latest' }, as: { name: copy, files: [] }, tailFirst: false, verifyFirst: false, closeConnections: false, recover: true }, serverNowUtc, offsetMinutes);
  if (!first.ok) return { refused: `no restorable chain to drill: ${first.reason}` };
  let files: BackupFile[];
  try {
    files = await target.files(first.chain.full);
  } catch (error) {
    return { refused: `${target.instance} cannot read full backup #${first.chain.full.backupSetId} (${first.chain.full.media.map((m) => m.physicalDeviceName).join(' + ')}): ${(error as Error).message}` };
  }
  if (files.length === 0) return { refused: `RESTORE FILELISTONLY listed no files in full backup #${first.chain.full.backupSetId}` };
  const inUse = new Map(target.neighbours.flatMap((d) => d.state.files.map((f) => [f.physicalName.toLowerCase(), d.name] as const)));
  for (const move of movesFor(files, copy, target.folders ?? undefined)) {
    const owner = inUse.get(move.physical.toLowerCase());
    if (owner) return { refused: `${move.physical} already belongs to ${owner} on ${target.instance}` };
  }
  const plan = buildRestorePlan(
    db,
    { target: { kind: 'latest' }, as: { name: copy, files, ...(target.folders ? { into: target.folders } : {}) }, tailFirst: false, verifyFirst: false, closeConnections: false, recover: true },
    serverNowUtc,
    offsetMinutes,
  );
  if (!plan.ok) return { refused: plan.reason };
  const pieces = [plan.chain.full, ...(plan.chain.diff ? [plan.chain.diff] : []), ...plan.chain.logs];
  return {
    id: randomUUID(),
    source: { instance: db.instance, database: db.name },
    target: target.instance,
    copy,
    steps: [...plan.steps, checkDb(copy), dropDatabase(copy)],
    chain: plan.chain,
    estimate: plan.estimate,
    bytes: pieces.reduce((n, b) => n + b.backupSize, 0),
  };
}

/**
 * A drill of a database of the fleet snapshot on a target instance, planned on the database's whole history
 * with the target's default folders and file lists: what the command line and the console both run.
 */
export async function planDrill(poller: FleetPoller, snapshot: FleetSnapshot, polled: DatabaseSnapshot, target: string): Promise<DrillPlan | { refused: string }> {
  const db = await withWholeHistory(poller, polled);
  if ('refused' in db) return db;
  const runner = poller.runnerFor(target);
  if (!runner) return { refused: `${target} is not connected` };
  const sourceInst = snapshot.instances.find((i) => i.name === polled.instance);
  const targetInst = snapshot.instances.find((i) => i.name === target);
  if (!sourceInst || !targetInst) return { refused: `${target} is not in the fleet snapshot` };
  if (targetInst.canCreateDatabase === false) return { refused: `the login cannot create databases on ${target} (CREATE ANY DATABASE), which a drill's restore needs` };
  let folders: FileFolders | null;
  try {
    folders = await runner.defaultPaths();
  } catch (error) {
    return { refused: `${target}'s default paths could not be read: ${(error as Error).message}` };
  }
  const now = Date.now();
  return buildDrillPlan(
    db,
    { instance: target, neighbours: snapshot.databases.filter((d) => d.instance === target), folders, files: (backup) => runner.backupFiles(backup) },
    serverClock(sourceInst, now) ?? now,
    sourceInst.utcOffsetMinutes ?? 0,
    utcToServerLocal(serverClock(targetInst, now) ?? now, targetInst.utcOffsetMinutes ?? 0),
  );
}

/** What a drill tells whoever runs it, step by step. */
export type DrillEvent =
  | { kind: 'step'; index: number; statement: Statement }
  | { kind: 'progress'; index: number; percent: number }
  | { kind: 'outcome'; index: number; statement: Statement; outcome: Outcome };

export interface DrillRun {
  plan: DrillPlan;
  /** The drill target's entry in the inventory and its connection. */
  instance: InstanceConfig;
  runner: InstanceRunner;
  executor: Executor;
  log: DrillLog;
  /** The operator's confirmation of each statement (the copy's name for its DROP); null refuses it. */
  confirm: (statement: Statement) => Promise<string | null>;
  rtoSeconds: number;
  signal?: AbortSignal;
  onEvent?: (event: DrillEvent) => void;
}

/** SQL Server's errors of a failed statement, each "Msg N: text" as the executor keeps them. */
const errorsOf = (o: Outcome): string[] => {
  const errors = o.messages.filter((m) => /^Msg \d+/.test(m));
  return errors.length > 0 || !o.error ? errors : [o.error.message];
};

/**
 * Runs a drill through the executor, each statement confirmed and journaled: the restores, CHECKDB, the
 * drop. A failed or cancelled restore stops the drill and drops what it created (a copy left RESTORING);
 * CHECKDB's errors fail the drill but the copy is dropped all the same. Never touches the source database:
 * every statement names the copy. The record is written to the drill log whatever the result.
 */
export async function runDrill(run: DrillRun): Promise<DrillRecord> {
  const { plan } = run;
  const started = Date.now();
  const restoreCount = plan.steps.length - 2;
  let restoreMs = 0;
  let checkdbMs = 0;
  let result: DrillRecord['result'] = 'passed';
  const errors: string[] = [];
  let created = false;

  const execute = async (index: number, withSignal: boolean): Promise<Outcome> => {
    const statement = plan.steps[index]!;
    run.onEvent?.({ kind: 'step', index, statement });
    const typed = await run.confirm(statement);
    if (typed === null) throw new ActionRefused(`not confirmed: ${statement.summary}`);
    const confirmation: Confirmation = run.executor.confirm(run.instance, statement, typed);
    const outcome = await run.executor.execute(run.instance, statement, confirmation, run.runner, {
      plan: { planId: plan.id, step: index + 1 },
      ...(withSignal && run.signal ? { signal: run.signal } : {}),
      onProgress: (percent) => run.onEvent?.({ kind: 'progress', index, percent }),
    });
    run.onEvent?.({ kind: 'outcome', index, statement, outcome });
    return outcome;
  };

  let stopped = false;
  try {
    for (let i = 0; i < restoreCount && !stopped; i++) {
      if (run.signal?.aborted) {
        result = 'interrupted';
        stopped = true;
        break;
      }
      const outcome = await execute(i, true);
      // Sent (whatever its outcome): the copy may exist. A refusal before sending throws past this.
      created = true;
      restoreMs += outcome.durationMs;
      if (outcome.outcome !== 'succeeded') {
        result = outcome.outcome === 'cancelled' ? 'interrupted' : 'restore-failed';
        errors.push(...errorsOf(outcome));
        stopped = true;
      }
    }
    if (!stopped && run.signal?.aborted) {
      result = 'interrupted';
      stopped = true;
    }
    if (!stopped) {
      const outcome = await execute(restoreCount, true);
      checkdbMs = outcome.durationMs;
      if (outcome.outcome === 'cancelled') result = 'interrupted';
      else if (outcome.outcome === 'failed') {
        result = 'checkdb-errors';
        errors.push(...errorsOf(outcome));
      }
    }
  } catch (error) {
    // A refusal (not confirmed, read-only) or a lost link: what was created is still dropped below.
    result = result === 'passed' ? 'interrupted' : result;
    errors.push(error instanceof Error ? error.message : String(error));
  }

  let dropped = false;
  let dropNote: string | null = null;
  if (created) {
    try {
      const outcome = await execute(plan.steps.length - 1, false);
      dropped = outcome.outcome === 'succeeded';
      // A first restore that failed before creating anything leaves nothing to drop (3701).
      if (!dropped && outcome.error?.number === 3701) dropNote = 'no copy was left to drop';
      else if (!dropped) dropNote = `${plan.copy} is still on ${plan.target}: ${outcome.error?.message ?? outcome.outcome}; drop it by hand`;
    } catch (error) {
      dropNote = `${plan.copy} may still be on ${plan.target}: ${error instanceof Error ? error.message : String(error)}; drop it by hand`;
    }
  } else {
    dropNote = 'nothing was restored, so nothing was dropped';
  }

  const record: DrillRecord = {
    v: 1,
    id: plan.id,
    instance: plan.source.instance,
    database: plan.source.database,
    target: plan.target,
    copy: plan.copy,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    result,
    restoreMs,
    checkdbMs,
    totalMs: Date.now() - started,
    bytes: plan.bytes,
    chain: {
      full: plan.chain.full.backupSetId,
      diff: plan.chain.diff?.backupSetId ?? null,
      logs: plan.chain.logs.length,
      restorableTo: new Date(plan.chain.restorableTo).toISOString(),
    },
    rtoSeconds: run.rtoSeconds,
    errors,
    dropped,
    dropNote,
  };
  run.log.append(record);
  return record;
}
