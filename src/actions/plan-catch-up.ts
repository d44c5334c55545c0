import { logsContinuing, type Incarnation } from '../domain/chain.js';
import type { BackupSet } from '../domain/history.js';
import { formatLsn, type Lsn } from '../domain/lsn.js';
import { visible } from '../domain/visible.js';
import { restoreSteps, verifyOnly, type Statement } from '../sql/statements.js';
import { backupLabel } from './plan.js';

/** Where a plan's tail-log backup stands among its steps, and the restores of its database after it. */
function tailContext(steps: readonly Statement[], instances: readonly string[], tailStep: number) {
  const tail = steps[tailStep]!;
  const ofTail = (s: Statement, i: number) => i > tailStep && instances[i] === instances[tailStep] && s.database === tail.database;
  const restored = steps.filter((s, i) => ofTail(s, i) && s.kind !== 'verify' && s.backup !== null && s.backup.backupSetId !== 0);
  return {
    tail,
    last: restored.at(-1)?.backup ?? null,
    /** The step that restores the tail itself (its backup is the one this plan takes: id 0). */
    tailRestore: steps.findIndex((s, i) => ofTail(s, i) && s.kind === 'restore-log' && s.backup?.backupSetId === 0),
    verifies: steps.some((s, i) => s.kind === 'verify' && instances[i] === instances[tailStep] && s.database === tail.database),
  };
}

/**
 * Why a plan's tail-log backup (step `tailStep`) must not be taken as planned, or null. The tail starts where
 * the database's log chain ends on the server (`chainEnd`, sys.database_recovery_status.last_log_backup_lsn);
 * the plan restores the tail after its last backup of that database. A log backup taken since the plan
 * was made (the Agent job still runs while the application is stopped) moves the chain past that
 * backup's end: the tail would then be refused at the end of the plan (4305), with the database already
 * restored over. Checked just before the tail is sent, so nothing has changed yet.
 */
export function logTakenSincePlan(steps: readonly Statement[], instances: readonly string[], tailStep: number, chainEnd: Lsn | null): string | null {
  const { tail, last } = tailContext(steps, instances, tailStep);
  if (!last || chainEnd === null || chainEnd <= last.lastLsn) return null;
  return `a log backup of ${visible(tail.database)} was taken after this plan was made: its log now continues from LSN ${formatLsn(chainEnd)}, past the end of the plan's last backup (#${last.backupSetId}, LSN ${formatLsn(last.lastLsn)}), so the tail would not restore after it`;
}

export type CaughtUp = { steps: Statement[]; instances: string[]; added: BackupSet[]; at: number } | { refused: string };

/**
 * The plan with the log backups taken since it was made restored before its tail: read from msdb again
 * (`history`), they must carry the chain on from the plan's last backup, by the chain's own rules, up to
 * where the server says the log chain now ends. Where they do not (a log to NUL, a damaged or missing
 * one) there is no catching up: the tail would not restore after the plan, and the operator is told why.
 * Verified first when the plan verifies its backups first.
 */
export function catchUpPlan(
  steps: readonly Statement[],
  instances: readonly string[],
  tailStep: number,
  chainEnd: Lsn,
  history: readonly BackupSet[],
  incarnation: Incarnation,
  offsetMinutes: number,
): CaughtUp {
  const stale = logTakenSincePlan(steps, instances, tailStep, chainEnd);
  const { tail, last, tailRestore, verifies } = tailContext(steps, instances, tailStep);
  if (!stale || !last || tailRestore < 0) return { refused: 'the plan needs no catching up' };
  const added = logsContinuing(last, history, incarnation).filter((b) => b.lastLsn <= chainEnd);
  if (added.at(-1)?.lastLsn !== chainEnd) {
    return { refused: `${stale}, and no usable log backup in msdb carries the chain from there (one went to NUL, is damaged, or is not recorded): nothing was sent; close this plan and make it again` };
  }
  const restores = restoreSteps(
    tail.database,
    added.map((backup) => ({ backup, stopAtLocal: null, label: backupLabel(backup, history, offsetMinutes) })),
    { replace: false, moves: [], recover: false },
  );
  const inserted = restores.flatMap((r, i) => (verifies ? [verifyOnly(tail.database, added[i]!), r] : [r]));
  const where = instances[tailStep]!;
  return {
    steps: [...steps.slice(0, tailRestore), ...inserted, ...steps.slice(tailRestore)],
    instances: [...instances.slice(0, tailRestore), ...inserted.map(() => where), ...instances.slice(tailRestore)],
    added,
    at: tailRestore,
  };
}
