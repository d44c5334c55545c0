import { Box } from 'ink';
import { Text } from './Text.js';
import { bindingsFor, type Scope } from './keymap.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

/** Generated from the keymap, so it cannot drift from what the keys do. */
export function HelpView({ scope, theme, readOnly }: { scope: Scope; theme: Theme; readOnly: boolean }) {
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{`Keys (${scope} view)${readOnly ? ' · read-only: actions that change a server are hidden' : ''}`}</Styled>
      <Text> </Text>
      {bindingsFor(scope, readOnly).map((b) => (
        <Text key={b.command} wrap="truncate-end">
          <Styled theme={theme} token="accent">{`  ${b.keys.join(', ').padEnd(28)}`}</Styled>
          {b.description}
        </Text>
      ))}
      <Text> </Text>
      <Styled theme={theme} token="muted">
        {'Statuses: ✔ OK within the RPO · ▲ WARN past the warn fraction · ✖ BREACH past the RPO · ⊘ UNPROTECTED no usable chain · ? UNKNOWN no fresh data'}
      </Styled>
    </Box>
  );
}
