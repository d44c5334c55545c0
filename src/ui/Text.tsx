import { Text as InkText, type TextProps } from 'ink';
import { Children, useContext } from 'react';
import { visible } from '../domain/visible.js';
import { GlyphsContext, toAscii } from './glyphs.js';

/**
 * ink's Text, with every string in it made visible (src/domain/visible.ts): a database name, a path or a
 * server's message holding an escape sequence cannot retitle the terminal, move the cursor or turn text
 * right to left. Line breaks are kept (views lay text out with them); the grid's cells escape those too.
 * Every view draws text through this, never through ink's Text; on a terminal without Unicode its glyphs
 * become ASCII here too (glyphs.ts).
 */
export function Text(props: TextProps) {
  const ascii = useContext(GlyphsContext) === 'ascii';
  return <InkText {...props}>{Children.map(props.children, (c) => (typeof c === 'string' ? shown(c, ascii) : c))}</InkText>;
}

function shown(text: string, ascii: boolean): string {
  const safe = text.includes('\n') ? text.split('\n').map(visible).join('\n') : visible(text);
  return ascii ? toAscii(safe) : safe;
}
