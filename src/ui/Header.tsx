import { Text } from './Text.js';
import { statusGlyph, type Status } from '../domain/status.js';
import { formatDuration } from '../domain/time.js';
import { cleartextInstances, type FleetSnapshot } from '../fleet/snapshot.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

const ORDER: Status[] = ['UNKNOWN', 'UNPROTECTED', 'BREACH', 'WARN', 'OK'];

export function Header({ snapshot, theme, readOnly, now, title }: { snapshot: FleetSnapshot; theme: Theme; readOnly: boolean; now: number; title?: string }) {
  const lastPoll = Math.max(0, ...snapshot.instances.map((i) => i.lastSuccessAt ?? 0));
  // An instance still on its first poll is not down: at start-up the header would otherwise cry wolf.
  const waiting = snapshot.instances.filter((i) => i.lastAttemptAt === null).length;
  const down = snapshot.instances.filter((i) => i.status === 'UNKNOWN' && i.lastAttemptAt !== null).length;
  const cleartext = cleartextInstances(snapshot).length;
  const plural = (n: number) => `${n} instance${n > 1 ? 's' : ''}`;
  return (
    <Text wrap="truncate-end">
      <Styled theme={theme} token="title">
        {`rpotop · ${snapshot.fleet}${title ? ` · ${title}` : ''} `}
      </Styled>
      {/* Before the counts, which count databases: at 80 columns the end of the line is cut. */}
      {down ? (
        <Styled theme={theme} token="status.UNKNOWN">
          {` ${statusGlyph.UNKNOWN}${plural(down)} down `}
        </Styled>
      ) : null}
      {cleartext ? (
        <Styled theme={theme} token="status.WARN">
          {` ${statusGlyph.WARN}${cleartext} CLEARTEXT `}
        </Styled>
      ) : null}
      {ORDER.map((s) => (
        <Text key={s}>
          {' '}
          <Styled theme={theme} token={`status.${s}`}>
            {`${statusGlyph[s]}${snapshot.counts[s]} ${s}`}
          </Styled>
        </Text>
      ))}
      <Styled theme={theme} token="muted">
        {`  ${lastPoll ? `polled ${formatDuration(Math.max(0, now - lastPoll))} ago` : 'polling…'}${waiting && lastPoll ? ` · ${plural(waiting)} not polled yet` : ''}`}
      </Styled>
      {readOnly ? <Styled theme={theme} token="badge">{'  READ-ONLY '}</Styled> : null}
    </Text>
  );
}
