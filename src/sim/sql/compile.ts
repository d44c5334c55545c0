import type { Session } from '../engine.js';
import { SimFailure, sqlErrors, type SqlError } from '../errors.js';
import type { BoundParam } from '../params.js';
import { UndeclaredVariable } from '../tsql.js';
import type { Column, SqlType, SqlValue } from '../tds/types.js';
import type { Expr, Join, Select, Source } from './ast.js';
import { compileCall, isAggregateCall, type WindowCall } from './functions.js';
import { loginPermissions } from './permissions.js';
import { sources, type Source as RowSource } from './sources.js';
import { columnsAt, findObject, type ColumnDef, type ObjectDef } from './system-objects.js';
import { compare, convert, dominantType, holds, isDateTime, isText, keyOf, likePattern } from './values.js';

/**
 * Binds a parsed SELECT to the system objects of one simulated instance (every name resolved, or
 * SQL Server's error for it) and turns it into closures that produce its rows. Binding happens before
 * anything runs, so a batch with a misspelled column fails as a whole, as SQL Server's compile does.
 */

/** A bind-time failure, with the line SQL Server reports it at. */
export class CompileError extends Error {
  constructor(readonly error: SqlError) {
    super(error.message);
  }
}

const fail = (error: SqlError, line: number): never => {
  throw new CompileError({ ...error, line });
};

export interface Env {
  session: Session;
  version: number;
  /** The parameters of the run: a plan kept for the next run of its text reads that run's values. */
  params: ReadonlyMap<string, BoundParam>;
  /** What the plan's correlated subqueries remember during a run: emptied when the run ends, so a kept plan holds no rows. */
  scratch: Map<string, SqlValue[][]>[];
}

/** One row being evaluated: a value per FROM source, the enclosing query's row, and a group when aggregating. */
export interface Ctx {
  row: readonly unknown[];
  outer: Ctx | null;
  group: Ctx[] | null;
  index: number;
  windows: SqlValue[][] | null;
}

export interface Compiled {
  type: SqlType;
  nullable: boolean;
  /** The result column's name when the expression is selected without an alias. */
  name: string;
  run: (ctx: Ctx) => SqlValue;
  /** Holds an aggregate (outside any subquery). */
  aggregate: boolean;
  /** Bit i set: reads FROM source i of its own query. */
  local: number;
  /** For plain column references: `source.column`, to check GROUP BY membership and to build hash joins. */
  columnKey?: string;
  /** For plain column references: the column's name in its source (an index lookup keys on it). */
  columnName?: string;
}

interface BoundSource {
  names: string[];
  columns: ColumnDef[];
  readers: ((row: unknown) => SqlValue)[];
}

export class Scope {
  readonly sources: BoundSource[] = [];
  /** Values of enclosing queries this query reads: a correlated subquery's cache key. */
  readonly correlations: ((parent: Ctx) => SqlValue)[] = [];
  readonly windows: WindowCall[] = [];
  grouped = false;
  groupKeys = new Set<string>();
  /** Inside an aggregate's argument, columns need not be grouped. */
  inAggregate = false;
  constructor(
    readonly env: Env,
    readonly outer: Scope | null,
    readonly objects: ObjectDef[],
  ) {}
}

export interface CompiledSelect {
  columns: Column[];
  /** Every system object the statement reads, for the permission check before it runs. */
  objects: ObjectDef[];
  rows(parent: Ctx | null): SqlValue[][];
  correlations: ((parent: Ctx) => SqlValue)[];
}

const rowAt = (ctx: Ctx, depth: number): Ctx => {
  let c = ctx;
  for (let i = 0; i < depth; i++) c = c.outer!;
  return c;
};

function resolveColumn(scope: Scope, parts: string[], line: number): Compiled {
  const column = parts.at(-1)!;
  const qualifier = parts.length > 1 ? parts.slice(0, -1) : null;
  const lower = column.toLowerCase();
  for (let depth = 0, s: Scope | null = scope; s; depth++, s = s.outer) {
    const candidates = s.sources
      .map((src, index) => ({ src, index }))
      .filter(({ src }) => qualifier === null || matchesQualifier(src.names, qualifier));
    if (qualifier !== null && candidates.length === 0) continue;
    const found = candidates
      .map(({ src, index }) => ({ index, col: src.columns.findIndex((c) => c.name.toLowerCase() === lower), src }))
      .filter((f) => f.col >= 0);
    if (found.length > 1) fail(sqlErrors.ambiguousColumn(column), line);
    if (found.length === 0) {
      if (qualifier !== null) fail(sqlErrors.invalidColumn(column), line);
      continue;
    }
    const { index, col, src } = found[0]!;
    const def = src.columns[col]!;
    const read = src.readers[col]!;
    const key = `${depth}:${index}.${col}`;
    if (depth === 0 && scope.grouped && !scope.inAggregate && !scope.groupKeys.has(key)) {
      fail(sqlErrors.notAggregated(parts.join('.')), line);
    }
    // Each query between here and the one that owns the source is correlated with it.
    for (let i = 0, t: Scope = scope; i < depth; i++, t = t.outer!) {
      const up = depth - i - 1;
      t.correlations.push((parent) => {
        const r = rowAt(parent, up).row[index];
        return r === null || r === undefined ? null : read(r);
      });
    }
    return {
      type: def.type,
      nullable: true,
      name: column,
      aggregate: false,
      local: depth === 0 ? 1 << index : 0,
      columnKey: key,
      columnName: def.name,
      run:
        depth === 0
          ? (ctx) => {
              const r = ctx.row[index];
              return r === null || r === undefined ? null : read(r);
            }
          : (ctx) => {
              const r = rowAt(ctx, depth).row[index];
              return r === null || r === undefined ? null : read(r);
            },
    };
  }
  return qualifier !== null ? fail(sqlErrors.unboundIdentifier(parts.join('.')), line) : fail(sqlErrors.invalidColumn(column), line);
}

/** `alias.column`, `table.column` and `db.schema.table.column` name a source by its alias or its name's tail. */
function matchesQualifier(names: string[], qualifier: string[]): boolean {
  if (qualifier.length === 1) return names.some((n) => n.toLowerCase() === qualifier[0]!.toLowerCase());
  return names.length > 0 && qualifier.at(-1)!.toLowerCase() === names.at(-1)!.toLowerCase();
}

const BIT: SqlType = { kind: 'bit' };
const INT: SqlType = { kind: 'int' };

/** Values compared with a datetime are read as one (`d >= '2026-11-01'`). */
function comparable(a: Compiled, b: Compiled): [Compiled, Compiled] {
  const asDate = (x: Compiled, other: Compiled): Compiled =>
    isText(x.type) && isDateTime(other.type) ? { ...x, type: other.type, run: (ctx) => convert(x.run(ctx), x.type, other.type) } : x;
  return [asDate(a, b), asDate(b, a)];
}

export function compileExpr(e: Expr, scope: Scope): Compiled {
  const base = { aggregate: false, local: 0, name: '' };
  switch (e.k) {
    case 'literal':
      return { ...base, type: e.type, nullable: e.value === null, run: () => e.value };
    case 'var':
      return compileVariable(e.name, scope.env, e.line);
    case 'column':
      return resolveColumn(scope, e.parts, e.line);
    case 'unary': {
      const arg = compileExpr(e.arg, scope);
      if (e.op === 'NOT') {
        return { ...base, ...flags(arg), type: BIT, nullable: true, run: (ctx) => { const v = arg.run(ctx); return v === null ? null : !v; } };
      }
      return { ...base, ...flags(arg), type: arg.type, nullable: arg.nullable, run: (ctx) => negate(arg.run(ctx)) };
    }
    case 'binary':
      return compileBinary(e, scope);
    case 'isnull': {
      const arg = compileExpr(e.arg, scope);
      return { ...base, ...flags(arg), type: BIT, nullable: false, run: (ctx) => (arg.run(ctx) === null) !== e.not };
    }
    case 'in': {
      const arg = compileExpr(e.arg, scope);
      if (!Array.isArray(e.list)) {
        const sub = compileSubquery(e.list, scope, e.line);
        return {
          ...base, ...flags(arg), local: -1, type: BIT, nullable: true,
          run: (ctx) => inList(arg.run(ctx), sub.values(ctx).map((r) => r[0] ?? null), e.not),
        };
      }
      const list = e.list.map((x) => compileExpr(x, scope));
      return {
        ...base, ...flags(arg, ...list), type: BIT, nullable: true,
        run: (ctx) => inList(arg.run(ctx), list.map((x) => x.run(ctx)), e.not),
      };
    }
    case 'like': {
      const arg = compileExpr(e.arg, scope);
      const pattern = compileExpr(e.pattern, scope);
      const cache = new Map<string, RegExp>();
      return {
        ...base, ...flags(arg, pattern), type: BIT, nullable: true,
        run: (ctx) => {
          const v = arg.run(ctx);
          const p = pattern.run(ctx);
          if (v === null || p === null) return null;
          const text = String(p);
          let re = cache.get(text);
          if (!re) cache.set(text, (re = likePattern(text)));
          return re.test(String(v)) !== e.not;
        },
      };
    }
    case 'between': {
      const arg = compileExpr(e.arg, scope);
      const low = compileExpr(e.low, scope);
      const high = compileExpr(e.high, scope);
      return {
        ...base, ...flags(arg, low, high), type: BIT, nullable: true,
        run: (ctx) => {
          const v = arg.run(ctx);
          const a = compare(v, low.run(ctx));
          const b = compare(v, high.run(ctx));
          if (a === null || b === null) return null;
          return (a >= 0 && b <= 0) !== e.not;
        },
      };
    }
    case 'exists': {
      const sub = compileSubquery(e.query, scope, e.line, false);
      return { ...base, local: -1, type: BIT, nullable: false, run: (ctx) => sub.values(ctx).length > 0 };
    }
    case 'subquery': {
      const sub = compileSubquery(e.query, scope, e.line);
      const col = sub.select.columns[0]!;
      return {
        ...base, local: -1, type: col.type, nullable: true,
        run: (ctx) => {
          const rows = sub.values(ctx);
          if (rows.length > 1) {
            throw new SimFailure([{ number: 512, class: 16, state: 1, message: 'Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression.' }]);
          }
          return rows[0]?.[0] ?? null;
        },
      };
    }
    case 'case':
      return compileCase(e, scope);
    case 'cast': {
      const arg = compileExpr(e.arg, scope);
      return { ...base, ...flags(arg), type: e.type, nullable: arg.nullable, run: (ctx) => convert(arg.run(ctx), arg.type, e.type) };
    }
    case 'call':
      return compileCall(e, scope);
  }
}

/** What a compound expression inherits from its parts. */
export function flags(...parts: Compiled[]): { aggregate: boolean; local: number } {
  return { aggregate: parts.some((p) => p.aggregate), local: parts.reduce((m, p) => m | p.local, 0) };
}

function compileVariable(name: string, env: Env, line: number): Compiled {
  const base = { aggregate: false, local: 0, name: '' };
  const session = env.session;
  switch (name.toUpperCase()) {
    case '@@SERVERNAME':
      return { ...base, type: { kind: 'nvarchar', length: 128 }, nullable: true, run: () => session.instance.options.name };
    case '@@SPID':
      return { ...base, type: { kind: 'smallint' }, nullable: false, run: () => session.spid };
    case '@@VERSION':
      return { ...base, type: { kind: 'nvarchar', length: 300 }, nullable: true, run: () => versionText(session) };
  }
  const key = name.toLowerCase();
  const p = env.params.get(key);
  if (!p) throw new CompileError({ ...sqlErrors.mustDeclare(name), line });
  // Read when it runs: a kept plan runs again with other values of the same parameters (same types).
  return { ...base, type: p.type, nullable: true, run: () => env.params.get(key)?.value ?? null };
}

const PRODUCT_YEAR: Record<string, string> = { '10': '2008 R2', '11': '2012', '12': '2014', '13': '2016', '14': '2017', '15': '2019', '16': '2022' };

function versionText(session: Session): string {
  const o = session.instance.options;
  const year = PRODUCT_YEAR[o.version.split('.')[0]!] ?? '';
  return `Microsoft SQL Server ${year} (RTM) - ${o.version} (X64) \n\tSimulated by rpotop \n\tDeveloper Edition (64-bit) on Linux (rpotop simulator) <X64>`;
}

function negate(v: SqlValue): SqlValue {
  if (v === null) return null;
  if (typeof v === 'bigint') return -v;
  return -Number(v);
}

function inList(v: SqlValue, list: SqlValue[], not: boolean): SqlValue {
  if (v === null) return null;
  let sawNull = false;
  for (const x of list) {
    const c = compare(v, x);
    if (c === 0) return !not;
    if (c === null) sawNull = true;
  }
  return sawNull ? null : not;
}

type ComparisonOp = '=' | '<>' | '<' | '>' | '<=' | '>=';
const TESTS: Record<ComparisonOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '>': (c) => c > 0,
  '<=': (c) => c <= 0,
  '>=': (c) => c >= 0,
};

/** `left op right` of compiled operands: NULL when either side is. */
function comparison(op: ComparisonOp, left: Compiled, right: Compiled): Compiled {
  const [a, b] = comparable(left, right);
  const test = TESTS[op];
  return {
    name: '', ...flags(left, right), type: BIT, nullable: true,
    run: (ctx) => {
      const c = compare(a.run(ctx), b.run(ctx));
      return c === null ? null : test(c);
    },
  };
}

function compileBinary(e: Extract<Expr, { k: 'binary' }>, scope: Scope): Compiled {
  const left = compileExpr(e.left, scope);
  const right = compileExpr(e.right, scope);
  const base = { name: '', ...flags(left, right) };
  switch (e.op) {
    case 'AND':
      return {
        ...base, type: BIT, nullable: true,
        run: (ctx) => {
          const a = left.run(ctx);
          if (a === false) return false;
          const b = right.run(ctx);
          if (b === false) return false;
          return a === null || b === null ? null : true;
        },
      };
    case 'OR':
      return {
        ...base, type: BIT, nullable: true,
        run: (ctx) => {
          const a = left.run(ctx);
          if (a === true) return true;
          const b = right.run(ctx);
          if (b === true) return true;
          return a === null || b === null ? null : false;
        },
      };
    case '=':
    case '<>':
    case '<':
    case '>':
    case '<=':
    case '>=':
      return comparison(e.op, left, right);
    default:
      return compileArithmetic(e.op, left, right, base);
  }
}

function compileArithmetic(op: string, left: Compiled, right: Compiled, base: { name: string; aggregate: boolean; local: number }): Compiled {
  const type = dominantType([left.type, right.type]);
  const nullable = left.nullable || right.nullable;
  if (isText(type)) {
    if (op !== '+') throw new SimFailure([{ number: 8117, class: 16, state: 1, message: `Operand data type ${type.kind} is invalid for ${op === '-' ? 'subtract' : op === '*' ? 'multiply' : op === '/' ? 'divide' : 'modulo'} operator.` }]);
    const length = 'length' in left.type && 'length' in right.type && left.type.length !== 'max' && right.type.length !== 'max' ? Math.min(8000, left.type.length + right.type.length) : 'max';
    return {
      ...base, type: { kind: type.kind as 'nvarchar', length }, nullable,
      run: (ctx) => {
        const a = left.run(ctx);
        const b = right.run(ctx);
        return a === null || b === null ? null : String(a) + String(b);
      },
    };
  }
  if (isDateTime(type)) {
    // datetime + n adds n days.
    const dayMs = 86_400_000;
    return {
      ...base, type, nullable,
      run: (ctx) => {
        const a = left.run(ctx);
        const b = right.run(ctx);
        if (a === null || b === null) return null;
        const days = isDateTime(left.type) ? Number(b) : Number(a);
        const at = isDateTime(left.type) ? Number(a) : Number(b);
        return op === '+' ? at + days * dayMs : at - days * dayMs;
      },
    };
  }
  const integral = ['bigint', 'int', 'smallint', 'tinyint', 'bit'].includes(type.kind) || (('scale' in type) && type.scale === 0 && type.kind !== 'datetime2');
  const resultType: SqlType = type.kind === 'bit' || type.kind === 'tinyint' || type.kind === 'smallint' ? INT : type;
  return {
    ...base, type: resultType, nullable,
    run: (ctx) => {
      let a = left.run(ctx);
      let b = right.run(ctx);
      if (a === null || b === null) return null;
      if (typeof a === 'boolean') a = a ? 1 : 0;
      if (typeof b === 'boolean') b = b ? 1 : 0;
      if (integral && (typeof a === 'bigint' || typeof b === 'bigint' || resultType.kind === 'bigint')) {
        const x = BigInt(a as number | bigint);
        const y = BigInt(b as number | bigint);
        if ((op === '/' || op === '%') && y === 0n) throw new SimFailure([sqlErrors.divideByZero()]);
        return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
      }
      const x = Number(a);
      const y = Number(b);
      if ((op === '/' || op === '%') && y === 0) throw new SimFailure([sqlErrors.divideByZero()]);
      const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
      if (integral && op === '/') return Math.trunc(r);
      if (integral && resultType.kind === 'int' && (r > 2147483647 || r < -2147483648)) throw new SimFailure([sqlErrors.overflow('int')]);
      return r;
    },
  };
}

function compileCase(e: Extract<Expr, { k: 'case' }>, scope: Scope): Compiled {
  const operand = e.operand ? compileExpr(e.operand, scope) : null;
  const whens = e.whens.map((w) => ({ when: compileExpr(w.when, scope), then: compileExpr(w.then, scope) }));
  const otherwise = e.otherwise ? compileExpr(e.otherwise, scope) : null;
  // The result type is the dominant type of the branches, a NULL literal having none of its own.
  const branches = [...e.whens.map((w, i) => ({ expr: w.then, c: whens[i]!.then })), ...(e.otherwise && otherwise ? [{ expr: e.otherwise, c: otherwise }] : [])];
  const typed = branches.filter((b) => !(b.expr.k === 'literal' && b.expr.value === null));
  const type = typed.length ? dominantType(typed.map((b) => b.c.type)) : INT;
  const all = [...(operand ? [operand] : []), ...whens.flatMap((w) => [w.when, w.then]), ...(otherwise ? [otherwise] : [])];
  return {
    name: '', ...flags(...all), type, nullable: true,
    run: (ctx) => {
      const subject = operand?.run(ctx);
      for (const w of whens) {
        const hit = operand ? compare(subject ?? null, w.when.run(ctx)) === 0 : holds(w.when.run(ctx));
        if (hit) return convert(w.then.run(ctx), w.then.type, type);
      }
      return otherwise ? convert(otherwise.run(ctx), otherwise.type, type) : null;
    },
  };
}

interface CompiledSubquery {
  select: CompiledSelect;
  values(ctx: Ctx): SqlValue[][];
}

function compileSubquery(query: Select, scope: Scope, line: number, oneColumn = true): CompiledSubquery {
  const select = compileSelect(query, scope.env, scope);
  if (oneColumn && select.columns.length !== 1) {
    fail({ number: 116, class: 16, state: 1, message: 'Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.' }, line);
  }
  // A correlated subquery runs once per distinct set of the outer values it reads, within one run.
  const cache = new Map<string, SqlValue[][]>();
  scope.env.scratch.push(cache);
  return {
    select,
    values: (ctx) => {
      const key = select.correlations.map((read) => keyOf(read(ctx))).join('\u0001');
      let rows = cache.get(key);
      if (!rows) cache.set(key, (rows = select.rows(ctx)));
      return rows;
    },
  };
}

function resolveObject(parts: string[], env: Env, line: number): ObjectDef {
  const written = parts.join('.');
  const [database, schema, name] = parts.length === 3 ? parts : parts.length === 2 ? [null, ...parts] : [null, null, parts[0]!];
  const db = (database ?? env.session.database).toLowerCase();
  const sch = (schema || 'dbo').toLowerCase();
  const obj = parts.length <= 3 ? findObject(sch, name!, env.version) : undefined;
  // msdb's tables are in msdb only; sys views answer in every database.
  if (!obj || (obj.database === 'msdb' && db !== 'msdb') || (database !== null && !env.session.instance.findDatabase(database))) {
    return fail(sqlErrors.invalidObject(written), line);
  }
  return obj;
}

interface BoundRows {
  bound: BoundSource;
  rows: (parent: Ctx) => readonly unknown[];
  /** A lookup by one column's value (=), or from a value on (>), where the source has an index for it. */
  lookup?: (column: string, op?: SeekOp) => ((value: SqlValue) => readonly unknown[]) | undefined;
  /** The first or last row in a column's index order, where the source reads it without the rest. */
  edge?: (column: string, which: 'first' | 'last') => readonly unknown[] | undefined;
}

/** `lateral`: the source is APPLY's, so a derived table may read the sources to its left (a joined one may not: 4104). */
function bindSource(src: Source, scope: Scope, argsScope: Scope, lateral = false): BoundRows {
  const env = scope.env;
  if (src.k === 'derived') {
    const sub = compileSelect(src.query, env, lateral ? scope : scope.outer);
    const bound: BoundSource = {
      names: [src.alias],
      columns: sub.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
      readers: sub.columns.map((_, i) => (row) => (row as SqlValue[])[i] ?? null),
    };
    sub.columns.forEach((c) => {
      if (!c.name) fail({ number: 8155, class: 16, state: 2, message: `No column name was specified for column ${sub.columns.indexOf(c) + 1} of '${src.alias}'.` }, src.line);
    });
    // A joined derived table reads the outer values of the query it is in (its scope skips that query's own
    // sources), so they are that query's correlations too: its rows, and a cache keyed by them, depend on them.
    if (!lateral) scope.correlations.push(...sub.correlations);
    // APPLY's derived table reads the row to its left, different for each: it runs for each.
    if (lateral) return { bound, rows: (parent) => sub.rows(parent) };
    // A joined one, like a correlated subquery, runs once per distinct set of the outer values it reads,
    // within one run: the status query's table of a database's logs is not rebuilt for each of its rows.
    const cache = new Map<string, SqlValue[][]>();
    env.scratch.push(cache);
    return {
      bound,
      rows: (parent) => {
        const key = sub.correlations.map((read) => keyOf(read(parent.outer!))).join('\u0001');
        let rows = cache.get(key);
        if (!rows) cache.set(key, (rows = sub.rows(parent.outer!) as SqlValue[][]));
        return rows;
      },
    };
  }
  const obj = resolveObject(src.parts, env, src.line);
  if ((obj.kind === 'function') !== (src.args !== null)) {
    fail(obj.kind === 'function' ? { number: 216, class: 16, state: 1, message: `Parameters were not supplied for the function '${src.parts.join('.')}'.` } : sqlErrors.invalidObject(src.parts.join('.')), src.line);
  }
  const args = (src.args ?? []).map((a) => compileExpr(a, argsScope));
  if (obj.kind === 'function' && args.length !== (obj.parameters?.length ?? 0)) {
    fail({ number: args.length > (obj.parameters?.length ?? 0) ? 8144 : 313, class: 16, state: 2, message: `${args.length > (obj.parameters?.length ?? 0) ? 'Procedure or function' : 'An insufficient number of arguments were supplied for the procedure or function'} ${obj.name}${args.length > (obj.parameters?.length ?? 0) ? ' has too many arguments specified' : ''}.` }, src.line);
  }
  scope.objects.push(obj);
  const source = sources[`${obj.schema}.${obj.name.toLowerCase()}`] as unknown as RowSource<unknown>;
  const columns = columnsAt(obj, env.version);
  const session = env.session;
  const readers = columns.map((c) => {
    const read = source.read?.[c.name];
    if (read) return (row: unknown) => read(row, session) ?? null;
    const key = c.name;
    return (row: unknown) => ((row as Record<string, SqlValue>)[key] ?? null);
  });
  const seesAll = () => loginPermissions(session.instance).viewServerState;
  return {
    bound: { names: [src.alias ?? obj.name, ...(src.alias ? [] : [obj.name])], columns, readers },
    rows: (ctx) => source.rows(session, args.map((a) => a.run(ctx)), seesAll()),
    lookup: (column, op = '=') => {
      const index = op === '=' ? source.index?.[column] : source.atLeast?.[column];
      return index ? (value) => index(session, value) : undefined;
    },
    edge: (column, which) => {
      const read = source.edge?.[column];
      if (!read) return undefined;
      const row = read(session, which);
      return row === undefined ? [] : [row];
    },
  };
}

/** The operands of a chain of ANDs. */
function splitAnd(e: Expr): Expr[] {
  return e.k === 'binary' && e.op === 'AND' ? [...splitAnd(e.left), ...splitAnd(e.right)] : [e];
}

/**
 * An ON clause, each of its ANDed conditions compiled once; `a.x = b.y` conditions where one side reads
 * only the joined source and the other none of it are also a hash join's (or an index lookup's) key.
 */
function compileOn(on: Expr, scope: Scope, newBit: number): { conditions: Compiled[]; keys: { build: Compiled; probe: Compiled }[] } {
  const conditions: Compiled[] = [];
  const keys: { build: Compiled; probe: Compiled }[] = [];
  for (const c of splitAnd(on)) {
    if (c.k !== 'binary' || c.op !== '=') {
      conditions.push(compileExpr(c, scope));
      continue;
    }
    const l = compileExpr(c.left, scope);
    const r = compileExpr(c.right, scope);
    conditions.push(comparison('=', l, r));
    if (l.local === newBit && l.columnName && (r.local & newBit) === 0 && r.local !== -1) keys.push({ build: l, probe: r });
    else if (r.local === newBit && r.columnName && (l.local & newBit) === 0 && l.local !== -1) keys.push({ build: r, probe: l });
  }
  return { conditions, keys };
}

type FromRows = (parent: Ctx | null) => unknown[][];

type SeekOp = '=' | '>';

/**
 * A WHERE condition that reads the first source through an index: its column, the comparison (= a value,
 * or > a value, which reads the rows from the value on and keeps the condition to drop the value itself),
 * and a value that reads none of the query's own sources.
 */
interface Seek {
  column: string;
  op: SeekOp;
  value: Compiled;
}

interface CompiledFrom {
  /** `edge`: only the first source's first or last row in its index's order on the seek's column. */
  rows: (parent: Ctx | null, pushed: readonly Compiled[], seek: Seek | null, edge?: 'first' | 'last') => unknown[][];
  /** Whether the first source has an index on this column for this comparison. */
  seekable: (column: string, op: SeekOp) => boolean;
}

/**
 * The FROM clause's rows. `pushed` are WHERE conditions on the first source alone, applied to its rows
 * before any join (the caller pushes them only where that cannot change the result); `seek`, one of
 * them, picks the first source's rows through its index instead of a scan.
 */
function compileFrom(from: NonNullable<Select['from']>, scope: Scope): CompiledFrom {
  const ctxOf = (row: unknown[], parent: Ctx | null): Ctx => ({ row, outer: parent, group: null, index: 0, windows: null });
  const first = bindSource(from.first, scope, scope);
  scope.sources.push(first.bound);
  let pushedNow: readonly Compiled[] = [];
  let seekNow: { find: (value: SqlValue) => readonly unknown[]; value: Compiled; column: string } | null = null;
  let edgeNow: 'first' | 'last' | undefined;
  let produce: FromRows = (parent) => {
    const out: unknown[][] = [];
    const ctx = ctxOf([], parent);
    let rows = (edgeNow && seekNow && first.edge?.(seekNow.column, edgeNow)) || (seekNow ? seekNow.find(seekNow.value.run(ctx)) : first.rows(ctx));
    if (edgeNow) rows = rows.length === 0 ? rows : [rows[edgeNow === 'first' ? 0 : rows.length - 1]];
    for (const r of rows) {
      const row = [r];
      if (pushedNow.length === 0 || pushedNow.every((c) => holds(c.run(ctxOf(row, parent))))) out.push(row);
    }
    return out;
  };
  for (const join of from.joins) produce = compileJoin(join, scope, produce, ctxOf);
  return {
    rows: (parent, pushed, seek, edge) => {
      pushedNow = pushed;
      edgeNow = edge;
      const find = seek ? first.lookup?.(seek.column, seek.op) : undefined;
      seekNow = seek && find ? { find, value: seek.value, column: seek.column } : null;
      return produce(parent);
    },
    seekable: (column, op) => first.lookup?.(column, op) !== undefined,
  };
}

/**
 * `SELECT MIN(c)` or `SELECT MAX(c)` alone over one source ordered on c (a clustered index): SQL Server
 * reads one end of the index, and so does this, instead of every row.
 */
function extremeSeek(select: Select, scope: Scope, from: CompiledFrom | null): { seek: Seek; edge: 'first' | 'last' } | null {
  const [item] = select.items;
  if (!from || select.items.length !== 1 || item?.k !== 'expr' || select.where || select.groupBy.length || select.having || select.from?.joins.length) return null;
  const e = item.expr;
  if (e.k !== 'call' || e.distinct || e.over || e.args.length !== 1 || e.name.length !== 1) return null;
  const fn = e.name[0]!.toUpperCase();
  if (fn !== 'MIN' && fn !== 'MAX') return null;
  const was = scope.inAggregate;
  scope.inAggregate = true;
  const col = compileExpr(e.args[0]!, scope);
  scope.inAggregate = was;
  if (col.local !== 1 || !col.columnName || !from.seekable(col.columnName, '>')) return null;
  const from0: Compiled = { type: col.type, nullable: false, name: '', aggregate: false, local: 0, run: () => Number.NEGATIVE_INFINITY };
  return { seek: { column: col.columnName, op: '>', value: from0 }, edge: fn === 'MIN' ? 'first' : 'last' };
}

/** A WHERE condition compiled once; for `a = b` and `a > b`, its sides too (a seek reads them). */
interface Conjunct {
  compiled: Compiled;
  op: SeekOp | null;
  left: Compiled | null;
  right: Compiled | null;
}

function compileConjunct(e: Expr, scope: Scope): Conjunct {
  if (e.k !== 'binary' || (e.op !== '=' && e.op !== '>')) return { compiled: compileExpr(e, scope), op: null, left: null, right: null };
  const left = compileExpr(e.left, scope);
  const right = compileExpr(e.right, scope);
  return { compiled: comparison(e.op, left, right), op: e.op, left, right };
}

/**
 * Among the pushed conditions, the first `first.column = value` the first source indexes, else the first
 * `first.column > value` it can range over.
 */
function findSeek(pushed: readonly Conjunct[], from: CompiledFrom): Seek | null {
  let range: Seek | null = null;
  for (const c of pushed) {
    if (!c.op || !c.left || !c.right) continue;
    const sides = c.op === '=' ? ([[c.left, c.right], [c.right, c.left]] as const) : ([[c.left, c.right]] as const);
    for (const [col, value] of sides) {
      if (col.local !== 1 || !col.columnName || value.local !== 0 || !from.seekable(col.columnName, c.op)) continue;
      if (c.op === '=') return { column: col.columnName, op: '=', value };
      range ??= { column: col.columnName, op: '>', value };
    }
  }
  return range;
}

function compileJoin(join: Join, scope: Scope, left: FromRows, ctxOf: (row: unknown[], parent: Ctx | null) => Ctx): FromRows {
  const index = scope.sources.length;
  const apply = join.kind === 'cross apply' || join.kind === 'outer apply';
  // APPLY's arguments read the rows to its left; a joined table's do not.
  const src = bindSource(join.source, scope, scope, apply);
  scope.sources.push(src.bound);
  const nulls = (n: number): unknown[] => new Array<unknown>(n).fill(null);
  if (apply) {
    const outer = join.kind === 'outer apply';
    return (parent) => {
      const out: unknown[][] = [];
      for (const l of left(parent)) {
        const rights = src.rows(ctxOf(l, parent));
        if (rights.length === 0 && outer) out.push([...l, null]);
        for (const r of rights) out.push([...l, r]);
      }
      return out;
    };
  }
  if (join.kind === 'cross') {
    return (parent) => {
      const rights = src.rows(ctxOf([], parent));
      return left(parent).flatMap((l) => rights.map((r) => [...l, r]));
    };
  }
  const { conditions, keys } = compileOn(join.on!, scope, 1 << index);
  if (conditions.some((c) => c.aggregate)) fail({ number: 147, class: 15, state: 1, message: 'An aggregate may not appear in the ON clause unless it is in a subquery contained in a HAVING clause or select list, and the column being aggregated is an outer reference.' }, join.source.line);
  const keepLeft = join.kind === 'left' || join.kind === 'full';
  const keepRight = join.kind === 'right' || join.kind === 'full';
  const indexed = keys
    .map((k) => ({ probe: k.probe, lookup: src.lookup?.(k.build.columnName!) }))
    .find((k): k is { probe: Compiled; lookup: (value: SqlValue) => readonly unknown[] } => k.lookup !== undefined);
  return (parent) => {
    const lefts = left(parent);
    // Nothing to join to: the joined source is not read (an empty outer input ends an inner or left join).
    if (lefts.length === 0 && !keepRight) return [];
    const rights = indexed && !keepRight ? [] : src.rows(ctxOf([], parent));
    const width = index;
    const matchedRight = new Set<unknown>();
    const out: unknown[][] = [];
    let candidatesOf: (ctx: Ctx) => readonly unknown[] = () => rights;
    if (indexed && !keepRight) {
      // msdb's index on the joined column: look each left row's match up instead of reading the table.
      candidatesOf = (ctx) => {
        const v = indexed.probe.run(ctx);
        return v === null ? [] : indexed.lookup(v);
      };
    } else if (keys.length > 0) {
      const table = new Map<string, unknown[]>();
      for (const r of rights) {
        const row = nulls(width);
        row.push(r);
        const ctx = ctxOf(row, parent);
        const values = keys.map((k) => k.build.run(ctx));
        if (values.some((v) => v === null)) continue;
        const key = values.map(keyOf).join('\u0001');
        const bucket = table.get(key);
        if (bucket) bucket.push(r);
        else table.set(key, [r]);
      }
      candidatesOf = (ctx) => {
        const values = keys.map((k) => k.probe.run(ctx));
        if (values.some((v) => v === null)) return [];
        return table.get(values.map(keyOf).join('\u0001')) ?? [];
      };
    }
    for (const l of lefts) {
      const probe = ctxOf([...l, null], parent);
      let matched = false;
      for (const r of candidatesOf(probe)) {
        const row = [...l, r];
        const ctx = ctxOf(row, parent);
        if (conditions.every((c) => holds(c.run(ctx)))) {
          matched = true;
          matchedRight.add(r);
          out.push(row);
        }
      }
      if (!matched && keepLeft) out.push([...l, null]);
    }
    if (keepRight) for (const r of rights) if (!matchedRight.has(r)) out.push([...nulls(width), r]);
    return out;
  };
}

function containsAggregate(e: Expr): boolean {
  switch (e.k) {
    case 'call':
      return isAggregateCall(e) || e.args.some(containsAggregate);
    case 'unary':
    case 'isnull':
    case 'cast':
      return containsAggregate(e.arg);
    case 'binary':
      return containsAggregate(e.left) || containsAggregate(e.right);
    case 'in':
      return containsAggregate(e.arg) || (Array.isArray(e.list) && e.list.some(containsAggregate));
    case 'like':
      return containsAggregate(e.arg) || containsAggregate(e.pattern);
    case 'between':
      return containsAggregate(e.arg) || containsAggregate(e.low) || containsAggregate(e.high);
    case 'case':
      return (e.operand !== null && containsAggregate(e.operand)) || e.whens.some((w) => containsAggregate(w.when) || containsAggregate(w.then)) || (e.otherwise !== null && containsAggregate(e.otherwise));
    default:
      return false;
  }
}

export function compileSelect(select: Select, env: Env, outer: Scope | null): CompiledSelect {
  const scope = new Scope(env, outer, outer?.objects ?? []);
  const from = select.from ? compileFrom(select.from, scope) : null;
  const parts = select.where ? splitAnd(select.where).map((c) => compileConjunct(c, scope)) : [];
  const conjuncts = parts.map((p) => p.compiled);
  // Conditions on the first source alone filter it before the joins, unless a RIGHT or FULL join could
  // add rows without it (then they must see the joined rows).
  const pushable = select.from !== null && !select.from.joins.some((j) => j.kind === 'right' || j.kind === 'full');
  const pushed = pushable ? conjuncts.filter((c) => c.local === 1 && !c.aggregate) : [];
  // Conditions that read none of the query's own rows (a parameter, an outer row) are decided once, before
  // any source is read: SQL Server's startup expression predicate, which leaves the tables untouched when
  // it is false (a poll's `@with_files = 1` when it does not ask for the files).
  const startup = conjuncts.filter((c) => c.local === 0 && !c.aggregate);
  const residual = conjuncts.filter((c) => !pushed.includes(c) && !startup.includes(c));
  const extreme = extremeSeek(select, scope, from);
  const seek = extreme?.seek ?? (from && pushed.length > 0 ? findSeek(parts.filter((p) => pushed.includes(p.compiled)), from) : null);
  if (conjuncts.some((c) => c.aggregate)) fail({ number: 147, class: 15, state: 1, message: 'An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.' }, select.line);
  const groupBy = select.groupBy.map((g) => compileExpr(g, scope));
  const aggregates =
    select.items.some((i) => i.k === 'expr' && containsAggregate(i.expr)) || (select.having !== null && containsAggregate(select.having)) || select.orderBy.some((o) => containsAggregate(o.expr));
  scope.grouped = groupBy.length > 0 || aggregates;
  for (const g of groupBy) if (g.columnKey) scope.groupKeys.add(g.columnKey);

  const columns: Column[] = [];
  const items: Compiled[] = [];
  for (const item of select.items) {
    if (item.k === 'star') {
      if (!select.from) fail({ number: 263, class: 16, state: 1, message: 'Must specify table to select from.' }, item.line);
      const picked = scope.sources.map((s, i) => ({ s, i })).filter(({ s }) => item.qualifier === null || matchesQualifier(s.names, [item.qualifier]));
      if (picked.length === 0) fail(sqlErrors.unboundIdentifier(`${item.qualifier}.*`), item.line);
      for (const { s } of picked) {
        for (const col of s.columns) {
          const c = resolveColumn(scope, [s.names[0]!, col.name], item.line);
          items.push(c);
          columns.push({ name: col.name, type: c.type, nullable: true });
        }
      }
      continue;
    }
    const c = compileExpr(item.expr, scope);
    items.push(c);
    columns.push({ name: item.alias ?? c.name, type: c.type, nullable: c.nullable });
  }
  const having = select.having ? compileExpr(select.having, scope) : null;
  const order = select.orderBy.map((o) => {
    const e = o.expr;
    if (e.k === 'literal' && typeof e.value === 'number') {
      const at = e.value - 1;
      if (at < 0 || at >= items.length) fail({ number: 108, class: 16, state: 1, message: `The ORDER BY position number ${e.value} is out of range of the number of items in the select list.` }, e.line);
      return { output: at, desc: o.desc, expr: null };
    }
    if (e.k === 'column' && e.parts.length === 1) {
      const at = columns.findIndex((c) => c.name.toLowerCase() === e.parts[0]!.toLowerCase());
      if (at >= 0) return { output: at, desc: o.desc, expr: null };
    }
    return { output: -1, desc: o.desc, expr: compileExpr(e, scope) };
  });
  const top = select.top ? compileExpr(select.top, new Scope(env, null, [])) : null;
  const windows = scope.windows;

  return {
    columns,
    objects: scope.objects,
    correlations: scope.correlations,
    rows: (parent) => {
      const started = startup.every((c) => holds(c.run({ row: [], outer: parent, group: null, index: 0, windows: null })));
      const rows = !started ? [] : from ? from.rows(parent, pushed, seek, extreme?.edge) : [[]];
      let ctxs: Ctx[] = rows.map((row) => ({ row, outer: parent, group: null, index: 0, windows: null }));
      if (residual.length > 0) ctxs = ctxs.filter((ctx) => residual.every((c) => holds(c.run(ctx))));
      if (scope.grouped) ctxs = groupRows(ctxs, groupBy, parent, scope.sources.length);
      if (having) ctxs = ctxs.filter((ctx) => holds(having.run(ctx)));
      if (windows.length > 0) computeWindows(ctxs, windows);
      let out = ctxs.map((ctx) => ({ ctx, values: items.map((i) => i.run(ctx)) }));
      if (select.distinct) {
        const seen = new Set<string>();
        out = out.filter((o) => {
          const key = o.values.map(keyOf).join('\u0001');
          return !seen.has(key) && !!seen.add(key);
        });
      }
      if (order.length > 0) {
        const keyed = out.map((o) => ({ o, keys: order.map((k) => (k.expr ? k.expr.run(o.ctx) : o.values[k.output]!)) }));
        keyed.sort((a, b) => {
          for (let i = 0; i < order.length; i++) {
            const x = a.keys[i]!;
            const y = b.keys[i]!;
            // NULLs sort first ascending, as SQL Server sorts them.
            const c = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compare(x, y)!;
            if (c !== 0) return order[i]!.desc ? -c : c;
          }
          return 0;
        });
        out = keyed.map((k) => k.o);
      }
      if (top) {
        const n = Number(top.run({ row: [], outer: null, group: null, index: 0, windows: null }));
        out = out.slice(0, Math.max(0, n));
      }
      return out.map((o) => o.values);
    },
  };
}

function groupRows(ctxs: Ctx[], groupBy: Compiled[], parent: Ctx | null, width: number): Ctx[] {
  if (groupBy.length === 0) {
    return [{ row: ctxs[0]?.row ?? new Array<unknown>(width).fill(null), outer: parent, group: ctxs, index: 0, windows: null }];
  }
  const groups = new Map<string, Ctx>();
  for (const ctx of ctxs) {
    const key = groupBy.map((g) => keyOf(g.run(ctx))).join('\u0001');
    const group = groups.get(key);
    if (group) group.group!.push(ctx);
    else groups.set(key, { row: ctx.row, outer: parent, group: [ctx], index: 0, windows: null });
  }
  return [...groups.values()];
}

function computeWindows(ctxs: Ctx[], windows: WindowCall[]): void {
  const slots: SqlValue[][] = windows.map(() => new Array<SqlValue>(ctxs.length).fill(null));
  ctxs.forEach((ctx, i) => {
    ctx.index = i;
    ctx.windows = slots;
  });
  windows.forEach((w, slot) => w.compute(ctxs, slots[slot]!));
}

/** A SELECT's parts to run, bound to `env`; `UndeclaredVariable` from the tokenizer's cursor becomes Msg 137. */
export function bindSelect(select: Select, env: Env): CompiledSelect {
  try {
    return compileSelect(select, env, null);
  } catch (error) {
    if (error instanceof UndeclaredVariable) throw new CompileError({ ...sqlErrors.mustDeclare(error.variableName), line: select.line });
    throw error;
  }
}
