import { parseWallClock } from '../../domain/time.js';
import { SimFailure, sqlErrors } from '../errors.js';
import type { SqlType, SqlValue } from '../tds/types.js';

/**
 * Values as the evaluator holds them: integers as numbers (bigint and numeric(p,0) as bigint), bit as
 * boolean, datetime as the server's wall clock in ms, uniqueidentifier as its text, sql_variant as its
 * wrapper. Comparison and conversion follow SQL Server's rules as far as system-view queries use them:
 * strings compare without case and trailing spaces (the default *_CI_AS collations), and the type of
 * higher precedence wins.
 */

export const typeName = (t: SqlType): string =>
  'length' in t ? `${t.kind}(${t.length})` : 'precision' in t ? `${t.kind}(${t.precision},${t.scale})` : t.kind;

const PRECEDENCE = [
  'sql_variant', 'datetimeoffset', 'datetime2', 'datetime', 'smalldatetime', 'date', 'time', 'float', 'real', 'decimal', 'numeric',
  'bigint', 'int', 'smallint', 'tinyint', 'bit', 'uniqueidentifier', 'nvarchar', 'nchar', 'varchar', 'char', 'varbinary',
];

/** The type SQL Server gives an expression that combines values of these types (CASE, COALESCE, +). */
export function dominantType(types: readonly SqlType[]): SqlType {
  let best = types[0]!;
  for (const t of types.slice(1)) {
    const a = PRECEDENCE.indexOf(best.kind);
    const b = PRECEDENCE.indexOf(t.kind);
    if (b < a) best = t;
    else if (b === a && 'length' in t && 'length' in best && best.length !== 'max' && (t.length === 'max' || t.length > best.length)) best = t;
  }
  return best;
}

export const isText = (t: SqlType): boolean => t.kind === 'nvarchar' || t.kind === 'varchar' || t.kind === 'nchar' || t.kind === 'char';
export const isDateTime = (t: SqlType): boolean =>
  t.kind === 'datetime' || t.kind === 'smalldatetime' || t.kind === 'datetime2' || t.kind === 'date';

function unwrap(v: SqlValue): SqlValue {
  return v !== null && typeof v === 'object' && 'variant' in v ? v.value : v;
}

/** Text as the default collation compares it: trailing spaces ignored, case folded (the regex only when there are spaces). */
const foldText = (s: string): string => (s.charCodeAt(s.length - 1) === 32 ? s.replace(/ +$/, '') : s).toLowerCase();

/** -1, 0 or 1; null when either side is NULL (unknown). */
export function compare(a: SqlValue, b: SqlValue): number | null {
  a = unwrap(a);
  b = unwrap(b);
  if (a === null || b === null) return null;
  if (typeof a === 'boolean') a = a ? 1 : 0;
  if (typeof b === 'boolean') b = b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return 0;
    const x = foldText(a);
    const y = foldText(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((typeof a === 'number' || typeof a === 'bigint') && typeof b === 'string') b = numberFromText(b);
  if (typeof a === 'string' && (typeof b === 'number' || typeof b === 'bigint')) a = numberFromText(a);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (typeof a === 'number' && !Number.isInteger(a)) b = Number(b);
    else if (typeof b === 'number' && !Number.isInteger(b)) a = Number(a);
    else {
      const x = BigInt(a as number | bigint);
      const y = BigInt(b as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function numberFromText(s: string): number | bigint {
  const t = s.trim();
  if (/^[-+]?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : BigInt(t);
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  throw new SimFailure([sqlErrors.conversion(s, 'varchar', 'int')]);
}

/** A key under which equal values (by `compare`) meet: for hash joins, GROUP BY and DISTINCT. */
export function keyOf(v: SqlValue): string {
  v = unwrap(v);
  if (v === null) return '\u0000null';
  if (typeof v === 'string') return `s${foldText(v)}`;
  if (typeof v === 'boolean') return v ? 'n1' : 'n0';
  if (typeof v === 'bigint') return `n${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `n${BigInt(v)}` : `n${v}`;
  if (Buffer.isBuffer(v)) return `b${v.toString('hex')}`;
  return `o${JSON.stringify(v)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** CAST(datetime AS varchar): SQL Server's default style 0, `Nov 27 2026  1:16PM`. */
function datetimeText(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${d.getUTCFullYear()} ${String(hour12).padStart(2)}:${String(d.getUTCMinutes()).padStart(2, '0')}${h < 12 ? 'AM' : 'PM'}`;
}

const INT_RANGE: Record<string, [number, number]> = {
  tinyint: [0, 255],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

/** CAST(value AS to), from a value of type `from`. */
export function convert(value: SqlValue, from: SqlType, to: SqlType): SqlValue {
  if (value === null) return null;
  if (typeof value === 'object' && 'variant' in value) {
    if (to.kind === 'sql_variant') return value;
    return convert(value.value, value.variant, to);
  }
  switch (to.kind) {
    case 'nvarchar':
    case 'varchar':
    case 'nchar':
    case 'char': {
      let text: string;
      if (typeof value === 'boolean') text = value ? '1' : '0';
      else if (typeof value === 'number' && isDateTime(from)) text = datetimeText(value);
      else if (Buffer.isBuffer(value)) text = value.toString('latin1');
      else text = String(value);
      if (to.length !== 'max' && text.length > to.length) {
        if (!isText(from)) throw new SimFailure([sqlErrors.overflow(typeName(to))]);
        text = text.slice(0, to.length);
      }
      return text;
    }
    case 'tinyint':
    case 'smallint':
    case 'int': {
      const n = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'string' ? textToNumber(value, from, to) : Number(value);
      const [lo, hi] = INT_RANGE[to.kind]!;
      const t = Math.trunc(Number(n));
      if (t < lo || t > hi) throw new SimFailure([sqlErrors.overflow(to.kind)]);
      return t;
    }
    case 'bigint': {
      if (typeof value === 'boolean') return value ? 1n : 0n;
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number') return BigInt(Math.trunc(value));
      const n = textToNumber(String(value), from, to);
      return typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
    }
    case 'numeric':
    case 'decimal': {
      if (typeof value === 'boolean') return value ? 1n : 0n;
      if (to.scale === 0) {
        if (typeof value === 'bigint') return value;
        if (typeof value === 'number') return BigInt(Math.round(value));
        const t = String(value).trim();
        if (/^[-+]?\d+$/.test(t)) return BigInt(t);
        return BigInt(Math.round(Number(textToNumber(t, from, to))));
      }
      return typeof value === 'bigint' ? value : Number(typeof value === 'string' ? textToNumber(value, from, to) : value);
    }
    case 'float':
    case 'real':
      return typeof value === 'boolean' ? Number(value) : Number(typeof value === 'string' ? textToNumber(value, from, to) : value);
    case 'bit':
      if (typeof value === 'string') {
        const t = value.trim().toUpperCase();
        if (t === 'TRUE') return true;
        if (t === 'FALSE') return false;
        return Number(textToNumber(t, from, to)) !== 0;
      }
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
    case 'date': {
      if (typeof value === 'number') return to.kind === 'date' ? Math.floor(value / 86_400_000) * 86_400_000 : value;
      const at = parseWallClock(String(value).trim().length === 10 ? `${String(value).trim()} 00:00` : String(value));
      if (at === null) throw new SimFailure([{ number: 241, class: 16, state: 1, message: 'Conversion failed when converting date and/or time from character string.' }]);
      return at;
    }
    case 'uniqueidentifier': {
      const t = String(value).trim();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t)) {
        throw new SimFailure([{ number: 8169, class: 16, state: 2, message: 'Conversion failed when converting from a character string to uniqueidentifier.' }]);
      }
      return t.toUpperCase();
    }
    case 'varbinary':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), isText(from) && from.kind.startsWith('n') ? 'utf16le' : 'latin1');
    case 'sql_variant':
      return { variant: from, value };
    default:
      return value;
  }
}

function textToNumber(text: string, from: SqlType, to: SqlType): number | bigint {
  try {
    return numberFromText(text);
  } catch {
    throw new SimFailure([sqlErrors.conversion(text, from.kind, to.kind)]);
  }
}

/** Whether a WHERE, ON or HAVING condition holds (NULL, unknown, does not). */
export const holds = (v: SqlValue): boolean => v === true;

/** LIKE with %, _ and [set], case-insensitive. */
export function likePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        re += body.startsWith('^') ? `[^${escapeClass(body.slice(1))}]` : `[${escapeClass(body)}]`;
        i = end;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re} *$`, 'i');
}

const escapeClass = (s: string): string => s.replace(/[\\\]^]/g, '\\$&');
