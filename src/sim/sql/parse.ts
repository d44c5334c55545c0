import { parseTypeName } from '../params.js';
import type { SqlType } from '../tds/types.js';
import { Cursor, TsqlSyntaxError, type Tok } from '../tsql.js';
import type { BinaryOp, Expr, Join, OrderItem, Over, Select, SelectItem, Source } from './ast.js';

/**
 * A recursive-descent parser for the SELECT statements the simulator answers: rpotop's catalog and what
 * an operator types into a client pointed at `rpotop sim`. It covers the T-SQL that reads system views
 * (joins, APPLY, subqueries, CASE, CAST, aggregates, window functions); a construct it does not know is
 * refused with SQL Server's 40517 naming it, never read as something else.
 */
export class UnsupportedConstruct extends Error {
  constructor(readonly construct: string) {
    super(`'${construct}' is not supported by the rpotop simulator.`);
  }
}

/** Words that end an expression or a FROM item: never taken as an alias without AS. */
const RESERVED = new Set([
  'FROM', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'JOIN', 'ON', 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'FULL', 'CROSS',
  'UNION', 'EXCEPT', 'INTERSECT', 'AND', 'OR', 'NOT', 'AS', 'WHEN', 'THEN', 'ELSE', 'END', 'IS', 'IN', 'LIKE',
  'BETWEEN', 'ASC', 'DESC', 'OPTION', 'FOR', 'SELECT', 'APPLY', 'OVER', 'PARTITION', 'BY', 'WITH', 'OFFSET', 'INTO',
]);
const UNSUPPORTED = new Set(['UNION', 'EXCEPT', 'INTERSECT', 'PIVOT', 'UNPIVOT', 'FOR', 'OFFSET', 'INTO', 'OPTION', 'TABLESAMPLE']);

const lineOf = (t: Tok | undefined): number => t?.line ?? 1;

export function parseSelect(tokens: readonly Tok[]): Select {
  const c = new Cursor(tokens);
  const select = selectStatement(c);
  if (!c.done()) rejectOrSyntax(c);
  return select;
}

function rejectOrSyntax(c: Cursor): never {
  const t = c.peek()!;
  if (t.t === 'word' && UNSUPPORTED.has(t.upper)) throw new UnsupportedConstruct(t.upper);
  throw new TsqlSyntaxError(t.v);
}

function selectStatement(c: Cursor): Select {
  const line = lineOf(c.peek());
  c.expectWord('SELECT');
  const distinct = c.acceptWord('DISTINCT') !== null;
  c.acceptWord('ALL');
  let top: Expr | null = null;
  if (c.acceptWord('TOP')) {
    top = c.acceptPunct('(') ? closeParen(c, expression(c)) : primary(c);
    if (c.isWord('PERCENT', 'WITH')) throw new UnsupportedConstruct(`TOP ... ${c.next().v}`);
  }
  const items: SelectItem[] = [];
  do items.push(selectItem(c));
  while (c.acceptPunct(','));
  if (c.isWord('INTO')) throw new UnsupportedConstruct('SELECT INTO');
  const from = c.acceptWord('FROM') ? fromClause(c) : null;
  const where = c.acceptWord('WHERE') ? expression(c) : null;
  const groupBy: Expr[] = [];
  if (c.acceptWord('GROUP')) {
    c.expectWord('BY');
    do groupBy.push(expression(c));
    while (c.acceptPunct(','));
  }
  const having = c.acceptWord('HAVING') ? expression(c) : null;
  const orderBy = c.isWord('ORDER') ? orderByClause(c) : [];
  return { distinct, top, items, from, where, groupBy, having, orderBy, line };
}

function closeParen<T>(c: Cursor, value: T): T {
  c.expectPunct(')');
  return value;
}

function orderByClause(c: Cursor): OrderItem[] {
  c.expectWord('ORDER');
  c.expectWord('BY');
  const items: OrderItem[] = [];
  do {
    const expr = expression(c);
    const dir = c.acceptWord('ASC', 'DESC');
    items.push({ expr, desc: dir === 'DESC' });
  } while (c.acceptPunct(','));
  return items;
}

function aliasAfter(c: Cursor): string | null {
  if (c.acceptWord('AS')) return c.name();
  const t = c.peek();
  if (t?.t === 'ident' || t?.t === 'string') return c.next().v;
  if (t?.t === 'word' && !RESERVED.has(t.upper)) return c.next().v;
  return null;
}

function selectItem(c: Cursor): SelectItem {
  const t = c.peek();
  if (t?.t === 'punct' && t.v === '*') {
    c.next();
    return { k: 'star', qualifier: null, line: lineOf(t) };
  }
  // alias.* (and db.schema.table.*)
  if ((t?.t === 'word' || t?.t === 'ident') && isQualifiedStar(c)) {
    const parts: string[] = [];
    while (!(c.peek()?.t === 'punct' && c.peek()!.v === '*')) {
      parts.push(c.name());
      c.expectPunct('.');
    }
    c.next();
    return { k: 'star', qualifier: parts.at(-1)!, line: lineOf(t) };
  }
  // alias = expression
  if ((t?.t === 'word' || t?.t === 'ident') && isPunct(c.peek(1), '=') && !(t.t === 'word' && RESERVED.has(t.upper))) {
    const alias = c.name();
    c.next();
    return { k: 'expr', expr: expression(c), alias };
  }
  const expr = expression(c);
  return { k: 'expr', expr, alias: aliasAfter(c) };
}

function isQualifiedStar(c: Cursor): boolean {
  for (let k = 0; ; k += 2) {
    const name = c.peek(k);
    if (!(name?.t === 'word' || name?.t === 'ident')) return false;
    if (!isPunct(c.peek(k + 1), '.')) return false;
    if (isPunct(c.peek(k + 2), '*')) return true;
  }
}

const isPunct = (t: Tok | undefined, v: string): boolean => t?.t === 'punct' && t.v === v;

function fromClause(c: Cursor): { first: Source; joins: Join[] } {
  const first = source(c);
  const joins: Join[] = [];
  for (;;) {
    if (c.acceptPunct(',')) {
      joins.push({ kind: 'cross', source: source(c), on: null });
      continue;
    }
    const word = c.acceptWord('JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER');
    if (word === null) break;
    let kind: Join['kind'];
    if (word === 'CROSS' || word === 'OUTER') {
      if (c.acceptWord('APPLY')) kind = word === 'CROSS' ? 'cross apply' : 'outer apply';
      else if (word === 'CROSS') {
        c.expectWord('JOIN');
        kind = 'cross';
      } else throw new TsqlSyntaxError(c.peek()?.v ?? 'OUTER');
    } else {
      kind = word === 'JOIN' || word === 'INNER' ? 'inner' : word === 'LEFT' ? 'left' : word === 'RIGHT' ? 'right' : 'full';
      if (word !== 'JOIN') {
        if (kind !== 'inner') c.acceptWord('OUTER');
        if (c.isWord('HASH', 'LOOP', 'MERGE', 'REMOTE')) throw new UnsupportedConstruct(`${c.next().v} join hint`);
        c.expectWord('JOIN');
      }
    }
    const src = source(c);
    let on: Expr | null = null;
    if (kind === 'inner' || kind === 'left' || kind === 'right' || kind === 'full') {
      c.expectWord('ON');
      on = expression(c);
    }
    joins.push({ kind, source: src, on });
  }
  return { first, joins };
}

function source(c: Cursor): Source {
  const t = c.peek();
  const line = lineOf(t);
  if (c.acceptPunct('(')) {
    if (!c.isWord('SELECT')) throw new TsqlSyntaxError(c.peek()?.v ?? '(');
    const query = closeParen(c, selectStatement(c));
    const alias = aliasAfter(c);
    if (alias === null) throw new TsqlSyntaxError(c.peek()?.v ?? ')');
    return { k: 'derived', query, alias, line };
  }
  const parts = multipartName(c);
  let args: Expr[] | null = null;
  if (c.acceptPunct('(')) {
    args = [];
    if (!c.acceptPunct(')')) {
      do args.push(expression(c));
      while (c.acceptPunct(','));
      c.expectPunct(')');
    }
  }
  const alias = aliasAfter(c);
  if (c.isWord('WITH') && isPunct(c.peek(1), '(')) throw new UnsupportedConstruct('table hint');
  return { k: 'object', parts, alias, args, line };
}

/** `a.b.c`, with `msdb..backupset` keeping the empty schema. */
function multipartName(c: Cursor): string[] {
  const parts: string[] = [];
  for (;;) {
    if (isPunct(c.peek(), '.')) parts.push('');
    else parts.push(c.name());
    if (!c.acceptPunct('.')) return parts;
    while (isPunct(c.peek(), '.')) {
      c.next();
      parts.push('');
    }
  }
}

// Expressions, lowest precedence first.
export function expression(c: Cursor): Expr {
  let left = andExpr(c);
  while (c.isWord('OR')) {
    const line = lineOf(c.next());
    left = { k: 'binary', op: 'OR', left, right: andExpr(c), line };
  }
  return left;
}

function andExpr(c: Cursor): Expr {
  let left = notExpr(c);
  while (c.isWord('AND')) {
    const line = lineOf(c.next());
    left = { k: 'binary', op: 'AND', left, right: notExpr(c), line };
  }
  return left;
}

function notExpr(c: Cursor): Expr {
  if (c.isWord('NOT')) {
    const line = lineOf(c.next());
    return { k: 'unary', op: 'NOT', arg: notExpr(c), line };
  }
  if (c.isWord('EXISTS')) {
    const line = lineOf(c.next());
    c.expectPunct('(');
    return { k: 'exists', query: closeParen(c, selectStatement(c)), line };
  }
  return predicate(c);
}

function comparison(c: Cursor): BinaryOp | null {
  const t = c.peek();
  if (t?.t !== 'punct') return null;
  const next = c.peek(1);
  const two = next?.t === 'punct' ? t.v + next.v : '';
  if (two === '<>' || two === '<=' || two === '>=' || two === '!=') {
    c.next();
    c.next();
    return two === '!=' ? '<>' : (two as BinaryOp);
  }
  if (t.v === '=' || t.v === '<' || t.v === '>') {
    c.next();
    return t.v;
  }
  return null;
}

function predicate(c: Cursor): Expr {
  const left = additive(c);
  const line = lineOf(c.peek());
  const op = comparison(c);
  if (op) return { k: 'binary', op, left, right: additive(c), line };
  if (c.acceptWord('IS')) {
    const not = c.acceptWord('NOT') !== null;
    c.expectWord('NULL');
    return { k: 'isnull', arg: left, not, line };
  }
  const not = c.isWord('NOT') && c.peek(1)?.t === 'word' && ['IN', 'LIKE', 'BETWEEN'].includes((c.peek(1) as { upper: string }).upper);
  if (not) c.next();
  if (c.acceptWord('IN')) {
    c.expectPunct('(');
    if (c.isWord('SELECT')) return { k: 'in', arg: left, list: closeParen(c, selectStatement(c)), not, line };
    const list: Expr[] = [];
    do list.push(expression(c));
    while (c.acceptPunct(','));
    c.expectPunct(')');
    return { k: 'in', arg: left, list, not, line };
  }
  if (c.acceptWord('LIKE')) {
    const pattern = additive(c);
    if (c.isWord('ESCAPE')) throw new UnsupportedConstruct('LIKE ... ESCAPE');
    return { k: 'like', arg: left, pattern, not, line };
  }
  if (c.acceptWord('BETWEEN')) {
    const low = additive(c);
    c.expectWord('AND');
    return { k: 'between', arg: left, low, high: additive(c), not, line };
  }
  if (not) throw new TsqlSyntaxError('NOT');
  return left;
}

function additive(c: Cursor): Expr {
  let left = multiplicative(c);
  for (;;) {
    const t = c.peek();
    if (!(isPunct(t, '+') || isPunct(t, '-'))) return left;
    c.next();
    left = { k: 'binary', op: t!.v as BinaryOp, left, right: multiplicative(c), line: lineOf(t) };
  }
}

function multiplicative(c: Cursor): Expr {
  let left = unary(c);
  for (;;) {
    const t = c.peek();
    if (!(isPunct(t, '*') || isPunct(t, '/') || isPunct(t, '%'))) return left;
    c.next();
    left = { k: 'binary', op: t!.v as BinaryOp, left, right: unary(c), line: lineOf(t) };
  }
}

function unary(c: Cursor): Expr {
  const t = c.peek();
  if (isPunct(t, '-')) {
    c.next();
    const arg = unary(c);
    if (arg.k === 'literal' && typeof arg.value === 'number') return { ...arg, value: -arg.value };
    if (arg.k === 'literal' && typeof arg.value === 'string' && arg.type.kind === 'numeric') return { ...arg, value: `-${arg.value}` };
    return { k: 'unary', op: '-', arg, line: lineOf(t) };
  }
  if (isPunct(t, '+')) {
    c.next();
    return unary(c);
  }
  return primary(c);
}

function numberLiteral(text: string, line: number): Expr {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 2_147_483_647) return { k: 'literal', value: n, type: { kind: 'int' }, line };
    return { k: 'literal', value: text, type: { kind: 'numeric', precision: Math.min(38, text.length), scale: 0 }, line };
  }
  if (/[eE]/.test(text)) return { k: 'literal', value: Number(text), type: { kind: 'float' }, line };
  const [whole = '', frac = ''] = text.split('.');
  return { k: 'literal', value: text, type: { kind: 'numeric', precision: Math.max(1, whole.length + frac.length), scale: frac.length }, line };
}

function typeName(c: Cursor): SqlType {
  const base = c.name();
  let text = base;
  if (c.acceptPunct('(')) {
    const a = c.next().v;
    const b = c.acceptPunct(',') ? `,${c.next().v}` : '';
    c.expectPunct(')');
    text = `${base}(${a}${b})`;
  }
  if (base.toLowerCase() === 'sysname') return { kind: 'nvarchar', length: 128 };
  try {
    return parseTypeName(text);
  } catch {
    throw new SqlTypeUnknown(base);
  }
}

/** A type name SQL Server does not know (Msg 243). */
export class SqlTypeUnknown extends Error {
  constructor(readonly typeName: string) {
    super(`Type ${typeName} is not a defined system type.`);
  }
}

function primary(c: Cursor): Expr {
  const t = c.next();
  const line = lineOf(t);
  switch (t.t) {
    case 'number':
      return numberLiteral(t.v, line);
    case 'string':
      return {
        k: 'literal',
        value: t.v,
        type: { kind: t.unicode ? 'nvarchar' : 'varchar', length: Math.max(1, t.v.length) },
        line,
      };
    case 'var':
      return { k: 'var', name: t.v, line };
    case 'punct':
      if (t.v !== '(') throw new TsqlSyntaxError(t.v);
      if (c.isWord('SELECT')) return { k: 'subquery', query: closeParen(c, selectStatement(c)), line };
      return closeParen(c, expression(c));
    case 'word':
      switch (t.upper) {
        case 'NULL':
          return { k: 'literal', value: null, type: { kind: 'int' }, line };
        case 'CASE':
          return caseExpr(c, line);
        case 'CAST':
        case 'TRY_CAST': {
          c.expectPunct('(');
          const arg = expression(c);
          c.expectWord('AS');
          const type = typeName(c);
          c.expectPunct(')');
          return { k: 'cast', arg, type, line };
        }
        case 'CONVERT':
        case 'TRY_CONVERT': {
          c.expectPunct('(');
          const type = typeName(c);
          c.expectPunct(',');
          const arg = expression(c);
          if (c.acceptPunct(',')) expression(c);
          c.expectPunct(')');
          return { k: 'cast', arg, type, line };
        }
        case 'CURRENT_TIMESTAMP':
          return { k: 'call', name: ['GETDATE'], args: [], star: false, distinct: false, over: null, line };
        default:
          if (RESERVED.has(t.upper) && t.upper !== 'LEFT' && t.upper !== 'RIGHT') throw new TsqlSyntaxError(t.v);
          return named(c, t.v, line);
      }
    case 'ident':
      return named(c, t.v, line);
  }
}

/** A column (`a.b`) or a function call (`sys.fn_x(...)`) starting with `first`. */
function named(c: Cursor, first: string, line: number): Expr {
  const parts = [first];
  while (isPunct(c.peek(), '.')) {
    c.next();
    parts.push(c.name());
  }
  if (isPunct(c.peek(), '(')) return call(c, parts, line);
  return { k: 'column', parts, line };
}

function call(c: Cursor, name: string[], line: number): Expr {
  c.expectPunct('(');
  const args: Expr[] = [];
  let star = false;
  const distinct = c.acceptWord('DISTINCT') !== null;
  if (isPunct(c.peek(), '*')) {
    c.next();
    star = true;
  } else if (!isPunct(c.peek(), ')')) {
    // DATEADD(day, ...) and DATEDIFF(minute, ...) take a bare date part first.
    do args.push(expression(c));
    while (c.acceptPunct(','));
  }
  c.expectPunct(')');
  let over: Over | null = null;
  if (c.acceptWord('OVER')) {
    c.expectPunct('(');
    const partitionBy: Expr[] = [];
    if (c.acceptWord('PARTITION')) {
      c.expectWord('BY');
      do partitionBy.push(expression(c));
      while (c.acceptPunct(','));
    }
    const orderBy = c.isWord('ORDER') ? orderByClause(c) : [];
    if (c.isWord('ROWS', 'RANGE')) throw new UnsupportedConstruct('window frame (ROWS/RANGE)');
    c.expectPunct(')');
    over = { partitionBy, orderBy };
  }
  return { k: 'call', name, args, star, distinct, over, line };
}

function caseExpr(c: Cursor, line: number): Expr {
  const operand = c.isWord('WHEN') ? null : expression(c);
  const whens: { when: Expr; then: Expr }[] = [];
  while (c.acceptWord('WHEN')) {
    const when = expression(c);
    c.expectWord('THEN');
    whens.push({ when, then: expression(c) });
  }
  if (whens.length === 0) throw new TsqlSyntaxError(c.peek()?.v ?? 'CASE');
  const otherwise = c.acceptWord('ELSE') ? expression(c) : null;
  c.expectWord('END');
  return { k: 'case', operand, whens, otherwise, line };
}
