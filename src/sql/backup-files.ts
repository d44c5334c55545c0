import sql from 'mssql';
import { z } from 'zod';
import type { BackupSet } from '../domain/history.js';
import { parseRows } from './rows.js';
import { bindParams } from './run-statement.js';
import { backupDevices, FILE } from './statements.js';

/** A file inside a backup, as RESTORE FILELISTONLY lists it: what WITH MOVE has to name. */
export interface BackupFile {
  logicalName: string;
  physicalName: string;
  /** D data, L log, F full-text catalog, S FILESTREAM/memory-optimized container. */
  type: 'D' | 'L' | 'F' | 'S';
}

const fileListRow = z.object({
  LogicalName: z.string(),
  PhysicalName: z.string(),
  Type: z.enum(['D', 'L', 'F', 'S']),
});

/**
 * Reads the file list of a backup from the backup itself (RESTORE FILELISTONLY), not from
 * sys.master_files: the database may have gained or lost files since, or may not exist any more.
 * Read-only, so it needs no confirmation; the device names are parameters like everywhere else.
 */
export async function readBackupFiles(pool: sql.ConnectionPool, backup: Pick<BackupSet, 'media' | 'position'>): Promise<BackupFile[]> {
  const from = backupDevices(backup);
  const result = await bindParams(pool.request(), from.params).query(`RESTORE FILELISTONLY FROM ${from.clause} WITH ${FILE};`);
  return parseRows('restore-filelistonly', fileListRow, result.recordset ?? []).map((r) => ({
    logicalName: r.LogicalName,
    physicalName: r.PhysicalName,
    type: r.Type,
  }));
}
