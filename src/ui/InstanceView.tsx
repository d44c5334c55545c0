import { Box } from 'ink';
import { Text } from './Text.js';
import { Table } from 'ink-table';
import { statusGlyph, type Status } from '../domain/status.js';
import { formatDuration, formatServerTime, utcToServerLocal } from '../domain/time.js';
import { serverClock, type FleetSnapshot, type InstanceSnapshot } from '../fleet/snapshot.js';
import { Styled } from './Styled.js';
import type { Theme } from './theme.js';

const ORDER: Status[] = ['UNKNOWN', 'UNPROTECTED', 'BREACH', 'WARN', 'OK'];

/** +01:00, -05:00: how the offset is written in SQL Server's datetimeoffset. */
export function utcOffsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** One instance: what it is, its clock, whether the link is encrypted, and why it is unreachable. */
export function InstanceView({ instance, snapshot, theme, now }: { instance: InstanceSnapshot; snapshot: FleetSnapshot; theme: Theme; now: number }) {
  const mine = snapshot.databases.filter((d) => d.instance === instance.name);
  const counts = ORDER.map((s) => [s, mine.filter((d) => d.assessment.status === s).length] as const).filter(([, n]) => n > 0);
  const serverNow = serverClock(instance, now);
  const clock =
    serverNow !== null && instance.utcOffsetMinutes !== null
      ? `${formatServerTime(utcToServerLocal(serverNow, instance.utcOffsetMinutes))} (UTC${utcOffsetText(instance.utcOffsetMinutes)})`
      : 'unknown';
  const enc = instance.encryption;
  const asked = { require: 'TLS required', prefer: 'TLS preferred', strict: 'TDS 8 strict', off: 'no TLS asked for' }[enc.mode];
  const link =
    enc.inForce === null
      ? `unknown (${asked})`
      : enc.inForce
        ? `encrypted (TLS${enc.mode === 'strict' ? ', TDS 8 strict' : ''})`
        : `CLEARTEXT${enc.configured ? ` although the inventory asks for TLS (${asked})` : ' (no TLS asked for)'}`;
  const line = (label: string, value: string, token: Parameters<typeof Styled>[0]['token'] = 'title') => (
    <Text wrap="truncate-end">
      <Styled theme={theme} token="muted">{label.padEnd(14)}</Styled>
      <Styled theme={theme} token={token}>{value}</Styled>
    </Text>
  );
  return (
    <Box flexDirection="column">
      <Text>
        <Styled theme={theme} token="title">{instance.name}</Styled>
        {'  '}
        <Styled theme={theme} token={`status.${instance.status}`}>
          {statusGlyph[instance.status]} {instance.status === 'OK' ? 'reachable' : 'UNKNOWN'}
        </Styled>
        {instance.readOnly ? <Styled theme={theme} token="badge">{' READ-ONLY '}</Styled> : null}
      </Text>
      {line('address', instance.host)}
      {line('version', instance.version ? `${instance.version}${instance.edition ? ` · ${instance.edition}` : ''}` : 'unknown')}
      {line('server clock', clock)}
      {line('link', link, enc.inForce === false && enc.configured ? 'error' : 'title')}
      {line('last poll', instance.lastSuccessAt ? `${formatDuration(Math.max(0, now - instance.lastSuccessAt))} ago, took ${instance.pollMs ?? '?'} ms` : 'never')}
      {instance.error ? line('unreachable', `${instance.error}${instance.failures > 1 ? ` (${instance.failures} attempts in a row)` : ''}`, 'error') : null}
      {line('databases', mine.length ? `${mine.length} read in the last poll` : 'none read yet')}
      {counts.length ? <Table data={counts.map(([s, n]) => ({ status: `${statusGlyph[s]} ${s}`, databases: n }))} /> : null}
      {instance.findings.map((f, i) => (
        <Styled key={i} theme={theme} token={f.severity === 'critical' ? 'error' : 'status.WARN'}>
          {`  ! ${f.text}`}
        </Styled>
      ))}
    </Box>
  );
}
