import type { Session } from '../engine.js';
import { SimFailure, sqlErrors, type SqlError } from '../errors.js';
import type { BoundParam } from '../params.js';
import type { Column, SqlValue } from '../tds/types.js';
import { TsqlSyntaxError, type Tok } from '../tsql.js';
import { bindSelect, CompileError, type CompiledSelect } from './compile.js';
import { parseSelect, SqlTypeUnknown, UnsupportedConstruct } from './parse.js';
import { readDenied } from './permissions.js';
import { majorVersion } from './system-objects.js';

export interface Result {
  columns: Column[];
  rows: SqlValue[][];
}

export interface PreparedSelect {
  compiled: CompiledSelect;
  line: number;
}

/**
 * Parses and binds one SELECT against the instance's version of the system objects. Throws SimFailure
 * with SQL Server's error (and its line) when a name does not resolve or the text is not T-SQL.
 */
export function prepareSelect(session: Session, tokens: readonly Tok[], params: ReadonlyMap<string, BoundParam>): PreparedSelect {
  const line = tokens[0]?.line ?? 1;
  try {
    const select = parseSelect(tokens);
    return { compiled: bindSelect(select, { session, params, version: majorVersion(session.instance.options.version) }), line };
  } catch (error) {
    throw asFailure(error, line);
  }
}

/** Runs a prepared SELECT: the permission check first, as SQL Server checks it when the statement executes. */
export function runPrepared(session: Session, prepared: PreparedSelect): Result {
  const denied = readDenied(session.instance, prepared.compiled.objects);
  if (denied) throw new SimFailure(denied.map((e) => ({ ...e, line: prepared.line })));
  try {
    return { columns: prepared.compiled.columns, rows: prepared.compiled.rows(null) };
  } catch (error) {
    throw asFailure(error, prepared.line);
  }
}

function asFailure(error: unknown, line: number): unknown {
  const at = (e: SqlError): SqlError => ({ ...e, line: e.line ?? line });
  if (error instanceof CompileError) return new SimFailure([at(error.error)]);
  if (error instanceof TsqlSyntaxError) return new SimFailure([at(sqlErrors.syntax(error.near))]);
  if (error instanceof UnsupportedConstruct) return new SimFailure([at(sqlErrors.unsupportedConstruct(error.construct))]);
  if (error instanceof SqlTypeUnknown) return new SimFailure([at(sqlErrors.unknownType(error.typeName))]);
  if (error instanceof SimFailure) return new SimFailure(error.errors.map(at));
  return error;
}
