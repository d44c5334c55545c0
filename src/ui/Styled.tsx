import { Box } from 'ink';
import { Text } from './Text.js';
import type { ReactNode } from 'react';
import { textProps, type Theme, type Token } from './theme.js';

/** Text in a theme token's style: components name meanings, never colours. */
export function Styled({ theme, token, children, wrap }: { theme: Theme; token: Token; children: ReactNode; wrap?: 'truncate-end' | 'wrap' }) {
  return (
    <Text {...textProps(theme, token)} wrap={wrap ?? 'truncate-end'}>
      {children}
    </Text>
  );
}

/**
 * One line of fixed width, drawn as runs of printable ASCII and of other characters. ink measures every
 * text node's width grapheme by grapheme unless it is all printable ASCII (string-width's fast path), so
 * a grid row with one glyph and one ellipsis is measured as four short nodes instead of one long one.
 */
export function FastLine({ theme, token, text }: { theme: Theme; token: Token; text: string }) {
  const props = textProps(theme, token);
  const runs = text.split(/([^\x20-\x7e]+)/).filter((r) => r.length > 0);
  return (
    <Box flexDirection="row" height={1}>
      {runs.map((run, i) => (
        <Text key={i} {...props} wrap="truncate-end">
          {run}
        </Text>
      ))}
    </Box>
  );
}
