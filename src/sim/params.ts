import type { SqlType, SqlValue } from './tds/types.js';

/** A parameter bound to a statement: its value and the type the client declared. */
export interface BoundParam {
  value: SqlValue;
  type: SqlType;
}

/** Reads a T-SQL type name as sp_executesql declares it: `nvarchar(max)`, `decimal(18,4)`, `datetime2(7)`. */
export function parseTypeName(name: string): SqlType {
  const m = /^\s*([a-z0-9_]+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(name);
  if (!m) throw new TypeError(`not a type: ${name}`);
  const base = m[1]!.toLowerCase();
  const a = m[2]?.toLowerCase();
  const b = m[3];
  switch (base) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'bit':
    case 'real':
    case 'float':
    case 'datetime':
    case 'smalldatetime':
    case 'date':
    case 'uniqueidentifier':
    case 'sql_variant':
      return { kind: base };
    case 'decimal':
    case 'numeric':
      return { kind: base, precision: a ? Number(a) : 18, scale: b ? Number(b) : 0 };
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return { kind: base, scale: a ? Number(a) : 7 };
    case 'nvarchar':
    case 'varchar':
    case 'nchar':
    case 'char':
    case 'varbinary':
      return { kind: base, length: a === 'max' ? 'max' : a ? Number(a) : 1 };
    case 'ntext':
      return { kind: 'nvarchar', length: 'max' };
    case 'text':
      return { kind: 'varchar', length: 'max' };
    case 'binary':
      return { kind: 'varbinary', length: a ? Number(a) : 1 };
    default:
      throw new TypeError(`type ${name} is not simulated`);
  }
}

export function valuesOf(params: ReadonlyMap<string, BoundParam>): Map<string, SqlValue> {
  return new Map([...params].map(([k, p]) => [k, p.value]));
}

/** sp_executesql's @params text (`@a int, @b decimal(18,4) OUTPUT`) to declared type names by parameter. */
export function parseDeclarations(text: string): Map<string, string> {
  const declared = new Map<string, string>();
  for (const part of text.split(/,(?![^(]*\))/)) {
    const m = /^\s*(@[\p{L}\p{N}_#$@]+)\s+(.+?)(?:\s+(?:output|out))?\s*$/iu.exec(part);
    if (m) declared.set(m[1]!.toLowerCase(), m[2]!);
  }
  return declared;
}
