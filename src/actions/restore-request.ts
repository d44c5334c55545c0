import { DURATION_PATTERN, parseDurationMinutes } from '../config/duration.js';
import { buildRestoreChain, incarnationOf, type RestoreTarget } from '../domain/chain.js';
import { offsetAround, type BackupSet } from '../domain/history.js';
import { formatServerTime, parseWallClock, utcOffsetLabel, utcToServerLocal } from '../domain/time.js';
import { serverClock, type DatabaseSnapshot, type FleetSnapshot } from '../fleet/snapshot.js';
import type { FleetPoller } from '../fleet/poller.js';
import type { InstanceRunner } from './executor.js';
import type { BackupFile } from '../sql/backup-files.js';
import type { RestoreForm } from '../ui/actions-port.js';
import { movesFor, type PlanRequest, tsqlHistory } from './plan.js';

export interface RequestContext {
  db: DatabaseSnapshot;
  /** Every database on the same instance: a new name or a moved file must not collide with one. */
  neighbours: readonly DatabaseSnapshot[];
  offsetMinutes: number;
  /** The server's wall clock now, for messages. */
  serverLocalNow: number;
  /** RESTORE FILELISTONLY of a backup (read-only; cached by the caller). */
  files: (backup: BackupSet) => Promise<BackupFile[]>;
}

const MAX_NAME = 128;

/**
 * A point in time as typed, on a server's wall clock ("local ms"): YYYY-MM-DD HH:MM[:SS], or how long
 * before the server's clock now ("-10m", "-2h", "-1d2h"). Never in the future.
 */
export function typedServerTime(typed: string, serverLocalNow: number): number | { refused: string } {
  const ago = typed.startsWith('-') && DURATION_PATTERN.test(typed.slice(1)) ? parseDurationMinutes(typed.slice(1)) * 60_000 : null;
  const local = ago !== null ? serverLocalNow - ago : parseWallClock(typed);
  if (local === null) {
    return {
      refused: `type the point in time as YYYY-MM-DD HH:MM[:SS] on the server's clock, or how long ago as -10m or -2h (it is ${formatServerTime(serverLocalNow)} there now)`,
    };
  }
  if (local > serverLocalNow) return { refused: `${formatServerTime(local)} is in the future on the server's clock (${formatServerTime(serverLocalNow)})` };
  return local;
}

/**
 * A group's point in time: one instant for every member. A wall-clock time is read on the members' servers'
 * clock, so they must keep one time zone; "-30m" or a time ending in UTC works whatever their zones.
 */
export function groupTargetFrom(
  typed: string,
  members: readonly { db: { instance: string; history: readonly BackupSet[] }; serverNowUtc: number; offsetMinutes: number }[],
): RestoreTarget | { refused: string } {
  const text = typed.trim();
  if (!text) return { kind: 'latest' };
  const first = members[0];
  if (!first) return { refused: 'the group has no member to restore' };
  const utc = /\s*UTC$/i.exec(text);
  if (utc) {
    const at = typedServerTime(text.slice(0, utc.index), first.serverNowUtc);
    return typeof at === 'number' ? { kind: 'pointInTime', at } : at;
  }
  const zones = new Map(members.map((m) => [m.offsetMinutes, m.db.instance]));
  if (zones.size > 1 && !text.startsWith('-')) {
    const list = [...zones].map(([offset, instance]) => `${instance} at ${utcOffsetLabel(offset)}`).join(', ');
    return { refused: `the members' servers keep different time zones (${list}): give the time in UTC (YYYY-MM-DD HH:MM UTC) or as -30m` };
  }
  const local = typedServerTime(text, utcToServerLocal(first.serverNowUtc, first.offsetMinutes));
  if (typeof local !== 'number') return local;
  const offset = offsetAround(first.db.history, local - first.offsetMinutes * 60_000, first.offsetMinutes);
  return { kind: 'pointInTime', at: local - offset * 60_000 };
}

/**
 * Checks the options an operator typed (console or `rpotop plan`) and turns them into a plan request:
 * the time on the server's clock, the new name free on the instance, its files read from the backup
 * and moved to names no other database uses. Anything wrong comes back as a sentence, before any plan.
 */
export async function planRequestFrom(form: RestoreForm, ctx: RequestContext): Promise<PlanRequest | { refused: string }> {
  const { db } = ctx;
  let target: RestoreTarget = { kind: 'latest' };
  const typed = form.stopAt.trim();
  if (typed) {
    const local = typedServerTime(typed, ctx.serverLocalNow);
    if (typeof local !== 'number') return local;
    // The offset in force that day (the backups around it say), not today's: a daylight-saving change between.
    const offset = offsetAround(db.history, local - ctx.offsetMinutes * 60_000, ctx.offsetMinutes);
    target = { kind: 'pointInTime', at: local - offset * 60_000 };
  }
  const request: PlanRequest = {
    target,
    as: null,
    tailFirst: form.tailFirst,
    verifyFirst: form.verifyFirst,
    closeConnections: form.closeConnections,
    recover: form.recover,
  };
  const name = form.as.trim();
  // SQL Server compares database names without case under the usual collations.
  if (!name || name.toLowerCase() === db.name.toLowerCase()) return request;
  if ([...name].length > MAX_NAME) return { refused: `a database name has at most ${MAX_NAME} characters` };
  const taken = ctx.neighbours.find((d) => d.name.toLowerCase() === name.toLowerCase());
  if (taken) return { refused: `${taken.name} already exists on ${db.instance}: choose a free name, or leave the name empty to restore over ${db.name}` };
  const chain = buildRestoreChain(tsqlHistory(db.history).history, target, incarnationOf(db.state, db.history));
  if (!chain.ok) return { refused: chain.reason };
  let files: BackupFile[];
  try {
    files = await ctx.files(chain.chain.full);
  } catch (error) {
    return { refused: `RESTORE FILELISTONLY of full backup #${chain.chain.full.backupSetId} failed, so its files cannot be moved: ${(error as Error).message}` };
  }
  if (files.length === 0) return { refused: `RESTORE FILELISTONLY listed no files in full backup #${chain.chain.full.backupSetId}` };
  const inUse = new Map(ctx.neighbours.flatMap((d) => d.state.files.map((f) => [f.physicalName.toLowerCase(), d.name] as const)));
  for (const move of movesFor(files, name)) {
    const owner = inUse.get(move.physical.toLowerCase());
    if (owner) return { refused: `${move.physical} already belongs to ${owner}: choose another name` };
  }
  return { ...request, as: { name, files } };
}

/**
 * The context for a database in a fleet snapshot. File lists are read once per backup and kept in
 * `cache`: a name typed letter by letter must not send a FILELISTONLY per letter.
 */
export function contextFor(
  snapshot: FleetSnapshot,
  db: DatabaseSnapshot,
  runner: InstanceRunner | null,
  cache: Map<string, Promise<BackupFile[]>>,
): RequestContext & { serverNowUtc: number } {
  const now = Date.now();
  const inst = snapshot.instances.find((i) => i.name === db.instance);
  const offsetMinutes = inst?.utcOffsetMinutes ?? 0;
  const serverNowUtc = (inst && serverClock(inst, now)) ?? now;
  return {
    db,
    neighbours: snapshot.databases.filter((d) => d.instance === db.instance),
    offsetMinutes,
    serverLocalNow: utcToServerLocal(serverNowUtc, offsetMinutes),
    serverNowUtc,
    files: (backup) => {
      if (!runner) return Promise.reject(new Error(`no connection to ${db.instance}`));
      const key = `${db.instance}\u0000${backup.backupSetUuid}`;
      let files = cache.get(key);
      if (!files) {
        files = runner.backupFiles(backup);
        // A failed read is not remembered: the next keystroke tries again.
        files.catch(() => cache.delete(key));
        cache.set(key, files);
      }
      return files;
    },
  };
}

/** The database with its whole history, read on demand, or why it could not be read. */
export async function withWholeHistory(poller: FleetPoller, db: DatabaseSnapshot): Promise<DatabaseSnapshot | { refused: string }> {
  try {
    return { ...db, history: await poller.history(db) };
  } catch (error) {
    return { refused: `the history of ${db.instance} / ${db.name} could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}
