import { Box } from 'ink';
import { Text } from './Text.js';
import { bindingsFor, whyUnavailable } from './keymap.js';
import type { KeyContext } from './keys.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

/**
 * The keys that act here and now, from the keymap: a key that cannot act on this screen as it is (a step
 * that asks for a name rather than y, a heading selected) is left out; help lists it with the reason.
 * A message or the prompt takes the line above.
 */
export function StatusBar({ context, theme, readOnly, width }: { context: KeyContext; theme: Theme; readOnly: boolean; width: number }) {
  const hints = bindingsFor(context.screen.kind, readOnly).filter((b) => b.hint && !whyUnavailable(b, context));
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
