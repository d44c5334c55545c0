import { Text } from './Text.js';
import { statusGlyph, type Status } from '../domain/status.js';
import { formatDuration } from '../domain/time.js';
import { cleartextInstances, type FleetSnapshot } from '../fleet/snapshot.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

const ORDER: Status[] = ['UNKNOWN', 'UNPROTECTED', 'BREACH', 'WARN', 'OK'];

/**
 * The top line. Its safety facts (read-only, instances down, links in cleartext) come before the counts and
 * are never cut; when the line is too long the counts drop their words (the glyphs stay), then the poll age
 * goes, and only then is the end cut.
 */
export function Header({ snapshot, theme, readOnly, now, title, width = Infinity }: { snapshot: FleetSnapshot; theme: Theme; readOnly: boolean; now: number; title?: string; width?: number }) {
  const lastPoll = Math.max(0, ...snapshot.instances.map((i) => i.lastSuccessAt ?? 0));
  // An instance still on its first poll is not down: at start-up the header would otherwise cry wolf.
  const waiting = snapshot.instances.filter((i) => i.lastAttemptAt === null).length;
  const down = snapshot.instances.filter((i) => i.status === 'UNKNOWN' && i.lastAttemptAt !== null).length;
  const cleartext = cleartextInstances(snapshot).length;
  const plural = (n: number) => `${n} instance${n > 1 ? 's' : ''}`;
  const head = `rpotop · ${snapshot.fleet}${title ? ` · ${title}` : ''} `;
  const badge = readOnly ? ' READ-ONLY ' : '';
  const downText = down ? ` ${statusGlyph.UNKNOWN}${plural(down)} down ` : '';
  const clearText = cleartext ? ` ${statusGlyph.WARN}${cleartext} CLEARTEXT ` : '';
  const counts = (words: boolean) => ORDER.map((s) => ` ${statusGlyph[s]}${snapshot.counts[s]}${words ? ` ${s}` : ''}`).join('');
  const since = formatDuration(Math.max(0, now - lastPoll));
  const age = `  ${lastPoll ? `polled ${since} ago` : 'polling…'}`;
  const short = lastPoll ? `  ${since} ago` : '  polling…';
  const full = `${age}${waiting && lastPoll ? ` · ${plural(waiting)} not polled yet` : ''}`;
  const fixed = head.length + badge.length + downText.length + clearText.length;
  const words = fixed + counts(true).length + Math.min(full.length, 12) <= width;
  const room = width - fixed - counts(words).length;
  // With the words kept, the end may be cut; without them, the poll age shows whole or not at all.
  const polled = words || full.length <= room ? full : [age, short].find((t) => t.length <= room) ?? null;
  return (
    <Text wrap="truncate-end">
      <Styled theme={theme} token="title">
        {head}
      </Styled>
      {badge ? <Styled theme={theme} token="badge">{badge}</Styled> : null}
      {downText ? <Styled theme={theme} token="status.UNKNOWN">{downText}</Styled> : null}
      {clearText ? <Styled theme={theme} token="status.WARN">{clearText}</Styled> : null}
      {ORDER.map((s) => (
        <Text key={s}>
          {' '}
          <Styled theme={theme} token={`status.${s}`}>
            {`${statusGlyph[s]}${snapshot.counts[s]}${words ? ` ${s}` : ''}`}
          </Styled>
        </Text>
      ))}
      {polled ? <Styled theme={theme} token="muted">{polled}</Styled> : null}
    </Text>
  );
}
