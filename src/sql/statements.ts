import type { BackupSet } from '../domain/history.js';
import type { TailVariant } from '../domain/tail.js';
import { formatServerTime, toDatetimePrecision } from '../domain/time.js';
import { commentText, quoteName, quoteString } from './quote.js';
import { hasInvisible } from '../domain/visible.js';

/**
 * The statements rpotop can run to change a server, built from the recovery domain's plan. Names go
 * through QUOTENAME; every value (backup files, logical file names, STOPAT) is a parameter, so the text
 * never carries a string from msdb or an operator. `script` renders the same statement as runnable
 * T-SQL (DECLAREs, then the statement) for the confirm screen, the journal and change tickets.
 */
export type StatementKind = 'tail-log' | 'verify' | 'restore-full' | 'restore-diff' | 'restore-log' | 'recover' | 'multi-user' | 'operator' | 'checkdb' | 'drop';

export interface Param {
  name: string;
  type: 'nvarchar(260)' | 'nvarchar(128)' | 'datetime' | 'int';
  /** Text, or for datetime the server's wall clock as "local ms", already at datetime's precision. */
  value: string | number;
}

export interface Statement {
  kind: StatementKind;
  database: string;
  /** The statement, with @parameters for every value. */
  text: string;
  params: Param[];
  /** Overwrites a database or takes it offline: the operator types the database's name to confirm. */
  destructive: boolean;
  /** What the step does, in words, for the plan screen and the ticket. */
  summary: string;
  /** The backup it reads, if any. */
  backup: BackupSet | null;
}

/** The statement as one runnable T-SQL script: what the operator confirms is what runs. */
export function script(s: Statement): string {
  if (s.kind === 'operator') return s.text;
  const declares = s.params.map((p) => {
    const value =
      p.type === 'int' ? String(p.value) : typeof p.value === 'number' ? `'${formatServerTime(p.value, true).replace(' ', 'T')}'` : quoteString(p.value);
    return `DECLARE ${p.name} ${p.type} = ${value};`;
  });
  return [...declares, s.text].join('\n');
}

const STATS = 'STATS = 10';

/** A backup destination in a URL container (Azure Blob or S3-compatible storage), not a file. */
export const isUrl = (destination: string): boolean => /^(https?|s3):\/\//i.test(destination);

/** Names a backup's set on its media: a file that backups were appended to (NOINIT) holds them in order. */
export const FILE = 'FILE = @position';

/**
 * The FROM devices of a backup, and the parameters for them and for FILE = @position: RESTORE without
 * FILE reads the first set in a file. Every RESTORE rpotop writes (and FILELISTONLY) reads a backup so.
 */
export function backupDevices(backup: Pick<BackupSet, 'media' | 'position'>): { clause: string; params: Param[] } {
  const media = [...backup.media].sort((a, b) => a.familySequenceNumber - b.familySequenceNumber);
  const disks: Param[] = media.map((m, i) => ({ name: `@file${i + 1}`, type: 'nvarchar(260)', value: m.physicalDeviceName }));
  // A backup to URL (device type 9) is read FROM URL; files FROM DISK.
  const kind = media.some((m) => m.deviceType === 9) ? 'URL' : 'DISK';
  return { clause: disks.map((p) => `${kind} = ${p.name}`).join(', '), params: [...disks, { name: '@position', type: 'int', value: backup.position }] };
}


/** BACKUP LOG of the tail: NORECOVERY when online (the database goes RESTORING), NO_TRUNCATE when it cannot start. */
export function tailLogBackup(database: string, file: string, variant: TailVariant): Statement {
  const withs =
    variant === 'norecovery' ? 'NORECOVERY, CHECKSUM' : variant === 'no_truncate' ? 'NO_TRUNCATE, CHECKSUM' : 'NO_TRUNCATE, CONTINUE_AFTER_ERROR';
  return {
    kind: 'tail-log',
    database,
    // Beside backups kept in a URL container, the tail goes there too (with the credential they used).
    text: `BACKUP LOG ${quoteName(database)} TO ${isUrl(file) ? 'URL' : 'DISK'} = @file1 WITH ${withs}, ${STATS};`,
    params: [{ name: '@file1', type: 'nvarchar(260)', value: file }],
    destructive: variant === 'norecovery',
    summary:
      variant === 'norecovery'
        ? `back up the tail of the log to ${file}; the database goes to RESTORING and its sessions are cut`
        : `back up the tail of the log of a database that cannot start (${variant.toUpperCase()}) to ${file}`,
    backup: null,
  };
}

/**
 * SINGLE_USER WITH ROLLBACK IMMEDIATE and the statement that needs the database to itself (the tail-log
 * backup, or the first restore over it), as one batch: sent as two, another session can take the single
 * connection in between and the second fails with 3101. Still one script, confirmed once.
 */
export function exclusively(next: Statement): Statement {
  return {
    ...next,
    text: `ALTER DATABASE ${quoteName(next.database)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n${next.text}`,
    destructive: true,
    summary: `close every other connection (open transactions roll back), then ${next.summary}`,
  };
}

/**
 * WITH CHECKSUM verifies the backup's page checksums, and SQL Server refuses it (Msg 3187) for a backup
 * taken without them: ask for it only where msdb says the backup has them.
 */
function checksum(backup: Pick<BackupSet, 'hasBackupChecksums'>): string[] {
  return backup.hasBackupChecksums ? ['CHECKSUM'] : [];
}

export function verifyOnly(database: string, backup: BackupSet): Statement {
  const d = backupDevices(backup);
  return {
    kind: 'verify',
    database,
    text: `RESTORE VERIFYONLY FROM ${d.clause} WITH ${[FILE, ...checksum(backup)].join(', ')};`,
    params: d.params,
    destructive: false,
    summary: `check that backup #${backup.backupSetId} can be read`,
    backup,
  };
}

/** A restore to a marked transaction: its name, and the time it was committed (the server's wall clock) for AFTER. */
export interface MarkStop {
  name: string;
  afterLocal: number;
}

/** Why a mark's name cannot be written in STOPATMARK's literal, or null. */
export function unscriptableMark(name: string): string | null {
  return hasInvisible(name) || name.includes('\u0000') || [...name].length > 128
    ? 'the mark name holds a line break or a control character, or is longer than 128 characters: rpotop does not write it into a script'
    : null;
}

export interface RestoreOptions {
  /** Restore over an existing database that is not RESTORING (no tail taken). */
  replace: boolean;
  /** WITH MOVE for a restore under a new name. */
  moves: { logical: string; physical: string }[];
  /** The last step recovers unless the operator asked to leave the database restoring. */
  recover: boolean;
}

/** One RESTORE per chain step, in order; only the last may recover. STOPAT is the server's wall clock. */
export function restoreSteps(
  target: string,
  steps: { backup: BackupSet; stopAtLocal: number | null; stopAtMark?: MarkStop; label?: string }[],
  options: RestoreOptions,
): Statement[] {
  return steps.map(({ backup, stopAtLocal, stopAtMark, label }, i) => {
    const last = i === steps.length - 1;
    const d = backupDevices(backup);
    const params = [...d.params];
    const withs: string[] = [FILE];
    if (backup.type === 'D') {
      if (options.replace) withs.push('REPLACE');
      options.moves.forEach((m, k) => {
        params.push({ name: `@logical${k + 1}`, type: 'nvarchar(128)', value: m.logical }, { name: `@physical${k + 1}`, type: 'nvarchar(260)', value: m.physical });
        withs.push(`MOVE @logical${k + 1} TO @physical${k + 1}`);
      });
    }
    // STOPAT takes a datetime (RESTORE's documented type): the value shown is the one SQL Server uses.
    const stopAt = stopAtLocal === null ? null : toDatetimePrecision(stopAtLocal);
    if (stopAt !== null) {
      params.push({ name: '@stopat', type: 'datetime', value: stopAt });
      withs.push('STOPAT = @stopat');
    }
    // STOPATMARK's grammar takes a literal ('mark_name' [AFTER 'datetime']), not a variable: the name is
    // written as a literal (checked printable, ' doubled) and AFTER as ISO 8601, read alike in every language.
    // AFTER a whole second at or before the commit: datetime's rounding must not move it past the mark.
    if (stopAtMark) withs.push(`STOPATMARK = ${quoteString(stopAtMark.name)} AFTER '${formatServerTime(Math.floor(stopAtMark.afterLocal / 1000) * 1000).replace(' ', 'T')}'`);
    withs.push(last && options.recover ? 'RECOVERY' : 'NORECOVERY', ...checksum(backup), STATS);
    const verb = backup.type === 'L' ? 'LOG' : 'DATABASE';
    const kind: StatementKind = backup.type === 'D' ? 'restore-full' : backup.type === 'I' ? 'restore-diff' : 'restore-log';
    const what = backup.type === 'D' ? 'full' : backup.type === 'I' ? 'differential' : 'log';
    return {
      kind,
      database: target,
      text: `RESTORE ${verb} ${quoteName(target)} FROM ${d.clause} WITH ${withs.join(', ')};`,
      params,
      destructive: backup.type === 'D',
      summary: `restore ${label ?? `the ${what} backup #${backup.backupSetId}`}${stopAt !== null ? `, stopping at ${formatServerTime(stopAt, true)} (server time)` : ''}${stopAtMark ? `, stopping after the marked transaction ${stopAtMark.name}` : ''}${last && options.recover ? ', then recover' : ''}`,
      backup,
    };
  });
}

export function recoverOnly(database: string): Statement {
  return {
    kind: 'recover',
    database,
    text: `RESTORE DATABASE ${quoteName(database)} WITH RECOVERY;`,
    params: [],
    destructive: false,
    summary: 'bring the database online (RESTORE ... WITH RECOVERY)',
    backup: null,
  };
}

export function multiUser(database: string): Statement {
  return {
    kind: 'multi-user',
    database,
    text: `ALTER DATABASE ${quoteName(database)} SET MULTI_USER;`,
    params: [],
    destructive: false,
    summary: 'let users connect again',
    backup: null,
  };
}

/**
 * DBCC CHECKDB of a restored copy: every consistency error, none of the informational lines, so a clean
 * database answers nothing and a damaged one its 8928/8939 errors and the 8989 summary (DBCC CHECKDB
 * (Transact-SQL): NO_INFOMSGS, ALL_ERRORMSGS).
 */
export function checkDb(database: string): Statement {
  return {
    kind: 'checkdb',
    database,
    text: `DBCC CHECKDB (${quoteName(database)}) WITH NO_INFOMSGS, ALL_ERRORMSGS;`,
    params: [],
    destructive: false,
    summary: `check ${database} for consistency errors (DBCC CHECKDB)`,
    backup: null,
  };
}

/** DROP DATABASE: only ever of a copy rpotop restored itself (a drill's), and confirmed with its name. */
export function dropDatabase(database: string): Statement {
  return {
    kind: 'drop',
    database,
    text: `DROP DATABASE ${quoteName(database)};`,
    params: [],
    destructive: true,
    summary: `drop ${database}, the copy this drill restored, and its files`,
    backup: null,
  };
}

/** What the operator types to say an operator step is done. */
export const OPERATOR_DONE = 'done';

/**
 * Work outside SQL Server that a group restore cannot pass until the operator says it is done (stop every
 * AOS instance, the BizTalk host instances, SSO and the Agent jobs). Its text is a comment: rpotop sends
 * nothing, and a script of the plan run elsewhere does nothing there either.
 */
export function operatorStep(group: string, instruction: string): Statement {
  return {
    kind: 'operator',
    database: group,
    text: `-- ${commentText(`operator step (rpotop sends nothing): ${instruction}`)}`,
    params: [],
    destructive: false,
    summary: `you, outside SQL Server: ${instruction}`,
    backup: null,
  };
}
