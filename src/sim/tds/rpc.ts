import { SP_EXECUTESQL_ID } from './constants.js';
import { Reader } from './reader.js';
import { readParamTypeInfo, readParamValue, type SqlValue } from './types.js';

export interface RpcParam {
  name: string;
  output: boolean;
  typeName: string;
  value: SqlValue;
}

export interface RpcCall {
  /** The procedure's name; `sp_executesql` for ProcID 10. */
  procedure: string;
  params: RpcParam[];
}

/** ALL_HEADERS (2.2.5.3): skipped, its length checked. */
export function skipAllHeaders(r: Reader): void {
  const total = r.u32();
  if (total < 4 || total > r.buf.length) throw new RangeError(`ALL_HEADERS length ${total} is out of range`);
  r.offset += total - 4;
}

const PROC_NAMES: Record<number, string> = {
  1: 'sp_cursor', 2: 'sp_cursoropen', 3: 'sp_cursorprepare', 4: 'sp_cursorexecute', 5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare', 7: 'sp_cursorfetch', 8: 'sp_cursoroption', 9: 'sp_cursorclose',
  [SP_EXECUTESQL_ID]: 'sp_executesql', 11: 'sp_prepare', 12: 'sp_execute', 13: 'sp_prepexec', 14: 'sp_prepexecrpc', 15: 'sp_unprepare',
};

/** An RPC request (2.2.6.6); several calls in one request are separated by 0xFF (or 0x80 in older clients). */
export function parseRpc(data: Buffer): RpcCall[] {
  const r = new Reader(data);
  skipAllHeaders(r);
  const calls: RpcCall[] = [];
  while (r.remaining > 0) {
    const nameLength = r.u16();
    const procedure = nameLength === 0xffff ? (PROC_NAMES[r.u16()] ?? 'unknown') : r.ucs2(nameLength);
    r.u16(); // option flags
    const params: RpcParam[] = [];
    while (r.remaining > 0) {
      const next = r.buf[r.offset]!;
      if (next === 0xff || next === 0x80 || next === 0xfe) {
        r.offset += 1;
        break;
      }
      const name = r.bVarchar();
      const status = r.u8();
      const info = readParamTypeInfo(r);
      params.push({ name, output: (status & 0x01) !== 0, typeName: info.sqlName, value: readParamValue(r, info) });
    }
    calls.push({ procedure, params });
  }
  return calls;
}

/** A SQL batch (2.2.6.7): ALL_HEADERS, then the text in UCS-2. */
export function parseSqlBatch(data: Buffer): string {
  const r = new Reader(data);
  skipAllHeaders(r);
  return r.bytes(r.remaining).toString('utf16le');
}
