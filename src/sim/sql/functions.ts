import { SimFailure, sqlErrors } from '../errors.js';
import type { SqlType, SqlValue } from '../tds/types.js';
import type { Expr } from './ast.js';
import { CompileError, compileExpr, flags, type Compiled, type Ctx, type Scope } from './compile.js';
import { hasPermission } from './permissions.js';
import { versionedFunctions } from './system-objects.js';
import { compare, convert, dominantType, isText, keyOf } from './values.js';

/**
 * The built-in functions system-view queries use, with the result types SQL Server documents for
 * them (DATEDIFF int, HAS_PERMS_BY_NAME int, CHARINDEX int or bigint on a max type, COUNT int,
 * ROW_NUMBER bigint), aggregates over a group, and window functions over a partition.
 */

type Call = Extract<Expr, { k: 'call' }>;
const AGGREGATES = new Set(['MIN', 'MAX', 'COUNT', 'COUNT_BIG', 'SUM', 'AVG']);
const WINDOW_ONLY = new Set(['ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD']);

export const isAggregateCall = (e: Call): boolean => e.name.length === 1 && AGGREGATES.has(e.name[0]!.toUpperCase()) && e.over === null;

export interface WindowCall {
  compute(ctxs: Ctx[], out: SqlValue[]): void;
}

const INT: SqlType = { kind: 'int' };
const BIGINT: SqlType = { kind: 'bigint' };
const BIT: SqlType = { kind: 'bit' };
const DATETIME: SqlType = { kind: 'datetime' };
const SYSNAME: SqlType = { kind: 'nvarchar', length: 128 };

function compiled(type: SqlType, run: (ctx: Ctx) => SqlValue, parts: Compiled[], nullable = true): Compiled {
  return { name: '', type, nullable, run, ...flags(...parts) };
}

export function compileCall(e: Call, scope: Scope): Compiled {
  if (e.name.length > 1) return schemaFunction(e, scope);
  const name = e.name[0]!.toUpperCase();
  if (e.over) return windowFunction(e, name, scope);
  if (WINDOW_ONLY.has(name)) throw new CompileError({ number: 10753, class: 15, state: 1, message: `The function '${name.toLowerCase()}' must have an OVER clause.`, line: e.line });
  if (AGGREGATES.has(name)) return aggregate(e, name, scope);
  const arity = (n: number | [number, number]): void => {
    const [lo, hi] = typeof n === 'number' ? [n, n] : n;
    if (e.args.length < lo || e.args.length > hi) throw new CompileError({ ...sqlErrors.argumentCount(name.toLowerCase(), lo), line: e.line });
  };
  const session = scope.env.session;
  const inst = session.instance;
  // DATEADD and DATEDIFF take a bare date part, not a column.
  if (name === 'DATEADD' || name === 'DATEDIFF') {
    arity(3);
    const partExpr = e.args[0]!;
    const part = partExpr.k === 'column' && partExpr.parts.length === 1 ? datePart(partExpr.parts[0]!) : null;
    if (!part) throw new CompileError({ number: 155, class: 15, state: 1, message: `'${partExpr.k === 'column' ? partExpr.parts.join('.') : '?'}' is not a recognized ${name.toLowerCase()} option.`, line: e.line });
    const a = compileExpr(e.args[1]!, scope);
    const b = compileExpr(e.args[2]!, scope);
    if (name === 'DATEADD') {
      return compiled(DATETIME, (ctx) => {
        const n = a.run(ctx);
        const d = b.run(ctx);
        return n === null || d === null ? null : dateAdd(part, Number(n), Number(convert(d, b.type, DATETIME)));
      }, [a, b]);
    }
    return compiled(INT, (ctx) => {
      const x = a.run(ctx);
      const y = b.run(ctx);
      return x === null || y === null ? null : dateDiff(part, Number(convert(x, a.type, DATETIME)), Number(convert(y, b.type, DATETIME)));
    }, [a, b]);
  }
  const args = e.args.map((x) => compileExpr(x, scope));
  const now = () => inst.clock.now();
  switch (name) {
    case 'GETDATE':
      arity(0);
      return compiled(DATETIME, () => inst.localNow(now()), [], false);
    case 'GETUTCDATE':
      arity(0);
      return compiled(DATETIME, () => now(), [], false);
    case 'SYSDATETIME':
      arity(0);
      return compiled({ kind: 'datetime2', scale: 7 }, () => inst.localNow(now()), [], false);
    case 'SYSUTCDATETIME':
      arity(0);
      return compiled({ kind: 'datetime2', scale: 7 }, () => now(), [], false);
    case 'SYSDATETIMEOFFSET':
      arity(0);
      return compiled({ kind: 'datetimeoffset', scale: 7 }, () => ({ utcMs: now(), offsetMinutes: inst.options.timeZoneMinutes }), [], false);
    case 'SERVERPROPERTY':
      arity(1);
      return compiled({ kind: 'sql_variant' }, (ctx) => serverProperty(scope, String(args[0]!.run(ctx) ?? '')), args);
    case 'HAS_PERMS_BY_NAME':
      arity([3, 5]);
      return compiled(INT, (ctx) => {
        const [securable, cls, permission] = args.map((a) => a.run(ctx));
        return hasPermission(inst, securable === null ? null : String(securable), String(cls ?? ''), String(permission ?? '')) ? 1 : 0;
      }, args);
    case 'HAS_DBACCESS':
      arity(1);
      // Every login reaches msdb (and master, tempdb) through the guest user: this says nothing about SELECT.
      return compiled(INT, (ctx) => {
        const db = args[0]!.run(ctx);
        return db === null ? null : inst.findDatabase(String(db)) ? 1 : null;
      }, args);
    case 'DB_NAME':
      arity([0, 1]);
      return compiled(SYSNAME, (ctx) => {
        if (args.length === 0) return session.database;
        const id = args[0]!.run(ctx);
        return inst.databases.find((d) => d.databaseId === Number(id))?.name ?? null;
      }, args);
    case 'DB_ID':
      arity([0, 1]);
      return compiled({ kind: 'smallint' }, (ctx) => {
        const n = args.length === 0 ? session.database : args[0]!.run(ctx);
        return n === null ? null : (inst.findDatabase(String(n))?.databaseId ?? null);
      }, args);
    case 'SUSER_SNAME':
    case 'SUSER_NAME':
      return compiled(SYSNAME, () => session.login, args);
    case 'ISNULL':
      arity(2);
      return compiled(args[0]!.type, (ctx) => {
        const v = args[0]!.run(ctx);
        return v !== null ? v : convert(args[1]!.run(ctx), args[1]!.type, args[0]!.type);
      }, args, args[1]!.nullable);
    case 'COALESCE': {
      if (args.length < 2) throw new CompileError({ number: 189, class: 15, state: 1, message: 'The coalesce function requires 2 to 254 arguments.', line: e.line });
      const type = dominantType(args.map((a) => a.type));
      return compiled(type, (ctx) => {
        for (const a of args) {
          const v = a.run(ctx);
          if (v !== null) return convert(v, a.type, type);
        }
        return null;
      }, args);
    }
    case 'NULLIF':
      arity(2);
      return compiled(args[0]!.type, (ctx) => {
        const v = args[0]!.run(ctx);
        return compare(v, args[1]!.run(ctx)) === 0 ? null : v;
      }, args);
    case 'CHARINDEX': {
      arity([2, 3]);
      const inMax = 'length' in args[1]!.type && args[1]!.type.length === 'max';
      return compiled(inMax ? BIGINT : INT, (ctx) => {
        const find = args[0]!.run(ctx);
        const within = args[1]!.run(ctx);
        if (find === null || within === null) return null;
        const start = args[2] ? Math.max(1, Number(args[2].run(ctx) ?? 1)) : 1;
        const at = String(within).toLowerCase().indexOf(String(find).toLowerCase(), start - 1) + 1;
        return inMax ? BigInt(at) : at;
      }, args);
    }
    case 'NCHAR':
      // learn.microsoft.com/sql/t-sql/functions/nchar-transact-sql: nchar(1) without a supplementary-character
      // collation (the default), the UTF-16 unit for 0 through 65535, NULL outside that range.
      arity(1);
      return compiled({ kind: 'nchar', length: 1 }, (ctx) => {
        const v = args[0]!.run(ctx);
        if (v === null) return null;
        const code = Number(v);
        return Number.isInteger(code) && code >= 0 && code <= 0xffff ? String.fromCharCode(code) : null;
      }, args);
    case 'LEN':
      arity(1);
      return compiled(INT, (ctx) => {
        const v = args[0]!.run(ctx);
        return v === null ? null : String(v).replace(/ +$/, '').length;
      }, args);
    case 'UPPER':
    case 'LOWER':
    case 'LTRIM':
    case 'RTRIM':
      arity(1);
      return compiled(isText(args[0]!.type) ? args[0]!.type : { kind: 'varchar', length: 8000 }, (ctx) => {
        const v = args[0]!.run(ctx);
        if (v === null) return null;
        const s = String(v);
        return name === 'UPPER' ? s.toUpperCase() : name === 'LOWER' ? s.toLowerCase() : name === 'LTRIM' ? s.replace(/^ +/, '') : s.replace(/ +$/, '');
      }, args);
    case 'LEFT':
    case 'RIGHT':
      arity(2);
      return compiled(isText(args[0]!.type) ? args[0]!.type : { kind: 'varchar', length: 8000 }, (ctx) => {
        const v = args[0]!.run(ctx);
        const n = args[1]!.run(ctx);
        if (v === null || n === null) return null;
        const s = String(v);
        return name === 'LEFT' ? s.slice(0, Number(n)) : s.slice(Math.max(0, s.length - Number(n)));
      }, args);
    case 'SUBSTRING':
      arity(3);
      return compiled(isText(args[0]!.type) ? args[0]!.type : { kind: 'varchar', length: 8000 }, (ctx) => {
        const [v, from, length] = args.map((a) => a.run(ctx));
        if (v === null || from === null || length === null) return null;
        const start = Number(from) - 1;
        return String(v).slice(Math.max(0, start), Math.max(0, start + Number(length)));
      }, args);
    case 'REPLACE':
      arity(3);
      return compiled(isText(args[0]!.type) ? args[0]!.type : { kind: 'varchar', length: 8000 }, (ctx) => {
        const [v, find, by] = args.map((a) => a.run(ctx));
        if (v === null || find === null || by === null) return null;
        return String(v).split(String(find)).join(String(by));
      }, args);
    case 'ABS':
      arity(1);
      return compiled(args[0]!.type, (ctx) => {
        const v = args[0]!.run(ctx);
        return v === null ? null : typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(Number(v));
      }, args);
    default:
      throw new CompileError({ ...sqlErrors.unknownFunction(e.name[0]!), line: e.line });
  }
}

/** `sys.fn_hadr_backup_is_preferred_replica(db)`: a schema-qualified function, present from its version on. */
function schemaFunction(e: Call, scope: Scope): Compiled {
  const written = e.name.join('.');
  const key = e.name.length === 2 ? written.toLowerCase() : e.name.slice(-2).join('.').toLowerCase();
  const known = versionedFunctions[key];
  if (!known || known.since > scope.env.version) {
    throw new CompileError({ ...sqlErrors.unknownUserFunction(e.name[0]!, written), line: e.line });
  }
  const args = e.args.map((x) => compileExpr(x, scope));
  if (args.length !== 1) throw new CompileError({ number: 313, class: 16, state: 3, message: `An insufficient number of arguments were supplied for the procedure or function ${written}.`, line: e.line });
  const inst = scope.env.session.instance;
  return compiled(BIT, (ctx) => {
    const name = args[0]!.run(ctx);
    const db = name === null ? undefined : inst.findDatabase(String(name));
    // Not in a group, or the preference points here: this replica takes the backup.
    if (!db?.ag) return true;
    return db.ag.preferredBackupReplica.toLowerCase() === inst.name.toLowerCase();
  }, args);
}

function aggregate(e: Call, name: string, scope: Scope): Compiled {
  if (scope.inAggregate) throw new CompileError({ number: 130, class: 16, state: 1, message: 'Cannot perform an aggregate function on an expression containing an aggregate or a subquery.', line: e.line });
  scope.inAggregate = true;
  let arg: Compiled | null;
  try {
    arg = e.star ? null : compileExpr(e.args[0]!, scope);
  } finally {
    scope.inAggregate = false;
  }
  if (!e.star && e.args.length !== 1) throw new CompileError({ ...sqlErrors.argumentCount(name.toLowerCase(), 1), line: e.line });
  const values = (ctx: Ctx): SqlValue[] => {
    const members = ctx.group ?? [ctx];
    const out: SqlValue[] = [];
    for (const m of members) {
      const v = arg ? arg.run(m) : 1;
      if (v !== null) out.push(v);
    }
    if (!e.distinct) return out;
    const seen = new Set<string>();
    return out.filter((v) => !seen.has(keyOf(v)) && !!seen.add(keyOf(v)));
  };
  const type = resultTypeOf(name, arg?.type ?? INT);
  return { name: '', type, nullable: true, aggregate: true, local: arg?.local ?? 0, run: (ctx) => reduce(name, values(ctx), type) };
}

function resultTypeOf(name: string, arg: SqlType): SqlType {
  if (name === 'COUNT') return INT;
  if (name === 'COUNT_BIG') return BIGINT;
  if ((name === 'SUM' || name === 'AVG') && (arg.kind === 'tinyint' || arg.kind === 'smallint' || arg.kind === 'bit')) return INT;
  if (name === 'SUM' && (arg.kind === 'numeric' || arg.kind === 'decimal')) return { kind: arg.kind, precision: 38, scale: arg.scale };
  return arg;
}

function reduce(name: string, values: SqlValue[], type: SqlType): SqlValue {
  switch (name) {
    case 'COUNT':
      return values.length;
    case 'COUNT_BIG':
      return BigInt(values.length);
    case 'MIN':
    case 'MAX': {
      let best: SqlValue = null;
      for (const v of values) {
        if (best === null) best = v;
        else {
          const c = compare(v, best)!;
          if (name === 'MIN' ? c < 0 : c > 0) best = v;
        }
      }
      return best;
    }
    case 'SUM':
    case 'AVG': {
      if (values.length === 0) return null;
      const big = values.some((v) => typeof v === 'bigint') || type.kind === 'bigint';
      if (big) {
        const sum = values.reduce<bigint>((s, v) => s + BigInt(typeof v === 'boolean' ? Number(v) : (v as number | bigint)), 0n);
        return name === 'SUM' ? sum : sum / BigInt(values.length);
      }
      const sum = values.reduce<number>((s, v) => s + Number(v), 0);
      const integral = type.kind === 'int';
      if (name === 'SUM') {
        if (integral && (sum > 2147483647 || sum < -2147483648)) throw new SimFailure([sqlErrors.overflow('int')]);
        return sum;
      }
      return integral ? Math.trunc(sum / values.length) : sum / values.length;
    }
  }
  return null;
}

/** ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD and the aggregates with OVER (PARTITION BY ... ORDER BY ...). */
function windowFunction(e: Call, name: string, scope: Scope): Compiled {
  const over = e.over!;
  // SQL Server 2012 added LAG and LEAD and ORDER BY for aggregates over a window; 2008 R2's OVER clause takes
  // ORDER BY with the ranking functions only (docs/facts.md).
  if (scope.env.version < 11) {
    if (name === 'LAG' || name === 'LEAD') throw new CompileError({ ...sqlErrors.unknownFunction(e.name[0]!), line: e.line });
    if (AGGREGATES.has(name) && over.orderBy.length > 0) throw new CompileError({ ...sqlErrors.syntax('order'), line: e.line });
  }
  const partition = over.partitionBy.map((p) => compileExpr(p, scope));
  const order = over.orderBy.map((o) => ({ c: compileExpr(o.expr, scope), desc: o.desc }));
  const args = e.star ? [] : e.args.map((a) => compileExpr(a, scope));
  if ((name === 'ROW_NUMBER' || name === 'RANK' || name === 'DENSE_RANK' || name === 'LAG' || name === 'LEAD') && order.length === 0) {
    throw new CompileError({ number: 4112, class: 15, state: 1, message: `The function '${name.toLowerCase()}' must have an OVER clause with ORDER BY.`, line: e.line });
  }
  if (!WINDOW_ONLY.has(name) && !AGGREGATES.has(name)) {
    throw new CompileError({ number: 4108, class: 15, state: 1, message: 'Windowed functions can only appear in the SELECT or ORDER BY clauses.', line: e.line });
  }
  const type: SqlType =
    name === 'ROW_NUMBER' || name === 'RANK' || name === 'DENSE_RANK' ? BIGINT : name === 'LAG' || name === 'LEAD' ? args[0]!.type : resultTypeOf(name, args[0]?.type ?? INT);
  const slot = scope.windows.length;
  const byOrder = (a: Ctx, b: Ctx): number => {
    for (const o of order) {
      const x = o.c.run(a);
      const y = o.c.run(b);
      const c = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compare(x, y)!;
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  };
  scope.windows.push({
    compute(ctxs, out) {
      const partitions = new Map<string, Ctx[]>();
      for (const ctx of ctxs) {
        const key = partition.map((p) => keyOf(p.run(ctx))).join('\u0001');
        const list = partitions.get(key);
        if (list) list.push(ctx);
        else partitions.set(key, [ctx]);
      }
      for (const list of partitions.values()) {
        list.sort(byOrder);
        if (name === 'LAG' || name === 'LEAD') {
          list.forEach((ctx, i) => {
            const offset = args[1] ? Number(args[1].run(ctx)) : 1;
            const other = list[name === 'LAG' ? i - offset : i + offset];
            out[ctx.index] = other ? args[0]!.run(other) : args[2] ? convert(args[2].run(ctx), args[2].type, type) : null;
          });
          continue;
        }
        let rank = 0;
        let dense = 0;
        list.forEach((ctx, i) => {
          const peer = i > 0 && byOrder(list[i - 1]!, ctx) === 0;
          if (!peer) {
            rank = i + 1;
            dense += 1;
          }
          if (name === 'ROW_NUMBER') out[ctx.index] = BigInt(i + 1);
          else if (name === 'RANK') out[ctx.index] = BigInt(rank);
          else if (name === 'DENSE_RANK') out[ctx.index] = BigInt(dense);
        });
        if (AGGREGATES.has(name)) {
          // Without ORDER BY the frame is the partition; with it, the rows up to the current one and its peers.
          for (let i = 0; i < list.length; i++) {
            let end = order.length === 0 ? list.length : i + 1;
            while (order.length > 0 && end < list.length && byOrder(list[end - 1]!, list[end]!) === 0) end++;
            const values = list.slice(0, end).map((m) => (args[0] ? args[0].run(m) : 1)).filter((v) => v !== null);
            out[list[i]!.index] = reduce(name, values, type);
          }
        }
      }
    },
  });
  return { name: '', type, nullable: true, aggregate: false, local: flags(...partition, ...order.map((o) => o.c), ...args).local, run: (ctx) => ctx.windows?.[slot]?.[ctx.index] ?? null };
}

type DatePart = 'year' | 'quarter' | 'month' | 'day' | 'week' | 'hour' | 'minute' | 'second' | 'millisecond';

function datePart(text: string): DatePart | null {
  const t = text.toLowerCase();
  const parts: Record<string, DatePart> = {
    year: 'year', yy: 'year', yyyy: 'year', quarter: 'quarter', qq: 'quarter', q: 'quarter', month: 'month', mm: 'month', m: 'month',
    day: 'day', dd: 'day', d: 'day', dayofyear: 'day', dy: 'day', y: 'day', week: 'week', wk: 'week', ww: 'week',
    hour: 'hour', hh: 'hour', minute: 'minute', mi: 'minute', n: 'minute', second: 'second', ss: 'second', s: 'second',
    millisecond: 'millisecond', ms: 'millisecond',
  };
  return parts[t] ?? null;
}

const UNIT_MS: Partial<Record<DatePart, number>> = { week: 604_800_000, day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1000, millisecond: 1 };

function dateAdd(part: DatePart, n: number, at: number): number {
  const unit = UNIT_MS[part];
  if (unit) return at + Math.trunc(n) * unit;
  const d = new Date(at);
  const months = part === 'year' ? n * 12 : part === 'quarter' ? n * 3 : n;
  d.setUTCMonth(d.getUTCMonth() + Math.trunc(months));
  return d.getTime();
}

/** Boundaries crossed between two instants, as DATEDIFF counts them. */
function dateDiff(part: DatePart, a: number, b: number): number {
  const unit = UNIT_MS[part];
  if (part === 'week') {
    // Weeks start on Sunday (SET DATEFIRST 7); 1970-01-04 was a Sunday.
    const sunday = 3 * 86_400_000;
    return Math.floor((b - sunday) / unit!) - Math.floor((a - sunday) / unit!);
  }
  if (unit) {
    const diff = Math.floor(b / unit) - Math.floor(a / unit);
    if (diff > 2147483647 || diff < -2147483648) {
      throw new SimFailure([{ number: 535, class: 16, state: 0, message: 'The datediff function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff with a less precise datepart.' }]);
    }
    return diff;
  }
  const x = new Date(a);
  const y = new Date(b);
  const months = (y.getUTCFullYear() - x.getUTCFullYear()) * 12 + (y.getUTCMonth() - x.getUTCMonth());
  return part === 'year' ? y.getUTCFullYear() - x.getUTCFullYear() : part === 'quarter' ? Math.floor(y.getUTCMonth() / 3) - Math.floor(x.getUTCMonth() / 3) + (y.getUTCFullYear() - x.getUTCFullYear()) * 4 : months;
}

function serverProperty(scope: Scope, property: string): SqlValue {
  const inst = scope.env.session.instance;
  const o = inst.options;
  const nv = (value: string): SqlValue => ({ variant: { kind: 'nvarchar', length: 128 }, value });
  const int = (value: number): SqlValue => ({ variant: { kind: 'int' }, value });
  switch (property.toLowerCase()) {
    case 'productversion':
      return nv(o.version);
    case 'productmajorversion':
      return nv(o.version.split('.')[0]!);
    case 'productlevel':
      return nv('RTM');
    case 'edition':
      return nv('Developer Edition (64-bit)');
    case 'servername':
      return nv(o.name);
    case 'machinename':
      return nv(o.machineName ?? o.name.split('\\')[0]!);
    case 'instancename': {
      const instance = o.name.split('\\')[1];
      return instance ? nv(instance) : null;
    }
    case 'engineedition':
      return int(3);
    // SQL Server 2012 and later (SERVERPROPERTY (Transact-SQL)): where new databases' files go by default.
    case 'instancedefaultdatapath':
      return scope.env.version >= 11 ? nv(o.defaultDataPath ?? 'D:\\MSSQL\\Data\\') : null;
    case 'instancedefaultlogpath':
      return scope.env.version >= 11 ? nv(o.defaultLogPath ?? 'L:\\MSSQL\\Log\\') : null;
    case 'ishadrenabled':
      return scope.env.version >= 11 ? int(inst.databases.some((d) => d.ag) ? 1 : 0) : null;
    default:
      return null;
  }
}

