import { Text } from 'ink';
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
