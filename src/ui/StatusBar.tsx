import { Box } from 'ink';
import { Text } from './Text.js';
import { bindingsFor, type Scope } from './keymap.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

/** The keys that apply here, from the keymap; a message or the prompt takes the line above. */
export function StatusBar({ scope, theme, readOnly, width }: { scope: Scope; theme: Theme; readOnly: boolean; width: number }) {
  const hints = bindingsFor(scope, readOnly).filter((b) => b.hint);
  let used = 0;
  const shown = hints.filter((b) => {
    used += b.label.length + b.description.split(/[,:(]/)[0]!.length + 3;
    return used < width;
  });
  return (
    <Box>
      {shown.map((b) => (
        <Text key={b.command}>
          <Styled theme={theme} token="accent">
            {b.label}
          </Styled>
          <Styled theme={theme} token="muted">
            {' '}
            {b.description.split(/[,:(]/)[0]!.trim()}
            {'  '}
          </Styled>
        </Text>
      ))}
    </Box>
  );
}
