import { Box } from 'ink';
import { Text } from './Text.js';
import type { ActionPreview, ActionResult } from './actions-port.js';
import { runningText, type Running } from './running.js';
import { scriptLines } from './script-lines.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

export interface ConfirmState {
  preview: ActionPreview;
  typed: string;
  running: Running | null;
  result: ActionResult | null;
  /** When a letter other than y last arrived at a prompt that asks for y (typed text, not an answer). */
  strayAt?: number | null;
}

function bar(percent: number, width: number): string {
  const filled = Math.round((percent / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`;
}

/**
 * The confirm step: the exact statements, what users will feel, and the database name to type.
 * Then progress, then SQL Server's outcome. Nothing runs from this view without the typed name (or y).
 */
export function ConfirmView({ state, theme, width, now }: { state: ConfirmState; theme: Theme; width: number; now: number }) {
  const { preview, typed, running, result } = state;
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{preview.title}</Styled>
      <Text> </Text>
      {preview.steps.map((s, i) => (
        <Box key={i} flexDirection="column">
          <Styled theme={theme} token="muted">{`-- ${i + 1}. ${s.summary}`}</Styled>
          {scriptLines(s.script, width).map((line, k) => (
            <Styled key={k} theme={theme} token="accent">{line}</Styled>
          ))}
        </Box>
      ))}
      <Text> </Text>
      <Styled theme={theme} token="status.WARN" wrap="wrap">{`Effect: ${preview.effect}`}</Styled>
      <Text> </Text>
      {result ? (
        <Box flexDirection="column">
          <Styled theme={theme} token={result.ok ? 'status.OK' : 'error'}>{result.ok ? '✔ done' : `✖ stopped: ${result.error ?? 'failed'}`}</Styled>
          {result.messages.slice(-6).map((m, i) => (
            <Styled key={i} theme={theme} token="muted">{`   ${m}`}</Styled>
          ))}
          <Styled theme={theme} token="muted">Enter or Esc returns; the journal has the full record (rpotop journal).</Styled>
        </Box>
      ) : running ? (
        <Box flexDirection="column">
          <Text>{bar(running.percent, Math.max(10, Math.min(50, width - 20)))}</Text>
          <Styled theme={theme} token="muted" wrap="wrap">{runningText(running, now)}</Styled>
        </Box>
      ) : preview.confirmWord !== null ? (
        <Text>
          Type the database name <Styled theme={theme} token="title">{preview.confirmWord}</Styled> and press Enter to run, Esc to cancel:{' '}
          <Styled theme={theme} token="selection">{typed || ' '}</Styled>
        </Text>
      ) : (
        <Text>Press y to run, Esc to cancel.</Text>
      )}
    </Box>
  );
}
