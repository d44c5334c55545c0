/** MS-TDS 2.2.3.1.1 packet types. */
export const PacketType = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const;

/** Packet status bits (2.2.3.1.2). */
export const PacketStatus = { EOM: 0x01, IGNORE: 0x02, RESET_CONNECTION: 0x08 } as const;

export const HEADER_LENGTH = 8;

/** Token types (2.2.7). */
export const Token = {
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  NBCROW: 0xd2,
  ENVCHANGE: 0xe3,
  RETURNSTATUS: 0x79,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const;

/** DONE status bits (2.2.7.6). */
export const DoneStatus = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, INXACT: 0x04, COUNT: 0x10, ATTN: 0x20, SRVERROR: 0x100 } as const;

/** ENVCHANGE types (2.2.7.9). */
export const EnvChange = { DATABASE: 1, LANGUAGE: 2, PACKET_SIZE: 4, SQL_COLLATION: 7 } as const;

/** PRELOGIN option tokens and ENCRYPTION values (2.2.6.5). */
export const PreloginOption = {
  VERSION: 0x00,
  ENCRYPTION: 0x01,
  INSTOPT: 0x02,
  THREADID: 0x03,
  MARS: 0x04,
  TRACEID: 0x05,
  FEDAUTHREQUIRED: 0x06,
  NONCEOPT: 0x07,
  TERMINATOR: 0xff,
} as const;
export const Encryption = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const;

/** TDS 7.4, as LOGINACK carries it (big-endian on the wire). */
export const TDS_7_4 = 0x74000004;

/** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags (ignore case, kana, width), sort id 52. */
export const DEFAULT_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** sp_executesql's well-known procedure id in an RPC request (2.2.6.6). */
export const SP_EXECUTESQL_ID = 10;
