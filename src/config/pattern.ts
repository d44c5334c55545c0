/**
 * Database name patterns: `*` any run of characters, `?` one character, everything else literal
 * (names may hold `[`, `]`, `'` and spaces). Matching ignores case, as SQL Server's default
 * collations do for names. `*` and `?` match every character, line breaks too: a database whose
 * name holds one must not fall outside the inventory (and so outside the exit code) by it.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu').test(name);
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => matchesPattern(p, name));
}
