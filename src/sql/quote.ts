import { hasInvisible, splitInvisible, visible } from '../domain/visible.js';

/**
 * Names and strings in T-SQL text. Identifiers follow QUOTENAME: brackets, with every `]` doubled;
 * string literals are Unicode (N'...') with every `'` doubled. Values that come from operators or
 * servers go through these or through parameters, never straight into text.
 */
export function quoteName(name: string): string {
  if (name.length === 0 || name.length > 128) throw new RangeError(`not a SQL Server name (1 to 128 characters): ${JSON.stringify(name)}`);
  if (name.includes('\u0000')) throw new RangeError('a SQL Server name cannot contain NUL');
  return `[${name.replace(/]/g, ']]')}]`;
}

/**
 * Why rpotop writes no T-SQL naming this database, or null. A line break inside a bracketed name is legal
 * T-SQL, but a script holding one can be split at a `GO` line by sqlcmd or SSMS, and a control or
 * right-to-left character makes the script on screen differ from what runs: such a database is restored
 * by hand, or renamed first.
 */
export function unscriptableName(name: string): string | null {
  if (!hasInvisible(name)) return null;
  return `rpotop writes no T-SQL for a database whose name holds a line break, a control or a right-to-left character ("${visible(name)}"): a script could be split at a GO line or show other than what runs; rename it first (ALTER DATABASE ... MODIFY NAME) or restore it by hand`;
}

/**
 * A Unicode string literal. Line breaks, control and right-to-left characters are written as NCHAR(n)
 * joined to the rest, so the value is the same and no line of a script holds them: a `GO` in a file
 * path from msdb cannot end a batch, nor an escape sequence reach the terminal that shows the script.
 */
export function quoteString(text: string): string {
  if (text.includes('\u0000')) throw new RangeError('a T-SQL string cannot contain NUL');
  const literal = (t: string) => `N'${t.replace(/'/g, "''")}'`;
  if (!hasInvisible(text)) return literal(text);
  return splitInvisible(text)
    .map((p) => (p.code === null ? literal(p.text) : `NCHAR(${p.code})`))
    .join(' + ');
}

/** Text for a `--` comment of a script: one line, whatever it holds. */
export function commentText(text: string): string {
  return visible(text);
}
