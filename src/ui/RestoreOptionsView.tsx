import { Box } from 'ink';
import { Text } from './Text.js';
import type { PlanPreview } from './actions-port.js';
import { FIELDS, type OptionsState } from './restore-options.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

/**
 * Restore options, and below them the plan they give, redrafted as they change: the operator sees the
 * steps before beginning, and begins exactly what they saw.
 */
export function RestoreOptionsView({ title, state, theme, height, width }: { title: string; state: OptionsState; theme: Theme; height: number; width: number }) {
  const { form, field, draft } = state;
  const plan = draft && 'planId' in draft ? draft : null;
  const notApplied = plan?.notApplied ?? {};
  // The warning is shown whole, wrapped: the steps give way to it (a group's names every member).
  const warningLines = plan?.losesTail ? Math.ceil((plan.losesTail.length + 80) / Math.max(20, width)) : 0;
  const room = Math.max(2, height - FIELDS.length - 5 - warningLines);
  return (
    <Box flexDirection="column">
      <Styled theme={theme} token="title">{title}</Styled>
      {FIELDS.map((f, i) => {
        const value = form[f.id];
        const on = i === field;
        return (
          <Text key={f.id} wrap="truncate-end">
            {on ? '▶ ' : '  '}
            <Styled theme={theme} token={on ? 'title' : 'header'}>{f.label.padEnd(25)}</Styled>
            {typeof value === 'boolean' ? checkbox(value, notApplied[f.id as keyof typeof notApplied]) : value}
            {on && typeof value === 'string' ? <Text inverse> </Text> : null}
            {typeof value === 'string' && !value ? <Styled theme={theme} token="muted">{` ${f.empty ?? ''}`}</Styled> : null}
          </Text>
        );
      })}
      <Styled theme={theme} token="muted">{`  ${FIELDS[field]!.hint}`}</Styled>
      <Text> </Text>
      {draft === null ? (
        <Styled theme={theme} token="muted">drafting the plan...</Styled>
      ) : 'refused' in draft ? (
        <Styled theme={theme} token="error" wrap="wrap">{`✖ no plan with these options: ${draft.refused}`}</Styled>
      ) : (
        <DraftLines draft={draft} theme={theme} room={room} />
      )}
      {plan?.losesTail ? (
        <Styled theme={theme} token="status.WARN" wrap="wrap">
          {`⚠ ${plan.losesTail}.${state.lossAcknowledged ? ' Press Enter again to begin anyway, Esc or any change to go back.' : ''}`}
        </Styled>
      ) : null}
      <Text> </Text>
      <Text wrap="truncate-end">
        {'↑/↓ Tab choose · Space toggles · type into text fields · '}
        <Styled theme={theme} token="title">Enter</Styled>
        {' begins this plan (each step confirmed on its own) · Esc back'}
      </Text>
    </Box>
  );
}

/** A box as the plan has it: ticked, clear, or asked for but not applied (with why). */
function checkbox(value: boolean, notApplied: string | undefined): string {
  if (!value) return '[ ]';
  return notApplied ? `[-] not applied: ${notApplied}` : '[x]';
}

/**
 * The draft's facts, then its steps, in `room` lines. A plan longer than the room keeps its last two
 * steps in view (how it ends: the tail restored, the database shared again) and counts the middle.
 */
function DraftLines({ draft, theme, room }: { draft: PlanPreview; theme: Theme; room: number }) {
  const lines = [...draft.facts.map((f) => `  ${f}`), ...draft.steps.map((s, i) => ` ${String(i + 1).padStart(2)}. ${s.summary}`)];
  const ending = lines.length > room && room >= 5 && draft.steps.length > 2 ? 2 : 0;
  const head = lines.length > room ? room - 1 - ending : room;
  const hidden = lines.length - head - ending;
  const row = (line: string, i: number) => (
    <Styled key={i} theme={theme} token={i < draft.facts.length ? 'muted' : 'accent'}>
      {line}
    </Styled>
  );
  return (
    <Box flexDirection="column">
      {lines.slice(0, head).map(row)}
      {hidden > 0 ? (
        <Styled theme={theme} token="muted">{`  ... ${hidden} more line(s); the plan screen shows every step`}</Styled>
      ) : null}
      {ending > 0 ? lines.slice(-ending).map((line, i) => row(line, lines.length - ending + i)) : null}
    </Box>
  );
}
