import { randomBytes } from 'node:crypto';
import { buildRestoreChain, incarnationOf, type RestoreChain, type RestoreTarget } from '../domain/chain.js';
import { describeBackup, notTsqlRestorable, offsetAround, type BackupSet } from '../domain/history.js';
import { estimateRto, type RtoEstimate } from '../domain/rto.js';
import { formatLsn } from '../domain/lsn.js';
import { tailDecision } from '../domain/tail.js';
import { formatDuration, formatServerTime, utcToServerLocal } from '../domain/time.js';
import { quoteName, unscriptableName } from '../sql/quote.js';
import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import type { BackupFile } from '../sql/backup-files.js';
import {
  multiUser,
  restoreSteps,
  exclusively,
  isUrl,
  tailLogBackup,
  unscriptableMark,
  verifyOnly,
  type MarkStop,
  type Statement,
} from '../sql/statements.js';
import { logHolding, type LogMark } from '../domain/marks.js';
import { visible } from '../domain/visible.js';

export interface PlanRequest {
  target: RestoreTarget;
  /** Restore under a new name, each file moved (WITH MOVE), instead of over the database. */
  as: { name: string; files: BackupFile[]; into?: FileFolders } | null;
  /** Back up the tail of the log first (restoring over the database, FULL or BULK_LOGGED only). */
  tailFirst: boolean;
  /** RESTORE VERIFYONLY every backup before anything changes. */
  verifyFirst: boolean;
  /** SINGLE_USER WITH ROLLBACK IMMEDIATE before the tail or the first restore over the database. */
  closeConnections: boolean;
  /** Recover at the end, or leave the database restoring for more logs. */
  recover: boolean;
  /**
   * Stop after this marked transaction (STOPATMARK) instead of at a time: the target is then the mark's
   * commit time, and the chain's last log must hold the mark's LSN.
   */
  mark?: LogMark;
}

export const defaultPlanRequest: PlanRequest = {
  target: { kind: 'latest' },
  as: null,
  tailFirst: true,
  verifyFirst: false,
  closeConnections: true,
  recover: true,
};

/** Options asked for that this plan cannot honour, each with why: the screen shows them off, not ticked. */
export interface NotApplied {
  tailFirst?: string;
  closeConnections?: string;
}

export type RestorePlan =
  | {
      ok: true;
      steps: Statement[];
      chain: RestoreChain;
      estimate: RtoEstimate;
      target: string;
      notes: string[];
      notApplied: NotApplied;
      /** Set when the plan overwrites a database whose log since the last log backup it does not keep: what is lost. */
      losesTail: string | null;
    }
  | { ok: false; reason: string };

/**
 * How a restore step names the backup it reads (type, id, finish on the server's clock, LSNs, files), so a
 * reviewer can check a long plan against msdb.
 */
export function backupLabel(b: BackupSet, history: readonly BackupSet[], offsetMinutes: number): string {
  return (
    `the ${b.type === 'D' ? 'full' : b.type === 'I' ? 'differential' : 'log'} backup #${b.backupSetId} (finished ` +
    `${formatServerTime(utcToServerLocal(b.finish, offsetAround(history, b.finish, offsetMinutes)))} server time, LSN ${formatLsn(b.firstLsn)} to ${formatLsn(b.lastLsn)}, ` +
    `${b.media.map((m) => m.physicalDeviceName).join(' + ')})`
  );
}

/** Where a tail-log backup goes: beside the newest log backup, named for the database and the time. */
export function tailFile(db: DatabaseSnapshot, serverLocalNow: number): string {
  const stamp = new Date(serverLocalNow).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const last = db.assessment.lastLog?.media[0]?.physicalDeviceName ?? db.assessment.lastFull?.media[0]?.physicalDeviceName;
  const sep = last?.includes('\\') ? '\\' : '/';
  const dir = last && last.includes(sep) ? last.slice(0, last.lastIndexOf(sep)) : '';
  const safe = db.name.replace(/[\\/:*?"<>|]/g, '_');
  // A suffix of its own: BACKUP appends to an existing file (NOINIT), and a RESTORE of that name without
  // FILE = n would read the older backup set in it (4326, "too early").
  return `${dir}${dir ? sep : ''}${safe}_TAIL_${stamp}_${randomBytes(3).toString('hex')}.trn`;
}

/** Where a restored copy's files go instead of the backup's own folders: a drill target's default paths. */
export interface FileFolders {
  data: string;
  log: string;
}

/** A folder with its trailing separator, whichever the server uses. */
function folder(path: string): string {
  const sep = path.includes('\\') ? '\\' : '/';
  return path.endsWith(sep) ? path : `${path}${sep}`;
}

/**
 * New file names for a restore under another name: the backup's folders (or `into`'s, data files in its data
 * folder and the log in its log folder), the new name in the file name.
 */
export function movesFor(files: readonly BackupFile[], newName: string, into?: FileFolders): { logical: string; physical: string }[] {
  const safe = newName.replace(/[\\/:*?"<>|]/g, '_');
  const used = new Set<string>();
  return files.map((f) => {
    const sep = f.physicalName.includes('\\') ? '\\' : '/';
    const dir = into ? folder(f.type === 'L' ? into.log : into.data) : f.physicalName.slice(0, f.physicalName.lastIndexOf(sep) + 1);
    const dot = f.physicalName.lastIndexOf('.');
    const ext = dot > f.physicalName.lastIndexOf(sep) ? f.physicalName.slice(dot) : '';
    const base = `${dir}${safe}${f.type === 'L' ? '_log' : ''}`;
    // Two data files in one folder (a secondary .ndf beside the .mdf with the same extension) stay apart.
    let physical = `${base}${ext}`;
    for (let n = 2; used.has(physical.toLowerCase()); n++) physical = `${base}_${n}${ext}`;
    used.add(physical.toLowerCase());
    return { logical: f.logicalName, physical };
  });
}

/** The history a T-SQL plan can restore from, and what it leaves out (snapshots, virtual-device backups) and why. */
export function tsqlHistory(all: readonly BackupSet[]): { history: BackupSet[]; leftOut: { backup: BackupSet; reason: string }[] } {
  const history: BackupSet[] = [];
  const leftOut: { backup: BackupSet; reason: string }[] = [];
  for (const backup of all) {
    const reason = notTsqlRestorable(backup);
    if (reason) leftOut.push({ backup, reason });
    else history.push(backup);
  }
  return { history, leftOut };
}

/** The STOPATMARK of a chain built to a mark's time: its last log must hold the mark, or the plan is refused. */
function markStopFor(db: DatabaseSnapshot, chain: RestoreChain, mark: LogMark, offsetMinutes: number): MarkStop | { refused: string } {
  const unsafe = unscriptableMark(mark.name);
  if (unsafe) return { refused: unsafe };
  const holder = logHolding(chain, mark);
  if (!holder || holder !== chain.logs.at(-1)) {
    return { refused: `no log backup of the chain holds the mark ${visible(mark.name)} (LSN ${formatLsn(mark.lsn)}): its log was not backed up, or was written to NUL` };
  }
  return { name: mark.name, afterLocal: utcToServerLocal(mark.time, offsetAround(db.history, mark.time, offsetMinutes)) };
}

/**
 * The statements that restore a database to a target, in order, built from the chain the domain found:
 * close connections, take the tail, restore full, differential and logs (then the tail), recover. A chain
 * that cannot reach the target is refused here, before any statement exists.
 */
export function buildRestorePlan(
  db: DatabaseSnapshot,
  request: PlanRequest,
  serverNowUtc: number,
  offsetMinutes: number,
  /** Where the tail-log backup stands in a longer plan (a group's takes every tail first); 1-based. */
  tailStepNumber?: number,
): RestorePlan {
  const unsafe = unscriptableName(db.name) ?? (request.as ? unscriptableName(request.as.name) : null);
  if (unsafe) return { ok: false, reason: unsafe };
  const folded = db.history.find((b) => b.run);
  if (folded) return { ok: false, reason: `the whole history of ${visible(db.name)} was not read: ${describeBackup(folded)} stands for ${folded.run!.logs} log backup(s) a poll did not keep` };
  const { history, leftOut } = tsqlHistory(db.history);
  const notes: string[] = [];
  const built = buildRestoreChain(history, request.target, incarnationOf(db.state, db.history));
  if (!built.ok) return { ok: false, reason: leftOut.length > 0 ? `${built.reason}; ${leftOut.length} backup(s) T-SQL cannot restore: ${leftOut[0]!.reason}` : built.reason };
  const chain = built.chain;
  const markStop = request.mark ? markStopFor(db, chain, request.mark, offsetMinutes) : null;
  if (markStop && 'refused' in markStop) return { ok: false, reason: markStop.refused };
  const skippedFulls = leftOut.filter((l) => l.backup.type === 'D' && l.backup.lastLsn > chain.full.lastLsn);
  if (skippedFulls.length > 0) {
    const newest = skippedFulls.at(-1)!;
    notes.push(`full backup #${newest.backup.backupSetId} is not used: ${newest.reason}; this plan starts from full #${chain.full.backupSetId}, the newest T-SQL can restore`);
  }
  const target = request.as?.name ?? db.name;
  const over = request.as === null;
  const steps: Statement[] = [];
  const pieces: BackupSet[] = [chain.full, ...(chain.diff ? [chain.diff] : []), ...chain.logs];
  if (request.verifyFirst) for (const b of pieces) steps.push(verifyOnly(db.name, b));

  const ag = db.state.availabilityGroup;
  if (over && ag) {
    return {
      ok: false,
      reason:
        `SQL Server refuses RESTORE over a database in an availability group (3104): ${db.name} is in ${ag.name} (${ag.role} here). ` +
        `Restore it under a new name, or remove it from the group on this replica first (ALTER AVAILABILITY GROUP ${quoteName(ag.name)} REMOVE DATABASE ${quoteName(db.name)} on the primary) and plan again`,
    };
  }
  const online = db.state.state === 'ONLINE';
  const latest = request.target.kind === 'latest';
  const decision = over && latest ? tailDecision(db.state, db.history, chain) : null;
  if (decision && 'blocksLatest' in decision && decision.blocksLatest) return { ok: false, reason: `no plan to the latest point: ${decision.none}` };
  const variant = request.tailFirst && decision && 'variant' in decision ? decision.variant : null;
  // Connections are closed in the batch of the first statement that needs the database to itself.
  const closeFirst = over && online && request.closeConnections;
  let tail: BackupSet | null = null;
  const serverLocalNow = utcToServerLocal(serverNowUtc, offsetMinutes);
  const file = tailFile(db, serverLocalNow);
  if (variant) {
    const backup = tailLogBackup(db.name, file, variant);
    steps.push(closeFirst ? exclusively(backup) : backup);
    // The tail is restored last; it exists once the step above has run. Every variant but
    // CONTINUE_AFTER_ERROR is taken WITH CHECKSUM, so its restore can check them.
    tail = {
      ...chain.logs.at(-1) ?? chain.diff ?? chain.full,
      type: 'L',
      backupSetId: 0,
      position: 1,
      media: [{ familySequenceNumber: 1, physicalDeviceName: file, deviceType: isUrl(file) ? 9 : 2 }],
      familyCount: 1,
      hasBackupChecksums: variant !== 'continue_after_error',
    };
    notes.push(`the tail-log backup goes to ${file} and is restored last`);
  } else if (over && db.state.state !== 'RESTORING' && db.state.recoveryModel !== 'SIMPLE') {
    const why = decision && 'none' in decision ? decision.none : !latest ? 'a point in time is restored without it' : 'not asked for';
    notes.push(`no tail-log backup (${why}): transactions after the last log backup are lost (REPLACE)`);
  }
  const notApplied: NotApplied = {};
  if (request.tailFirst && !variant) {
    notApplied.tailFirst = !over
      ? 'a restore under a new name leaves this database as it is'
      : decision && 'none' in decision
        ? decision.none
        : !latest
          ? 'a point in time is restored without the tail'
          : 'SIMPLE recovery or RESTORING: there is no tail to take';
  }
  if (request.closeConnections && !closeFirst) {
    notApplied.closeConnections = !over ? 'a restore under a new name leaves this database\'s connections alone' : `the database is ${db.state.state}: nobody is connected`;
  }
  // What no backup holds: the log since the newest log backup (the chain's own end for a point in time is earlier).
  const lastBackedUp = db.assessment.lastLog ?? chain.logs.at(-1) ?? chain.diff ?? chain.full;
  const losesTail =
    over && !variant && db.state.state !== 'RESTORING' && db.state.recoveryModel !== 'SIMPLE'
      ? `this plan overwrites ${db.name} without a tail-log backup: the log written since the last log backup (${formatServerTime(utcToServerLocal(lastBackedUp.finish, offsetMinutes))}, server time) is lost for good`
      : null;
  if (latest && chain.brokenAfter) {
    const lost = formatDuration(Math.max(0, serverNowUtc - chain.restorableTo));
    notes.push(
      `the log chain is broken: this plan restores to ${formatServerTime(utcToServerLocal(chain.restorableTo, offsetMinutes))} (server time), ` +
        `the last point the chain reaches; the ${lost} of transactions since then cannot be restored (${chain.brokenAfter.text})`,
    );
  }
  // STOPAT on the server's wall clock as it read at that instant (a daylight-saving change may lie between).
  const stopAtLocal = chain.stopAt === null ? null : utcToServerLocal(chain.stopAt, offsetAround(db.history, chain.stopAt, offsetMinutes));
  const label = (b: BackupSet) => backupLabel(b, db.history, offsetMinutes);
  const restoreList = [
    ...pieces.map((backup, i) => {
      const last = i === pieces.length - 1 && !tail;
      return markStop && last ? { backup, stopAtLocal: null, stopAtMark: markStop, label: label(backup) } : { backup, stopAtLocal: last ? stopAtLocal : null, label: label(backup) };
    }),
    ...(tail ? [{ backup: tail, stopAtLocal: null, label: `the tail-log backup taken in step ${tailStepNumber ?? steps.findIndex((s) => s.kind === 'tail-log') + 1}` }] : []),
  ];
  const restores = restoreSteps(target, restoreList, {
    // Over a database whose tail is not taken (online, or damaged and not RESTORING), SQL Server wants REPLACE (3159).
    replace: over && db.state.state !== 'RESTORING' && !variant,
    moves: request.as ? movesFor(request.as.files, request.as.name, request.as.into) : [],
    recover: request.recover,
  });
  // Without a tail the first restore is what needs the database to itself.
  if (closeFirst && !variant) restores[0] = exclusively(restores[0]!);
  steps.push(...restores);
  if (closeFirst && request.recover) steps.push(multiUser(target));
  const samples = db.history.filter((b) => b.finish > b.start).map((b) => ({ kind: 'backup' as const, bytes: b.backupSize, seconds: (b.finish - b.start) / 1000 }));
  return { ok: true, steps, chain, estimate: estimateRto(chain, samples), target, notes, notApplied, losesTail };
}
