/**
 * Text from a server or a file (database names, file paths, error messages) shown to a person: control
 * characters, line and paragraph separators, bidirectional overrides and invisible marks are rendered as
 * escapes (`\n`, `\x1b`, `\u202e`), so such text can neither drive the terminal (retitle it, move the
 * cursor), end a `--` comment in a script, nor show one name as another (right-to-left override).
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function visible(text: string): string {
  return text.replace(INVISIBLE, escape);
}

/** Whether the text holds a character `visible` would escape. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}

/** Each character `visible` escapes, with where it stands: for building text around them (T-SQL's NCHAR). */
export function splitInvisible(text: string): { text: string; code: number | null }[] {
  const parts: { text: string; code: number | null }[] = [];
  let at = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    if (m.index > at) parts.push({ text: text.slice(at, m.index), code: null });
    parts.push({ text: m[0], code: m[0].charCodeAt(0) });
    at = m.index + m[0].length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), code: null });
  return parts;
}
