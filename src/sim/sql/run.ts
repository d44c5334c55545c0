import type { Session } from '../engine.js';
import { SimFailure, sqlErrors, type SqlError } from '../errors.js';
import type { BoundParam } from '../params.js';
import type { Column, SqlValue } from '../tds/types.js';
import { TsqlSyntaxError, type Tok } from '../tsql.js';
import { bindSelect, CompileError, type CompiledSelect, type Env } from './compile.js';
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
  env: Env;
}

/**
 * Each session's compiled SELECTs, by statement (the engine hands the same tokens for the same batch text),
 * with the parameters' types and the databases the names were bound against: SQL Server keeps a batch's
 * plan and runs it again, so a poll every few seconds is not parsed and bound each time (that was most of
 * a steady poll's cost here). Bounded, oldest dropped first. A plan binds no run's values: parameters, the
 * clock and every row are read when it runs.
 */
const plans = new WeakMap<Session, Map<readonly Tok[], { bound: string; prepared: PreparedSelect }>>();
const PLANS_PER_SESSION = 64;

function boundTo(session: Session, params: ReadonlyMap<string, BoundParam>): string {
  const types = [...params].map(([name, p]) => `${name} ${JSON.stringify(p.type)}`).join(',');
  return `${session.database}\u0001${session.instance.databases.map((d) => d.name).join('\u0001')}\u0002${types}`;
}

/**
 * Parses and binds one SELECT against the instance's version of the system objects, or takes the plan
 * this session kept for the same statement. Throws SimFailure with SQL Server's error (and its line) when a
 * name does not resolve or the text is not T-SQL (such a statement is not kept).
 */
export function prepareSelect(session: Session, tokens: readonly Tok[], params: ReadonlyMap<string, BoundParam>): PreparedSelect {
  const line = tokens[0]?.line ?? 1;
  const bound = boundTo(session, params);
  let kept = plans.get(session);
  const plan = kept?.get(tokens);
  if (plan && plan.bound === bound) {
    plan.prepared.env.params = params;
    return plan.prepared;
  }
  try {
    const env: Env = { session, params, version: majorVersion(session.instance.options.version), scratch: [] };
    const prepared = { compiled: bindSelect(parseSelect(tokens), env), line, env };
    if (!kept) plans.set(session, (kept = new Map()));
    kept.delete(tokens);
    if (kept.size >= PLANS_PER_SESSION) kept.delete(kept.keys().next().value!);
    kept.set(tokens, { bound, prepared });
    return prepared;
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
  } finally {
    for (const cache of prepared.env.scratch) cache.clear();
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
