import { Box } from 'ink';
import { Text } from './Text.js';
import { bindingsFor, whyUnavailable } from './keymap.js';
import type { Binding, KeyContext, Scope } from './keys.js';
import { fit, wrapWords } from './cells.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

const STATUSES = 'Statuses: ✔ OK within the RPO · ▲ WARN past the warn fraction · ✖ BREACH past the RPO · ⊘ UNPROTECTED no usable chain · ? UNKNOWN no fresh data';

/**
 * Generated from the keymap, so it cannot drift from what the keys do. It fits the screen: one column when
 * the keys fit (each description wrapped over lines when they all fit so, else cut), two side by side when
 * the terminal is wide enough, else as many as fit and how many more.
 * A key that cannot act on the screen as it was left says why first ("(not now: ...)").
 */
export function HelpView({ scope, context, theme, readOnly, width, height }: { scope: Scope; context: KeyContext | null; theme: Theme; readOnly: boolean; width: number; height: number }) {
  // What the status bar hints at and what changes a server first: on a short screen, moving keys are the ones left out.
  const rank = (b: Binding) => (b.hint ? 0 : b.mutates ? 1 : 2);
  const bindings = [...bindingsFor(scope, readOnly)].sort((a, b) => rank(a) - rank(b));
  // Title, a blank line, a blank line and the statuses (wrapped: they name what every colour means) around the keys.
  const statuses = wrapWords(STATUSES, width);
  const room = Math.max(1, height - 3 - statuses.length);
  const columns = bindings.length > room && width >= 120 ? 2 : 1;
  const perColumn = columns === 2 ? Math.ceil(bindings.length / 2) : Math.min(bindings.length, bindings.length > room ? room - 1 : room);
  const keyWidth = columns === 2 ? 16 : 28;
  const cellWidth = columns === 2 ? Math.floor(width / 2) : width;
  const lines = Array.from({ length: Math.min(perColumn, room) }, (_, i) => (columns === 2 ? [bindings[i], bindings[i + perColumn]] : [bindings[i]]));
  // The space bar is a key, not a blank.
  const keyName = (k: string) => (k === ' ' ? 'space' : k);
  const describe = (b: Binding) => {
    const why = whyUnavailable(b, context);
    // The reason first: a narrow screen cuts the end of the line.
    return why ? `(not now: ${why}) ${b.description}` : b.description;
  };
  const cell = (b: Binding | undefined, last: boolean) =>
    b ? [`  ${fit(b.keys.map(keyName).join(', '), keyWidth - 1)} `, last ? describe(b) : fit(describe(b), cellWidth - keyWidth - 2)] : ['', ''];
  const hidden = bindings.length - (columns === 2 ? Math.min(bindings.length, 2 * room) : lines.length);
  // One column with room to spare (an 80-column terminal): every description whole, over as many lines as it needs.
  const wrapped = columns === 1 && hidden === 0 ? bindings.map((b) => wrapWords(describe(b), width - keyWidth - 2)) : null;
  const keyLines =
    wrapped && wrapped.reduce((n, w) => n + w.length, 0) <= room
      ? bindings.flatMap((b, i) =>
          wrapped[i]!.map((text, k) => (
            <Text key={`${i}.${k}`}>
              <Styled theme={theme} token="accent">{k === 0 ? cell(b, true)[0] : ' '.repeat(keyWidth + 2)}</Styled>
              {text}
            </Text>
          )),
        )
      : lines.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line.map((b, k) => {
              const [keys, description] = cell(b, k === line.length - 1);
              return (
                <Text key={k}>
                  <Styled theme={theme} token="accent">{keys}</Styled>
                  {description}
                </Text>
              );
            })}
          </Text>
        ));
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{`Keys (${scope} view)${readOnly ? ' · read-only: actions that change a server are hidden' : ''}`}</Styled>
      <Text> </Text>
      {keyLines}
      {hidden > 0 ? <Styled theme={theme} token="muted">{`  … ${hidden} more key(s): a taller or wider terminal shows them`}</Styled> : null}
      <Text> </Text>
      <Styled theme={theme} token="muted">{statuses.join('\n')}</Styled>
    </Box>
  );
}
