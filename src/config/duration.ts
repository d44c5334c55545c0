/** Durations in the inventory are written as an operator says them: "15m", "4h", "1d", "1h30m". */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

export function parseDurationMinutes(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(text)}`);
  const [, d = '0', h = '0', m = '0'] = match;
  return Number(d) * 1440 + Number(h) * 60 + Number(m);
}
