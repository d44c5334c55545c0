/** A key within this long of another letter key is taken for part of typed text, not an answer. */
export const QUIET_MS = 1000;

/**
 * Whether a one-letter answer (y to run a step, r to run a failed one again, s to skip it) answers: not when
 * other letters came with it or just before it. A database name typed ahead for the step before holds a y or
 * an r, and must not run this one.
 */
export function answersAlone(names: readonly string[], at: number, strayAt: number | null, now: number): boolean {
  const before = names.slice(0, at);
  if (before.some((n) => n !== names[at] && isLetter(n))) return false;
  return strayAt === null || now - strayAt > QUIET_MS;
}

/** A key that is one printable character: text, not a command, where a prompt asks for one letter alone. */
export const isLetter = (name: string): boolean => [...name].length === 1;
