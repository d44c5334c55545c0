import { Box } from 'ink';
import { Text } from './Text.js';
import type { ActionResult, PlanPreview } from './actions-port.js';
import { runningText, type Running } from './running.js';
import { scriptLines } from './script-lines.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

export interface PlanState {
  plan: PlanPreview;
  /** The step waiting for confirmation (or running). */
  current: number;
  typed: string;
  running: Running | null;
  last: ActionResult | null;
  failed: boolean;
  /** Steps skipped with a reason. */
  skipped: number[];
  /** The reason being typed for skipping the failed step; null when not skipping. */
  skipping: string | null;
  /** Confirming the remaining log restores together: the name typed so far; null when not. */
  batch: { typed: string } | null;
  /** When a letter other than y last arrived at a prompt that asks for y (typed text, not an answer). */
  strayAt?: number | null;
}

/** The steps from `current` on that are log restores, one after another: what one confirmation may run. */
export function batchRange(state: Pick<PlanState, 'plan' | 'current'>): { from: number; to: number } | null {
  const { plan, current } = state;
  // Only after a first log restore was confirmed on its own and succeeded.
  if (current < 1 || !plan.steps[current - 1]?.batchable || !plan.steps[current]?.batchable) return null;
  let to = current;
  while (plan.steps[to + 1]?.batchable) to++;
  return to > current ? { from: current, to } : null;
}

/**
 * A restore, step by step: the plan, each step's exact T-SQL, the confirmation it needs (the database
 * name for steps that overwrite or take it offline, y for the rest), progress, and SQL Server's answer.
 * A failure stops the plan; r runs the step again, Esc stops there. A plan that changed before a step ran
 * (a log backup taken since it was made, restored before the tail) says so above that step's prompt.
 */
export function PlanView({ state, theme, height, width, now }: { state: PlanState; theme: Theme; height: number; width: number; now: number }) {
  const { plan, current, typed, running, last, failed } = state;
  const finished = current >= plan.steps.length;
  const step = plan.steps[Math.min(current, plan.steps.length - 1)]!;
  const batch = finished ? null : batchRange(state);
  // Title, facts, a blank line, the script and the prompt (longer after a failure) come first.
  const changed = !failed && !running ? (last?.planChanged?.why ?? null) : null;
  const promptLines = (failed ? 3 + Math.min(4, last?.messages.length ?? 0) : 2) + 1 + (batch ? 1 : 0) + (changed ? 2 : 0);
  // The statement awaiting confirmation is shown whole, folded to the width: the step list gives way.
  const script = scriptLines(step.script, width);
  // Facts give way first (a group's plan has one per member): the step, its script and its prompt never do.
  const factRoom = Math.max(1, height - 2 - script.length - promptLines - 3);
  const facts = plan.facts.length <= factRoom ? plan.facts : [...plan.facts.slice(0, factRoom - 1), `... ${plan.facts.length - factRoom + 1} more fact(s): Ctrl-E writes them with the script`];
  const listRoom = Math.max(3, height - 2 - facts.length - script.length - promptLines);
  // Confirming log restores together: the list starts at the first of them, so what runs is what shows.
  const first = state.batch && batch ? batch.from : Math.max(0, Math.min(current - Math.floor(listRoom / 2), plan.steps.length - listRoom));
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{plan.title}</Styled>
      {facts.map((f, i) => (
        <Styled key={i} theme={theme} token="muted">{`  ${f}`}</Styled>
      ))}
      {plan.steps.slice(first, first + listRoom).map((s, k) => {
        const i = first + k;
        const mark = i < current ? (state.skipped.includes(i) ? '↷' : '✔') : i === current && failed ? '✖' : i === current ? '▶' : '·';
        return (
          <Styled key={i} theme={theme} token={i < current ? 'status.OK' : i === current ? (failed ? 'error' : 'title') : 'muted'}>
            {` ${mark} ${String(i + 1).padStart(2)}. ${s.summary}`}
          </Styled>
        );
      })}
      <Styled theme={theme} token="muted">{'   Ctrl-E writes the whole plan to a .sql file in the working directory'}</Styled>
      {finished ? (
        <Styled theme={theme} token="status.OK">✔ every step succeeded. Enter returns; rpotop journal has the record.</Styled>
      ) : (
        <Box flexDirection="column">
          {script.map((line, k) => (
            <Styled key={k} theme={theme} token="accent">{line}</Styled>
          ))}
          {changed ? (
            <Styled theme={theme} token="accent" wrap="wrap">{`   ↻ the plan changed: ${changed}`}</Styled>
          ) : null}
          {running ? (
            <Text wrap="wrap">{`   [${'#'.repeat(Math.round(running.percent / 4))}${'.'.repeat(25 - Math.round(running.percent / 4))}] ${running.percent}% ${runningText(running, now)}`}</Text>
          ) : failed ? (
            <Box flexDirection="column">
              <Styled theme={theme} token="error">{`   ✖ step ${current + 1} failed: ${last?.error ?? ''}`}</Styled>
              {(last?.messages ?? []).slice(-4).map((m, i) => (
                <Styled key={i} theme={theme} token="muted">{`     ${m}`}</Styled>
              ))}
              {state.skipping !== null ? (
                <Text>
                  {'   Why is this step skipped? (kept in the journal) '}
                  <Styled theme={theme} token="selection">{state.skipping || ' '}</Styled>
                  {'  Enter skips, Esc does not'}
                </Text>
              ) : (
                <Text>{`   r runs this step again; ${step.skippable ? 's skips it (with a reason); ' : ''}Esc stops the plan here (later steps do not run).`}</Text>
              )}
            </Box>
          ) : batch && state.batch ? (
            <Box flexDirection="column">
              <Text wrap="wrap">{`   Steps ${batch.from + 1}-${batch.to + 1}, the ${batch.to - batch.from + 1} remaining log restores, run one after another; the first that fails stops the rest.`}</Text>
              <Text wrap="truncate-end">
                {'   Type '}
                <Styled theme={theme} token="title">{step.confirmWord}</Styled>
                {' and Enter to run them all, Esc to confirm them one by one: '}
                <Styled theme={theme} token="selection">{state.batch.typed || ' '}</Styled>
              </Text>
            </Box>
          ) : step.operator || step.destructive ? (
            <TypedPrompt
              theme={theme}
              word={step.confirmWord}
              typed={typed}
              why={
                step.operator
                  ? `Step ${current + 1} is yours, outside SQL Server: rpotop sends nothing and waits until you say it is done.`
                  : `Step ${current + 1} writes database ${step.confirmWord}${plan.steps.some((s) => s.instance !== step.instance) ? ` on ${step.instance}` : ''} or takes it offline: it needs the name typed.`
              }
              then={step.operator ? ' and Enter once it is done, Esc to stop: ' : ' and Enter to run it, Esc to stop: '}
            />
          ) : (
            <Text>{`   Press y to run step ${current + 1}, Esc to stop.`}</Text>
          )}
          {batch && !state.batch && !running && !failed ? (
            <Styled theme={theme} token="muted">{`   Ctrl-R confirms steps ${batch.from + 1}-${batch.to + 1}, the ${batch.to - batch.from + 1} remaining log restores, together`}</Styled>
          ) : null}
        </Box>
      )}
    </Box>
  );
}

/** Why a step needs a word typed, the word, and what has been typed so far. */
function TypedPrompt({ theme, word, typed, why, then }: { theme: Theme; word: string; typed: string; why: string; then: string }) {
  return (
    <Box flexDirection="column">
      <Text wrap="wrap">{`   ${why}`}</Text>
      <Text wrap="truncate-end">
        {'   Type '}
        <Styled theme={theme} token="title">{word}</Styled>
        {then}
        <Styled theme={theme} token="selection">{typed || ' '}</Styled>
      </Text>
    </Box>
  );
}
