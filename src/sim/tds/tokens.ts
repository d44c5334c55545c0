import { DoneStatus, EnvChange, Token, DEFAULT_COLLATION, TDS_7_4 } from './constants.js';
import { writeTypeInfo, writeValue, type Column, type SqlValue } from './types.js';
import { Writer } from './writer.js';

/** A server message as SQL Server reports it (INFO below class 11, ERROR from 11 up). */
export interface ServerMessage {
  number: number;
  state: number;
  class: number;
  message: string;
  serverName: string;
  procName: string;
  line: number;
}

export function writeMessage(w: Writer, m: ServerMessage): void {
  w.u8(m.class > 10 ? Token.ERROR : Token.INFO);
  const at = w.placeholder16();
  const start = w.length;
  w.i32(m.number).u8(m.state).u8(m.class).usVarchar(m.message).bVarchar(m.serverName).bVarchar(m.procName).i32(m.line);
  w.patch16(at, w.length - start);
}

export function writeLoginAck(w: Writer, progName: string, version: [number, number, number]): void {
  w.u8(Token.LOGINACK);
  const at = w.placeholder16();
  const start = w.length;
  const [major, minor, build] = version;
  w.u8(1).u32be(TDS_7_4).bVarchar(progName).u8(major).u8(minor).u16be(build);
  w.patch16(at, w.length - start);
}

function envChange(w: Writer, type: number, body: (w: Writer) => void): void {
  w.u8(Token.ENVCHANGE);
  const at = w.placeholder16();
  const start = w.length;
  w.u8(type);
  body(w);
  w.patch16(at, w.length - start);
}

export function writeEnvDatabase(w: Writer, database: string, previous: string): void {
  envChange(w, EnvChange.DATABASE, (x) => x.bVarchar(database).bVarchar(previous));
}

export function writeEnvLanguage(w: Writer, language: string): void {
  envChange(w, EnvChange.LANGUAGE, (x) => x.bVarchar(language).bVarchar(''));
}

export function writeEnvPacketSize(w: Writer, size: number, previous: number): void {
  envChange(w, EnvChange.PACKET_SIZE, (x) => x.bVarchar(String(size)).bVarchar(String(previous)));
}

/** Begin (8), commit (9) or rollback (10) of a transaction: B_VARBYTE new value, then old value. */
export function writeEnvTransaction(w: Writer, type: 8 | 9 | 10, newValue: Buffer, oldValue: Buffer): void {
  envChange(w, type, (x) => x.u8(newValue.length).bytes(newValue).u8(oldValue.length).bytes(oldValue));
}

export function writeEnvCollation(w: Writer): void {
  envChange(w, EnvChange.SQL_COLLATION, (x) => x.u8(DEFAULT_COLLATION.length).bytes(DEFAULT_COLLATION).u8(0));
}

export function writeColMetadata(w: Writer, columns: readonly Column[]): void {
  w.u8(Token.COLMETADATA).u16(columns.length);
  for (const c of columns) {
    // UserType 0; flags: nullable (0x01), updateable unknown (0x08 for computed/read-only results is not set).
    w.u32(0).u16(c.nullable ? 0x0001 : 0x0000);
    writeTypeInfo(w, c.type, c.nullable);
    w.bVarchar(c.name);
  }
}

/**
 * One row, as NBCROW when it has NULLs (as SQL Server does to save the per-value NULL markers) and as
 * ROW otherwise.
 */
export function writeRow(w: Writer, columns: readonly Column[], row: readonly SqlValue[]): void {
  const hasNull = row.some((v) => v === null || v === undefined);
  if (!hasNull) {
    w.u8(Token.ROW);
    columns.forEach((c, i) => writeValue(w, c.type, c.nullable, row[i] ?? null));
    return;
  }
  w.u8(Token.NBCROW);
  const bitmap = Buffer.alloc(Math.ceil(columns.length / 8));
  row.forEach((v, i) => {
    if (v === null || v === undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  w.bytes(bitmap);
  columns.forEach((c, i) => {
    const v = row[i];
    if (v !== null && v !== undefined) writeValue(w, c.type, c.nullable, v);
  });
}

export type DoneKind = 'DONE' | 'DONEPROC' | 'DONEINPROC';

export function writeDone(w: Writer, kind: DoneKind, status: number, curCmd: number, rowCount: number | bigint = 0): void {
  w.u8(kind === 'DONE' ? Token.DONE : kind === 'DONEPROC' ? Token.DONEPROC : Token.DONEINPROC)
    .u16(status)
    .u16(curCmd)
    .u64(BigInt(rowCount));
}

export function writeReturnStatus(w: Writer, value: number): void {
  w.u8(Token.RETURNSTATUS).i32(value);
}

export { DoneStatus };
