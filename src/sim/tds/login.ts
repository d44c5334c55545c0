import { Encryption, PreloginOption } from './constants.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface Prelogin {
  encryption: number;
  version: Buffer | null;
  mars: number;
}

export function parsePrelogin(data: Buffer): Prelogin {
  const r = new Reader(data);
  const result: Prelogin = { encryption: Encryption.NOT_SUP, version: null, mars: 0 };
  for (;;) {
    const token = r.u8();
    if (token === PreloginOption.TERMINATOR) break;
    const offset = r.u16be();
    const length = r.u16be();
    if (offset + length > data.length) throw new RangeError('PRELOGIN option points past the message');
    const value = data.subarray(offset, offset + length);
    if (token === PreloginOption.ENCRYPTION && length >= 1) result.encryption = value[0]!;
    if (token === PreloginOption.VERSION) result.version = value;
    if (token === PreloginOption.MARS && length >= 1) result.mars = value[0]!;
  }
  return result;
}

/** The server's PRELOGIN response: version, encryption answer, instance ok, no MARS. */
export function buildPreloginResponse(version: [number, number, number], encryption: number): Buffer {
  const options: [number, Buffer][] = [
    [PreloginOption.VERSION, Buffer.from([version[0], version[1], version[2] >> 8, version[2] & 0xff, 0, 0])],
    [PreloginOption.ENCRYPTION, Buffer.from([encryption])],
    [PreloginOption.INSTOPT, Buffer.from([0])],
    [PreloginOption.THREADID, Buffer.alloc(0)],
    [PreloginOption.MARS, Buffer.from([0])],
  ];
  const headerSize = options.length * 5 + 1;
  const w = new Writer(64);
  let offset = headerSize;
  for (const [token, value] of options) {
    w.u8(token).u16be(offset).u16be(value.length);
    offset += value.length;
  }
  w.u8(PreloginOption.TERMINATOR);
  for (const [, value] of options) w.bytes(value);
  return w.toBuffer();
}

export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  hostName: string;
  userName: string;
  password: string;
  appName: string;
  serverName: string;
  libraryName: string;
  language: string;
  database: string;
  /** SSPI (NTLM/Kerberos) data was sent instead of a SQL login. */
  integratedSecurity: boolean;
}

/** LOGIN7 passwords are obfuscated: each byte had its nibbles swapped and was XORed with 0xA5. */
export function decodePassword(raw: Buffer): string {
  const out = Buffer.alloc(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]! ^ 0xa5;
    out[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return out.toString('utf16le');
}

export function parseLogin7(data: Buffer): Login7 {
  const r = new Reader(data);
  r.u32(); // length
  const tdsVersion = r.u32();
  const packetSize = r.u32();
  r.offset = 25; // OptionFlags2
  const flags2 = r.u8();
  const field = (at: number): { offset: number; length: number } => {
    r.offset = at;
    return { offset: r.u16(), length: r.u16() };
  };
  const text = (at: number): string => {
    const f = field(at);
    if (f.offset + f.length * 2 > data.length) throw new RangeError('LOGIN7 field points past the message');
    return data.subarray(f.offset, f.offset + f.length * 2).toString('utf16le');
  };
  const pw = field(44);
  const sspi = field(78);
  return {
    tdsVersion,
    packetSize,
    hostName: text(36),
    userName: text(40),
    password: decodePassword(data.subarray(pw.offset, pw.offset + pw.length * 2)),
    appName: text(48),
    serverName: text(52),
    libraryName: text(60),
    language: text(64),
    database: text(68),
    integratedSecurity: (flags2 & 0x80) !== 0 || sspi.length > 0,
  };
}
