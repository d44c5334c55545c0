import { SimFailure } from './errors.js';
import type { Session } from './engine.js';
import type { BoundParam } from './params.js';
import { Cursor, TsqlSyntaxError } from './tsql.js';
import type { Column, SqlType, SqlValue } from './tds/types.js';

interface Evaluated {
  name: string;
  type: SqlType;
  nullable: boolean;
  value: SqlValue;
}

function versionText(session: Session): string {
  const o = session.instance.options;
  return (
    `Microsoft SQL Server 2022 (RTM-CU) - ${o.version} (X64) \n\tSimulated by rpotop \n\t` +
    `Developer Edition (64-bit) on Linux (rpotop simulator) <X64>`
  );
}

function serverProperty(session: Session, property: string): Evaluated {
  const o = session.instance.options;
  const nv = (value: string): Evaluated => ({
    name: '',
    type: { kind: 'sql_variant' },
    nullable: true,
    value: { variant: { kind: 'nvarchar', length: 128 }, value },
  });
  switch (property.toLowerCase()) {
    case 'productversion':
      return nv(o.version);
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
      return instance ? nv(instance) : { name: '', type: { kind: 'sql_variant' }, nullable: true, value: null };
    }
    case 'enginedition':
    case 'engineedition':
      return { name: '', type: { kind: 'sql_variant' }, nullable: true, value: { variant: { kind: 'int' }, value: 3 } };
    case 'ishadrenabled':
      return {
        name: '',
        type: { kind: 'sql_variant' },
        nullable: true,
        value: { variant: { kind: 'int' }, value: session.instance.databases.some((d) => d.ag) ? 1 : 0 },
      };
    default:
      return { name: '', type: { kind: 'sql_variant' }, nullable: true, value: null };
  }
}

function expression(session: Session, c: Cursor, params: ReadonlyMap<string, BoundParam>): Evaluated {
  const t = c.next();
  if (t.t === 'number') {
    if (/^\d+$/.test(t.v) && Number(t.v) <= 2_147_483_647) return { name: '', type: { kind: 'int' }, nullable: false, value: Number(t.v) };
    const [whole = '', frac = ''] = t.v.split('.');
    return { name: '', type: { kind: 'numeric', precision: Math.max(1, whole.length + frac.length), scale: frac.length }, nullable: false, value: t.v };
  }
  if (t.t === 'string') {
    return { name: '', type: { kind: 'nvarchar', length: Math.max(1, t.v.length) }, nullable: false, value: t.v };
  }
  if (t.t === 'var') {
    const upper = t.v.toUpperCase();
    if (upper === '@@VERSION') return { name: '', type: { kind: 'nvarchar', length: 300 }, nullable: true, value: versionText(session) };
    if (upper === '@@SERVERNAME') return { name: '', type: { kind: 'nvarchar', length: 128 }, nullable: true, value: session.instance.options.name };
    if (upper === '@@SPID') return { name: '', type: { kind: 'smallint' }, nullable: false, value: session.spid };
    const p = params.get(t.v.toLowerCase());
    if (!p) c.variable(t.v);
    return { name: '', type: p!.type, nullable: true, value: p!.value };
  }
  if (t.t === 'word') {
    const fn = t.upper;
    c.expectPunct('(');
    const args: string[] = [];
    if (!c.acceptPunct(')')) {
      do args.push(c.value());
      while (c.acceptPunct(','));
      c.expectPunct(')');
    }
    const now = session.instance.clock.now();
    switch (fn) {
      case 'SERVERPROPERTY':
        return serverProperty(session, args[0] ?? '');
      case 'GETDATE':
      case 'CURRENT_TIMESTAMP':
        return { name: '', type: { kind: 'datetime' }, nullable: false, value: session.instance.localNow(now) };
      case 'GETUTCDATE':
        return { name: '', type: { kind: 'datetime' }, nullable: false, value: now };
      case 'SYSDATETIME':
        return { name: '', type: { kind: 'datetime2', scale: 7 }, nullable: false, value: session.instance.localNow(now) };
      case 'SYSDATETIMEOFFSET':
        return {
          name: '',
          type: { kind: 'datetimeoffset', scale: 7 },
          nullable: false,
          value: { utcMs: now, offsetMinutes: session.instance.options.timeZoneMinutes },
        };
      case 'DB_NAME':
        return { name: '', type: { kind: 'nvarchar', length: 128 }, nullable: true, value: session.database };
      default:
        throw new SimFailure([{ number: 195, class: 15, state: 10, message: `'${t.v}' is not a recognized built-in function name.` }]);
    }
  }
  throw new TsqlSyntaxError(t.v);
}

/** `SELECT expr [AS name], ...` without FROM: the probes operators and drivers send first. */
export function evaluateSelect(
  session: Session,
  c: Cursor,
  params: ReadonlyMap<string, BoundParam>,
): { columns: Column[]; rows: SqlValue[][] } {
  c.expectWord('SELECT');
  const items: Evaluated[] = [];
  do {
    const item = expression(session, c, params);
    if (c.acceptWord('AS')) item.name = c.name();
    else if (c.peek()?.t === 'ident' || (c.peek()?.t === 'word' && !c.isWord('FROM'))) item.name = c.name();
    items.push(item);
  } while (c.acceptPunct(','));
  if (c.isWord('FROM')) {
    throw new SimFailure([{ number: 208, class: 16, state: 1, message: `Invalid object name '${c.toks[c.i + 1]?.v ?? ''}'. The rpotop simulator answers catalog queries by their id.` }]);
  }
  if (!c.done()) throw new TsqlSyntaxError(c.peek()!.v);
  return {
    columns: items.map((i) => ({ name: i.name, type: i.type, nullable: i.nullable })),
    rows: [items.map((i) => i.value)],
  };
}
