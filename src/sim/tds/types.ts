import { DEFAULT_COLLATION } from './constants.js';
import type { Reader } from './reader.js';
import { Writer } from './writer.js';

/** The SQL types the simulator sends and accepts, with what the wire needs of each. */
export type SqlType =
  | { kind: 'tinyint' | 'smallint' | 'int' | 'bigint' | 'bit' | 'real' | 'float' | 'datetime' | 'smalldatetime' | 'date' }
  | { kind: 'uniqueidentifier' | 'sql_variant' }
  | { kind: 'decimal' | 'numeric'; precision: number; scale: number }
  | { kind: 'datetime2' | 'datetimeoffset' | 'time'; scale: number }
  | { kind: 'nvarchar' | 'varchar' | 'nchar' | 'char' | 'varbinary'; length: number | 'max' };

/** Wall-clock time as "local ms" (the clock read as if it were UTC), the domain's convention for server time. */
export type DateTimeOffsetValue = { utcMs: number; offsetMinutes: number };
export type SqlValue = null | number | bigint | string | boolean | Buffer | DateTimeOffsetValue | { variant: SqlType; value: SqlValue };

export interface Column {
  name: string;
  type: SqlType;
  nullable: boolean;
}

const T = {
  INT1: 0x30, BIT: 0x32, INT2: 0x34, INT4: 0x38, DATETIM4: 0x3a, FLT4: 0x3b, DATETIME: 0x3d, FLT8: 0x3e, INT8: 0x7f,
  GUID: 0x24, INTN: 0x26, DATEN: 0x28, TIMEN: 0x29, DATETIME2N: 0x2a, DATETIMEOFFSETN: 0x2b, SSVARIANT: 0x62,
  BITN: 0x68, DECIMALN: 0x6a, NUMERICN: 0x6c, FLTN: 0x6d, DATETIMN: 0x6f,
  BIGVARBINARY: 0xa5, BIGVARCHAR: 0xa7, BIGBINARY: 0xad, BIGCHAR: 0xaf, NVARCHAR: 0xe7, NCHAR: 0xef,
  NTEXT: 0x63, TEXT: 0x23,
} as const;

const MS_PER_DAY = 86_400_000;
/** Days from 0001-01-01 to 1970-01-01, and from 1900-01-01 to 1970-01-01. */
const DAYS_0001_TO_EPOCH = 719_162;
const DAYS_1900_TO_EPOCH = 25_567;
const PLP_NULL = 0xffffffffffffffffn;
const PLP_UNKNOWN = 0xfffffffffffffffen;

function intSize(kind: string): number {
  return kind === 'tinyint' ? 1 : kind === 'smallint' ? 2 : kind === 'int' ? 4 : 8;
}

export function decimalSize(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

function timeSize(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

function writeCollation(w: Writer): void {
  w.bytes(DEFAULT_COLLATION);
}

/** TYPE_INFO (2.2.5.6): fixed-length types for NOT NULL columns where SQL Server uses them. */
export function writeTypeInfo(w: Writer, type: SqlType, nullable: boolean): void {
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const size = intSize(type.kind);
      if (nullable) w.u8(T.INTN).u8(size);
      else w.u8(size === 1 ? T.INT1 : size === 2 ? T.INT2 : size === 4 ? T.INT4 : T.INT8);
      return;
    }
    case 'bit':
      if (nullable) w.u8(T.BITN).u8(1);
      else w.u8(T.BIT);
      return;
    case 'real':
    case 'float': {
      const size = type.kind === 'real' ? 4 : 8;
      if (nullable) w.u8(T.FLTN).u8(size);
      else w.u8(size === 4 ? T.FLT4 : T.FLT8);
      return;
    }
    case 'datetime':
    case 'smalldatetime': {
      const size = type.kind === 'datetime' ? 8 : 4;
      if (nullable) w.u8(T.DATETIMN).u8(size);
      else w.u8(size === 8 ? T.DATETIME : T.DATETIM4);
      return;
    }
    case 'date':
      w.u8(T.DATEN);
      return;
    case 'time':
      w.u8(T.TIMEN).u8(type.scale);
      return;
    case 'datetime2':
      w.u8(T.DATETIME2N).u8(type.scale);
      return;
    case 'datetimeoffset':
      w.u8(T.DATETIMEOFFSETN).u8(type.scale);
      return;
    case 'uniqueidentifier':
      w.u8(T.GUID).u8(16);
      return;
    case 'decimal':
    case 'numeric':
      w.u8(type.kind === 'decimal' ? T.DECIMALN : T.NUMERICN).u8(decimalSize(type.precision)).u8(type.precision).u8(type.scale);
      return;
    case 'nvarchar':
    case 'nchar':
      w.u8(type.kind === 'nvarchar' ? T.NVARCHAR : T.NCHAR).u16(type.length === 'max' ? 0xffff : type.length * 2);
      writeCollation(w);
      return;
    case 'varchar':
    case 'char':
      w.u8(type.kind === 'varchar' ? T.BIGVARCHAR : T.BIGCHAR).u16(type.length === 'max' ? 0xffff : type.length);
      writeCollation(w);
      return;
    case 'varbinary':
      w.u8(T.BIGVARBINARY).u16(type.length === 'max' ? 0xffff : type.length);
      return;
    case 'sql_variant':
      w.u8(T.SSVARIANT).u32(8016);
      return;
  }
}

export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a uniqueidentifier: ${guid}`);
  const b = Buffer.from(hex, 'hex');
  // The first three groups travel little-endian.
  return Buffer.concat([b.subarray(0, 4).reverse(), b.subarray(4, 6).reverse(), b.subarray(6, 8).reverse(), b.subarray(8)]);
}

export function bytesToGuid(raw: Buffer): string {
  const b = Buffer.concat([
    Buffer.from(raw.subarray(0, 4)).reverse(),
    Buffer.from(raw.subarray(4, 6)).reverse(),
    Buffer.from(raw.subarray(6, 8)).reverse(),
    raw.subarray(8, 16),
  ]).toString('hex').toUpperCase();
  return `${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20)}`;
}

/** Decimal text (or a number/bigint) to the unscaled integer at `scale`. */
export function toUnscaled(value: number | bigint | string, scale: number): bigint {
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  const text = typeof value === 'number' ? value.toFixed(scale) : value.trim();
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0').slice(0, scale);
  const unscaled = BigInt(`${m[2] || '0'}${frac}`);
  return m[1] ? -unscaled : unscaled;
}

export function fromUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

function writeTime(w: Writer, msOfDay: number, scale: number): void {
  const units = BigInt(Math.round((msOfDay * 10 ** scale) / 1000));
  w.uintN(units, timeSize(scale));
}

function writeDate(w: Writer, ms: number): void {
  w.uintN(BigInt(Math.floor(ms / MS_PER_DAY) + DAYS_0001_TO_EPOCH), 3);
}

function msOfDay(ms: number): number {
  return ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

function asNumber(value: SqlValue): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return Number(value);
  throw new TypeError(`expected a number, got ${typeof value}`);
}

function writeDatetime(w: Writer, ms: number, size: number): void {
  const day = Math.floor(ms / MS_PER_DAY);
  const within = msOfDay(ms);
  if (size === 8) {
    let days = day + DAYS_1900_TO_EPOCH;
    let ticks = Math.round((within * 300) / 1000);
    if (ticks >= 300 * 86_400) {
      ticks = 0;
      days += 1;
    }
    w.i32(days).u32(ticks);
  } else {
    w.u16(day + DAYS_1900_TO_EPOCH).u16(Math.round(within / 60_000));
  }
}

function writePlp(w: Writer, data: Buffer): void {
  w.u64(BigInt(data.length));
  if (data.length > 0) w.u32(data.length).bytes(data);
  w.u32(0);
}

function encodeText(kind: string, length: number | 'max', value: SqlValue): Buffer {
  let text = String(value);
  if ((kind === 'nchar' || kind === 'char') && length !== 'max') text = text.padEnd(length, ' ');
  return Buffer.from(text, kind.startsWith('n') ? 'utf16le' : 'latin1');
}

/** One value in a ROW (or the non-null values of an NBCROW), per its column's TYPE_INFO. */
export function writeValue(w: Writer, type: SqlType, nullable: boolean, value: SqlValue): void {
  const isNull = value === null || value === undefined;
  if (isNull && !nullable && type.kind !== 'sql_variant') throw new TypeError(`NULL in a NOT NULL ${type.kind} column`);
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const size = intSize(type.kind);
      if (nullable) w.u8(isNull ? 0 : size);
      if (isNull) return;
      const v = typeof value === 'bigint' ? value : BigInt(Math.trunc(asNumber(value)));
      if (size === 1) w.u8(Number(v));
      else if (size === 2) w.i16(Number(v));
      else if (size === 4) w.i32(Number(v));
      else w.i64(v);
      return;
    }
    case 'bit':
      if (nullable) w.u8(isNull ? 0 : 1);
      if (!isNull) w.u8(asNumber(value) ? 1 : 0);
      return;
    case 'real':
    case 'float':
      if (nullable) w.u8(isNull ? 0 : type.kind === 'real' ? 4 : 8);
      if (isNull) return;
      if (type.kind === 'real') w.f32(asNumber(value));
      else w.f64(asNumber(value));
      return;
    case 'datetime':
    case 'smalldatetime': {
      const size = type.kind === 'datetime' ? 8 : 4;
      if (nullable) w.u8(isNull ? 0 : size);
      if (!isNull) writeDatetime(w, asNumber(value), size);
      return;
    }
    case 'date':
      if (isNull) w.u8(0);
      else writeDate(w.u8(3), asNumber(value));
      return;
    case 'time':
      if (isNull) w.u8(0);
      else writeTime(w.u8(timeSize(type.scale)), msOfDay(asNumber(value)), type.scale);
      return;
    case 'datetime2': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const ms = asNumber(value);
      w.u8(timeSize(type.scale) + 3);
      writeTime(w, msOfDay(ms), type.scale);
      writeDate(w, ms);
      return;
    }
    case 'datetimeoffset': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const v = value as DateTimeOffsetValue;
      w.u8(timeSize(type.scale) + 5);
      writeTime(w, msOfDay(v.utcMs), type.scale);
      writeDate(w, v.utcMs);
      w.i16(v.offsetMinutes);
      return;
    }
    case 'uniqueidentifier':
      if (isNull) w.u8(0);
      else w.u8(16).bytes(guidToBytes(String(value)));
      return;
    case 'decimal':
    case 'numeric': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const size = decimalSize(type.precision);
      const unscaled = toUnscaled(value as number | bigint | string, type.scale);
      w.u8(size).u8(unscaled < 0n ? 0 : 1).uintN(unscaled < 0n ? -unscaled : unscaled, size - 1);
      return;
    }
    case 'nvarchar':
    case 'nchar':
    case 'varchar':
    case 'char': {
      if (type.length === 'max') {
        if (isNull) w.u64(PLP_NULL);
        else writePlp(w, encodeText(type.kind, type.length, value));
        return;
      }
      if (isNull) {
        w.u16(0xffff);
        return;
      }
      const data = encodeText(type.kind, type.length, value);
      w.u16(data.length).bytes(data);
      return;
    }
    case 'varbinary': {
      const data = isNull ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value));
      if (type.length === 'max') {
        if (data === null) w.u64(PLP_NULL);
        else writePlp(w, data);
      } else if (data === null) w.u16(0xffff);
      else w.u16(data.length).bytes(data);
      return;
    }
    case 'sql_variant': {
      if (isNull) {
        w.u32(0);
        return;
      }
      const { variant, value: inner } = value as { variant: SqlType; value: SqlValue };
      const body = new Writer(64);
      writeVariantBody(body, variant, inner);
      w.u32(body.length).bytes(body.toBuffer());
      return;
    }
  }
}

/** sql_variant (2.2.5.5.4): base type, property bytes, then the value without its length prefix. */
function writeVariantBody(w: Writer, type: SqlType, value: SqlValue): void {
  switch (type.kind) {
    case 'int':
      w.u8(T.INT4).u8(0).i32(asNumber(value));
      return;
    case 'bigint':
      w.u8(T.INT8).u8(0).i64(BigInt(value as number | bigint));
      return;
    case 'nvarchar': {
      const data = Buffer.from(String(value), 'utf16le');
      w.u8(T.NVARCHAR).u8(7);
      writeCollation(w);
      w.u16(type.length === 'max' ? 8000 : type.length * 2).bytes(data);
      return;
    }
    case 'varchar': {
      const data = Buffer.from(String(value), 'latin1');
      w.u8(T.BIGVARCHAR).u8(7);
      writeCollation(w);
      w.u16(type.length === 'max' ? 8000 : type.length).bytes(data);
      return;
    }
    default:
      throw new TypeError(`sql_variant of ${type.kind} is not simulated`);
  }
}

/** A parameter's declared type as read from an RPC request, enough to decode its value. */
export interface ParamTypeInfo {
  id: number;
  size: number;
  precision: number;
  scale: number;
  plp: boolean;
  sqlName: string;
}

/** Reads TYPE_INFO of an RPC parameter (what clients send; 2.2.6.6). */
export function readParamTypeInfo(r: Reader): ParamTypeInfo {
  const id = r.u8();
  const info: ParamTypeInfo = { id, size: 0, precision: 0, scale: 0, plp: false, sqlName: '' };
  switch (id) {
    case T.INT1:
    case T.BIT:
    case T.INT2:
    case T.INT4:
    case T.INT8:
    case T.FLT4:
    case T.FLT8:
    case T.DATETIME:
    case T.DATETIM4:
      info.size = { [T.INT1]: 1, [T.BIT]: 1, [T.INT2]: 2, [T.INT4]: 4, [T.INT8]: 8, [T.FLT4]: 4, [T.FLT8]: 8, [T.DATETIME]: 8, [T.DATETIM4]: 4 }[id]!;
      break;
    case T.INTN:
    case T.BITN:
    case T.FLTN:
    case T.DATETIMN:
    case T.GUID:
      info.size = r.u8();
      break;
    case T.DATEN:
      break;
    case T.TIMEN:
    case T.DATETIME2N:
    case T.DATETIMEOFFSETN:
      info.scale = r.u8();
      break;
    case T.DECIMALN:
    case T.NUMERICN:
      info.size = r.u8();
      info.precision = r.u8();
      info.scale = r.u8();
      break;
    case T.NVARCHAR:
    case T.NCHAR:
    case T.BIGVARCHAR:
    case T.BIGCHAR:
      info.size = r.u16();
      r.bytes(5);
      info.plp = info.size === 0xffff;
      break;
    case T.BIGVARBINARY:
    case T.BIGBINARY:
      info.size = r.u16();
      info.plp = info.size === 0xffff;
      break;
    case T.NTEXT:
    case T.TEXT:
      info.size = r.u32();
      r.bytes(5);
      // TEXTPTR-less parameter form: the table name part is absent for parameters.
      break;
    default:
      throw new TypeError(`parameter type 0x${id.toString(16)} is not supported by the simulator`);
  }
  info.sqlName = paramTypeName(info);
  return info;
}

function paramTypeName(t: ParamTypeInfo): string {
  switch (t.id) {
    case T.INT1: return 'tinyint';
    case T.INT2: return 'smallint';
    case T.INT4: return 'int';
    case T.INT8: return 'bigint';
    case T.INTN: return t.size === 1 ? 'tinyint' : t.size === 2 ? 'smallint' : t.size === 4 ? 'int' : 'bigint';
    case T.BIT: case T.BITN: return 'bit';
    case T.FLT4: return 'real';
    case T.FLT8: return 'float';
    case T.FLTN: return t.size === 4 ? 'real' : 'float';
    case T.DATETIME: return 'datetime';
    case T.DATETIM4: return 'smalldatetime';
    case T.DATETIMN: return t.size === 4 ? 'smalldatetime' : 'datetime';
    case T.DATEN: return 'date';
    case T.TIMEN: return `time(${t.scale})`;
    case T.DATETIME2N: return `datetime2(${t.scale})`;
    case T.DATETIMEOFFSETN: return `datetimeoffset(${t.scale})`;
    case T.GUID: return 'uniqueidentifier';
    case T.DECIMALN: return `decimal(${t.precision},${t.scale})`;
    case T.NUMERICN: return `numeric(${t.precision},${t.scale})`;
    case T.NVARCHAR: return t.plp ? 'nvarchar(max)' : `nvarchar(${t.size / 2})`;
    case T.NCHAR: return `nchar(${t.size / 2})`;
    case T.BIGVARCHAR: return t.plp ? 'varchar(max)' : `varchar(${t.size})`;
    case T.BIGCHAR: return `char(${t.size})`;
    case T.BIGVARBINARY: return t.plp ? 'varbinary(max)' : `varbinary(${t.size})`;
    case T.BIGBINARY: return `binary(${t.size})`;
    case T.NTEXT: return 'ntext';
    default: return 'text';
  }
}

function readPlp(r: Reader): Buffer | null {
  const total = r.u64();
  if (total === PLP_NULL) return null;
  const chunks: Buffer[] = [];
  for (;;) {
    const len = r.u32();
    if (len === 0) break;
    chunks.push(r.bytes(len));
  }
  const data = Buffer.concat(chunks);
  if (total !== PLP_UNKNOWN && BigInt(data.length) !== total) {
    throw new RangeError(`PLP length ${total} but ${data.length} byte(s) in chunks`);
  }
  return data;
}

function readTimeUnits(r: Reader, scale: number): number {
  const units = r.uintN(timeSize(scale));
  return Number((units * 1000n) / 10n ** BigInt(scale));
}

function readDateDays(r: Reader): number {
  return Number(r.uintN(3)) - DAYS_0001_TO_EPOCH;
}

/**
 * Reads a parameter value. Dates come back as "local ms" (wall clock as UTC), datetimeoffset as
 * instant plus offset, decimals as exact text, bigint as bigint, strings as strings.
 */
export function readParamValue(r: Reader, t: ParamTypeInfo): SqlValue {
  switch (t.id) {
    case T.INT1: return r.u8();
    case T.INT2: return r.i16();
    case T.INT4: return r.i32();
    case T.INT8: return r.i64();
    case T.BIT: return r.u8() !== 0;
    case T.FLT4: return r.f32();
    case T.FLT8: return r.f64();
    case T.DATETIME: return readDatetime(r, 8);
    case T.DATETIM4: return readDatetime(r, 4);
    case T.INTN: {
      const len = r.u8();
      if (len === 0) return null;
      return len === 1 ? r.u8() : len === 2 ? r.i16() : len === 4 ? r.i32() : r.i64();
    }
    case T.BITN: {
      const len = r.u8();
      return len === 0 ? null : r.u8() !== 0;
    }
    case T.FLTN: {
      const len = r.u8();
      return len === 0 ? null : len === 4 ? r.f32() : r.f64();
    }
    case T.DATETIMN: {
      const len = r.u8();
      return len === 0 ? null : readDatetime(r, len);
    }
    case T.GUID: {
      const len = r.u8();
      return len === 0 ? null : bytesToGuid(r.bytes(16));
    }
    case T.DATEN: {
      const len = r.u8();
      return len === 0 ? null : readDateDays(r) * MS_PER_DAY;
    }
    case T.TIMEN: {
      const len = r.u8();
      return len === 0 ? null : readTimeUnits(r, t.scale);
    }
    case T.DATETIME2N: {
      const len = r.u8();
      if (len === 0) return null;
      const ms = readTimeUnits(r, t.scale);
      return readDateDays(r) * MS_PER_DAY + ms;
    }
    case T.DATETIMEOFFSETN: {
      const len = r.u8();
      if (len === 0) return null;
      const ms = readTimeUnits(r, t.scale);
      const utcMs = readDateDays(r) * MS_PER_DAY + ms;
      return { utcMs, offsetMinutes: r.i16() };
    }
    case T.DECIMALN:
    case T.NUMERICN: {
      const len = r.u8();
      if (len === 0) return null;
      const sign = r.u8();
      const unscaled = r.uintN(len - 1);
      return fromUnscaled(sign === 1 ? unscaled : -unscaled, t.scale);
    }
    case T.NVARCHAR:
    case T.NCHAR:
    case T.BIGVARCHAR:
    case T.BIGCHAR: {
      const unicode = t.id === T.NVARCHAR || t.id === T.NCHAR;
      let data: Buffer | null;
      if (t.plp) data = readPlp(r);
      else {
        const len = r.u16();
        data = len === 0xffff ? null : r.bytes(len);
      }
      return data === null ? null : data.toString(unicode ? 'utf16le' : 'latin1');
    }
    case T.BIGVARBINARY:
    case T.BIGBINARY: {
      if (t.plp) return readPlp(r);
      const len = r.u16();
      return len === 0xffff ? null : Buffer.from(r.bytes(len));
    }
    case T.NTEXT:
    case T.TEXT: {
      const len = r.i32();
      if (len === -1) return null;
      return r.bytes(len).toString(t.id === T.NTEXT ? 'utf16le' : 'latin1');
    }
    default:
      throw new TypeError(`parameter type 0x${t.id.toString(16)} is not supported by the simulator`);
  }
}

function readDatetime(r: Reader, size: number): number {
  if (size === 8) {
    const days = r.i32();
    const ticks = r.u32();
    return (days - DAYS_1900_TO_EPOCH) * MS_PER_DAY + Math.round((ticks * 1000) / 300);
  }
  const days = r.u16();
  const minutes = r.u16();
  return (days - DAYS_1900_TO_EPOCH) * MS_PER_DAY + minutes * 60_000;
}
