/**
 * Time on the server's clock. msdb's backup_start_date / backup_finish_date are server-local wall-clock
 * times without a zone; backupset.time_zone holds the server's offset from UTC at backup time in
 * 15-minute units (127 = unknown). The domain compares instants (UTC epoch milliseconds), so the
 * sql layer hands over wall-clock times as "local ms" (the wall clock read as if it were UTC, which is
 * what the driver returns for datetime) and they are converted here.
 */

/** backupset.time_zone's "unknown" marker. */
export const UNKNOWN_TIME_ZONE = 127;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Converts a server-local wall-clock time to UTC. `timeZoneCode` is backupset.time_zone; when it is
 * unknown or missing, the server's current offset (GETDATE() - GETUTCDATE(), in minutes) is the best
 * remaining guess. Without the per-row offset, the repeated hour at a DST change is ambiguous.
 */
export function serverLocalToUtc(localMs: number, timeZoneCode: number | null, currentOffsetMinutes: number): number {
  const offsetMinutes =
    timeZoneCode === null || timeZoneCode === UNKNOWN_TIME_ZONE ? currentOffsetMinutes : timeZoneCode * 15;
  return localMs - offsetMinutes * MINUTE;
}

/** UTC instant to the server's wall clock, for STOPAT and for showing times as the server's operators read them. */
export function utcToServerLocal(utcMs: number, offsetMinutes: number): number {
  return utcMs + offsetMinutes * MINUTE;
}

/**
 * A duration in words an operator reads at a glance: "45 s", "47 min", "3 h 12 min", "2 d 4 h".
 * Whole units are truncated, never rounded up, so "59 min" never shows as "1 h".
 */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${sign}${Math.floor(abs / 1000)} s`;
  if (abs < HOUR) return `${sign}${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) {
    const hours = Math.floor(abs / HOUR);
    const minutes = Math.floor((abs % HOUR) / MINUTE);
    return minutes === 0 ? `${sign}${hours} h` : `${sign}${hours} h ${minutes} min`;
  }
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / HOUR);
  return hours === 0 ? `${sign}${days} d` : `${sign}${days} d ${hours} h`;
}

/**
 * Reads a wall-clock time as operators and T-SQL write it, "YYYY-MM-DD HH:MM[:SS[.fff]]" (or with a T),
 * into "local ms"; null when it is not one.
 */
export function parseWallClock(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
}

/** A UTC offset as people write it: UTC+1, UTC-4, UTC+5:30, UTC+0. */
export function utcOffsetLabel(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}

/** Wall-clock "YYYY-MM-DD HH:MM:SS" of a local-ms value, as SQL Server prints datetime; `.mmm` with `ms`. */
export function formatServerTime(localMs: number, ms = false): string {
  return new Date(localMs).toISOString().slice(0, ms ? 23 : 19).replace('T', ' ');
}

/**
 * The instant a datetime holds for a wall-clock time: datetime counts 1/300 s, so SQL Server rounds
 * 09:07:30.251 to 09:07:30.250 and 09:07:30.252 to 09:07:30.253. What rpotop shows for a STOPAT is this value.
 */
export function toDatetimePrecision(localMs: number): number {
  const day = Math.floor(localMs / DAY) * DAY;
  const ticks = Math.round(((localMs - day) * 3) / 10);
  return day + Math.round((ticks * 10) / 3);
}

export const durations = { MINUTE, HOUR, DAY } as const;
