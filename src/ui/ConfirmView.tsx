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


type Shown = { index: number; step: ActionPreview['steps'][number]; script: boolean } | { from: number; to: number; hidden: number };

/**
 * The steps as the screen can hold them: every script when they fit; else each step's summary on a line of
 * its own; else the first and the last summaries with how many lie between (a drill of a day of 15-minute
 * logs is a hundred restores). The effect and the prompt always stay on screen.
 */
function stepsThatFit(preview: ActionPreview, width: number, height: number): Shown[] {
  const steps = preview.steps;
  // Besides the steps: the title, three blank lines, the effect as it wraps, and two lines of prompt or progress.
  const rows = (text: string) => Math.max(1, Math.ceil([...text].length / Math.max(1, width)));
  const budget = Math.max(3, height - 6 - rows(`Effect: ${preview.effect}`));
  const withScripts = steps.reduce((n, step) => n + 1 + scriptLines(step.script, width).length, 0);
  if (withScripts <= budget) return steps.map((step, index) => ({ index, step, script: true }));
  const line = (index: number): Shown => ({ index, step: steps[index]!, script: false });
  if (steps.length <= budget) return steps.map((_, i) => line(i));
  // The first statements (the full restore) and the last (CHECKDB, the drop) matter most.
  const tail = Math.floor((budget - 1) / 2);
  const head = budget - 1 - tail;
  return [...steps.slice(0, head).map((_, i) => line(i)), { from: head, to: steps.length - tail, hidden: steps.length - tail - head }, ...steps.slice(steps.length - tail).map((_, i) => line(steps.length - tail + i))];
}

function bar(percent: number, width: number): string {
  const filled = Math.round((percent / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`;
}

/**
 * The confirm step: the exact statements, what users will feel, and the database name to type.
 * Then progress, then SQL Server's outcome. Nothing runs from this view without the typed name (or y).
 */
export function ConfirmView({ state, theme, width, height, now }: { state: ConfirmState; theme: Theme; width: number; height: number; now: number }) {
  const { preview, typed, running, result } = state;
  const shown = stepsThatFit(preview, width, height);
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{preview.title}</Styled>
      <Text> </Text>
      {shown.map((s) =>
        'hidden' in s ? (
          <Styled key={`h${s.from}`} theme={theme} token="muted" wrap="truncate-end">{`-- ${s.from + 1}-${s.to}. ${s.hidden} more statements of the same kind (each journaled with its script as it runs)`}</Styled>
        ) : (
          <Box key={s.index} flexDirection="column">
            <Styled theme={theme} token="muted" wrap="truncate-end">{`-- ${s.index + 1}. ${s.step.summary}`}</Styled>
            {s.script ? scriptLines(s.step.script, width).map((line, k) => (
              <Styled key={k} theme={theme} token="accent">{line}</Styled>
            )) : null}
          </Box>
        ),
      )}
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
