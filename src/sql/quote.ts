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

export function quoteString(text: string): string {
  if (text.includes('\u0000')) throw new RangeError('a T-SQL string cannot contain NUL');
  return `N'${text.replace(/'/g, "''")}'`;
}
