/**
 * Log sequence numbers. msdb stores them as numeric(25,0), which exceeds 2^53: a JS number silently
 * rounds them, so they travel as decimal strings from the server and live as bigint here.
 */
export type Lsn = bigint;

const DECIMAL_LSN = /^[0-9]{1,25}$/;

/** Parses the decimal form SQL Server prints (`CAST(first_lsn AS varchar(25))`). */
export function parseLsn(text: string): Lsn {
  const trimmed = text.trim();
  if (!DECIMAL_LSN.test(trimmed)) {
    throw new RangeError(`not an LSN: ${JSON.stringify(text)} (expected up to 25 decimal digits)`);
  }
  return BigInt(trimmed);
}

export function parseOptionalLsn(text: string | null | undefined): Lsn | null {
  return text === null || text === undefined || text === '' ? null : parseLsn(text);
}

export function compareLsn(a: Lsn, b: Lsn): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The decimal form, the one RESTORE ... STOPATMARK = 'lsn:...' and msdb use. */
export function formatLsn(lsn: Lsn): string {
  return lsn.toString();
}

const VLF_FACTOR = 10n ** 15n;
const BLOCK_FACTOR = 10n ** 5n;

/**
 * The numeric LSN packs virtual log file, block and slot as vlf * 10^15 + block * 10^5 + slot.
 * fn_dblog and error messages print the same LSN as hex `0000002A:00000100:0001`; operators compare both.
 */
export function lsnToHex(lsn: Lsn): string {
  const vlf = lsn / VLF_FACTOR;
  const block = (lsn % VLF_FACTOR) / BLOCK_FACTOR;
  const slot = lsn % BLOCK_FACTOR;
  const hex = (n: bigint, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
  return `${hex(vlf, 8)}:${hex(block, 8)}:${hex(slot, 4)}`;
}
