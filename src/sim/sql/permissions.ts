import { sqlErrors, type SqlError } from '../errors.js';
import type { LoginPermissions, SimInstance } from '../model.js';
import type { ObjectDef } from './system-objects.js';

/**
 * The simulated login's permissions and what SQL Server answers without them. A DMV needs VIEW SERVER
 * STATE (Msg 300 then 297 without it); msdb's history tables need SELECT (Msg 229), which
 * HAS_DBACCESS('msdb') cannot reveal because every login reaches msdb as guest; sys.dm_exec_requests
 * shows a login without VIEW SERVER STATE its own requests only, with no error.
 */
export function loginPermissions(inst: SimInstance): LoginPermissions {
  const o = inst.options;
  return {
    viewServerState: true,
    selectMsdbHistory: true,
    readCms: true,
    selectMsdbAgent: true,
    backupLog: !o.readOnlyLogin,
    createAnyDatabase: !o.readOnlyLogin,
    ...o.permissions,
  };
}

/** HAS_PERMS_BY_NAME(securable, class, permission) for the permissions the model knows; others as a sysadmin has them. */
export function hasPermission(inst: SimInstance, securable: string | null, cls: string, permission: string): boolean {
  const p = loginPermissions(inst);
  const perm = permission.trim().toUpperCase();
  const kind = cls.trim().toUpperCase();
  if (kind === 'SERVER' || securable === null) {
    if (perm === 'VIEW SERVER STATE') return p.viewServerState;
    if (perm === 'CREATE ANY DATABASE') return p.createAnyDatabase;
    return true;
  }
  if (kind === 'DATABASE' && perm === 'BACKUP LOG') return p.backupLog;
  if (kind === 'OBJECT' && perm === 'SELECT' && /^(\[?msdb\]?\.)?(\[?dbo\]?\.)?\[?(backupset|backupmediaset|backupmediafamily|backupfile|restorehistory|logmarkhistory)\]?$/i.test(securable.trim())) {
    return p.selectMsdbHistory;
  }
  if (kind === 'OBJECT' && perm === 'SELECT' && /^(\[?msdb\]?\.)?(\[?dbo\]?\.)?\[?(sysjobs|sysjobsteps|sysjobschedules|sysjobhistory|sysjobactivity)\]?$/i.test(securable.trim())) {
    return p.selectMsdbAgent;
  }
  return true;
}

/** The errors a statement reading these objects fails with, or none. */
export function readDenied(inst: SimInstance, objects: readonly ObjectDef[]): SqlError[] | null {
  const p = loginPermissions(inst);
  for (const o of objects) {
    if (o.permission === 'view-server-state' && !p.viewServerState) return sqlErrors.viewServerStateDenied();
    if (o.permission === 'select-msdb-history' && !p.selectMsdbHistory) return [sqlErrors.selectDenied(o.name, 'msdb', 'dbo')];
    if (o.permission === 'cms-reader' && !p.readCms) return [sqlErrors.selectDenied(o.name, 'msdb', 'dbo')];
    if (o.permission === 'select-msdb-agent' && !p.selectMsdbAgent) return [sqlErrors.selectDenied(o.name, 'msdb', 'dbo')];
  }
  return null;
}
