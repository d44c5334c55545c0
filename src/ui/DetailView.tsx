import type { DatabaseJob } from '../domain/agent.js';
import { Box } from 'ink';
import { Text } from './Text.js';
import { exposureWords, statusGlyph } from '../domain/status.js';
import { drillWords } from '../domain/drill.js';
import { typeNames, unusableReason } from '../domain/history.js';
import { backupsStoodFor } from '../domain/log-runs.js';
import { formatDuration, formatServerTime, durations, utcToServerLocal } from '../domain/time.js';
import type { BackupSet } from '../domain/history.js';
import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import { fit } from './cells.js';
import { Styled } from './Styled.js';
import type { Theme, Token } from './theme.js';
import { timeline, type Mark } from './timeline.js';

const MARK_TOKEN: Record<Mark, Token> = { full: 'timeline.full', diff: 'timeline.diff', log: 'timeline.log', gap: 'timeline.gap', bad: 'timeline.gap', none: 'muted' };
const DAYS = 8;
const size = (bytes: number) => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`);

interface Props {
  db: DatabaseSnapshot;
  /** The rows to show: the whole history once read, the snapshot's (those status reads) until then. */
  history: readonly BackupSet[];
  /** Why the history shown is not whole yet ("reading..."), or null. */
  historyNote: string | null;
  theme: Theme;
  width: number;
  height: number;
  /** Server clock now (UTC ms) and its offset, so times read as the server's operators see them. */
  serverNow: number;
  offsetMinutes: number;
  scroll: number;
}

/** One database: status and why, targets, restore estimate, findings, the history on a time axis and as a table. */
export function DetailView({ db, history, historyNote, theme, width, height, serverNow, offsetMinutes, scroll }: Props) {
  const a = db.assessment;
  const local = (utc: number) => formatServerTime(utcToServerLocal(utc, offsetMinutes));
  const cells = timeline(history, a.chain, serverNow, DAYS, Math.max(20, width - 4));
  const chain = a.chain;
  const standby = db.state.standbyOf;
  // A standby's msdb lists the source's backups its restores read: said so, not shown as its own.
  const chainText = standby
    ? `standby copy of ${standby.sourceServer}.${standby.sourceDatabase}: holds its data to ${local(standby.holdsTo)}, last ${typeNames[standby.restoreType]} restored ${local(standby.restoredAt)} (server time)`
    : chain
    ? `restorable to ${local(chain.restorableTo)} (server time): full #${chain.full.backupSetId}${chain.diff ? ` + diff #${chain.diff.backupSetId}` : ''} + ${backupsStoodFor(chain.logs)} log(s)`
    : 'no restore chain';
  const rows = [...history].sort((x, y) => y.finish - x.finish);
  // Every finding, as far as the screen allows beside at least 3 rows of the table (a finding wraps).
  const linesOf = (text: string) => Math.max(1, Math.ceil((text.length + 5) / Math.max(20, width)));
  const room = Math.max(1, height - 9 - 3 - (chain?.brokenAfter ? 1 : 0));
  const findingLines: typeof db.findings = [];
  let used = 0;
  for (const f of db.findings) {
    const need = linesOf(f.text);
    const last = findingLines.length === db.findings.length - 1;
    if (used + need + (last ? 0 : 1) > room) break;
    findingLines.push(f);
    used += need;
  }
  const more = db.findings.length > findingLines.length ? 1 : 0;
  // SQL Agent's jobs for it, a line each, when Agent's tables were read.
  const jobLines = db.jobs === null ? [] : agentLines(db.jobs, (utc) => local(utc).slice(0, 16));
  const fixed = 9 + used + more + (chain?.brokenAfter ? 1 : 0) + jobLines.length;
  const tableRows = Math.max(1, height - fixed);
  // LSNs need room: on a narrow terminal they stay in the wide layout and the JSON report.
  const showLsn = width >= 110;
  const columns = showLsn
    ? [{ w: 16, t: 'type' }, { w: 19, t: 'finished (server)' }, { w: 41, t: 'LSN first → last' }, { w: 8, t: 'size' }]
    : [{ w: 16, t: 'type' }, { w: 19, t: 'finished (server)' }, { w: 8, t: 'size' }];
  const fileWidth = Math.max(10, width - columns.reduce((n, c) => n + c.w + 1, 0) - 2);
  const line = (cells: string[]) => `  ${cells.map((c, i) => fit(c, columns[i]?.w ?? fileWidth)).join(' ')}`;
  const page = rows.slice(scroll, scroll + tableRows).map((b) => {
    const cells = [
      // A held log standing for the run before it (until the whole history is read): how many it stands for.
      `${typeNames[b.type]}${b.isCopyOnly ? ' copy-only' : ''}${b.isForceOffline ? ' tail' : ''}${b.run ? ` +${b.run.logs} earlier` : ''}`,
      local(b.finish),
      ...(showLsn ? [`${b.firstLsn} → ${b.lastLsn}`] : []),
      size(b.backupSize),
      `${b.media.map((m) => m.physicalDeviceName).join(' + ')}${unusableReason(b) ? ` [${unusableReason(b)}]` : ''}`,
    ];
    return { key: b.backupSetId, text: line(cells), bad: unusableReason(b) !== null };
  });
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Styled theme={theme} token="title">
          {db.instance} / {db.name}
        </Styled>
        {'  '}
        <Styled theme={theme} token={`status.${a.status}`}>
          {statusGlyph[a.status]} {a.status}
        </Styled>
        {'  '}
        {a.reason}
        {a.since !== null ? ` (${a.status === 'BREACH' ? 'breach' : 'warning'} since ${local(a.since)} server time)` : ''}
      </Text>
      <Styled theme={theme} token="muted">
        {`recovery ${db.state.recoveryModel} · state ${db.state.state}${db.state.isReadOnly ? ' (read-only)' : ''} · exposure ${exposureWords(a)} / RPO ${formatDuration(db.targets.rpoMinutes * durations.MINUTE)} (${db.targets.source.rpoMinutes}) · RTO ${formatDuration(db.targets.rtoMinutes * durations.MINUTE)}${db.groups.length ? ` · groups ${db.groups.join(', ')}` : ''}${db.inventoried ? '' : ' · not inventoried'}`}
      </Styled>
      <Styled theme={theme} token="muted">
        {`last drill: ${drillWords(db.lastDrill, serverNow)}${db.lastRestored ? ` (its backups last restored ${formatDuration(Math.max(0, serverNow - db.lastRestored.at))} ago on ${db.lastRestored.instance} as ${db.lastRestored.as})` : ''} · ${db.rto ? `estimated restore ${formatDuration(db.rto.seconds * 1000)}: ${db.rto.basis}` : 'no restore estimate without a chain'}`}
      </Styled>
      <Text wrap="truncate-end">{chainText}{db.mergedFrom.length ? ` · history merged from ${db.mergedFrom.join(', ')}` : ''}</Text>
      {jobLines.map((line, i) => (
        <Styled key={`job${i}`} theme={theme} token="muted">{line}</Styled>
      ))}
      <Text> </Text>
      <Text wrap="truncate-end">
        <Styled theme={theme} token="header">{standby ? `the source's backups this server restored, over the last ${DAYS} days` : `backups over the last ${DAYS} days`}</Styled>
        <Styled theme={theme} token="muted">{historyNote ? `  ${historyNote}` : '  F full · D differential · │ log · x unusable · ! log chain broken'}</Styled>
      </Text>
      <Text>
        {'  '}
        {cells.map((c, i) => (
          <Styled key={i} theme={theme} token={MARK_TOKEN[c.mark]}>
            {c.char}
          </Styled>
        ))}
      </Text>
      {findingLines.map((f, i) => (
        <Styled key={i} theme={theme} token={f.severity === 'critical' ? 'error' : f.severity === 'warning' ? 'status.WARN' : 'muted'}>
          {`  ${f.severity === 'critical' ? '!!' : f.severity === 'warning' ? ' !' : ' i'} ${f.text}`}
        </Styled>
      ))}
      {more ? <Styled theme={theme} token="muted">{`  … ${db.findings.length - findingLines.length} more finding(s): a taller terminal shows them, as does rpotop status --format json`}</Styled> : null}
      {chain?.brokenAfter ? <Styled theme={theme} token="error">{`  ${chain.brokenAfter.text}`}</Styled> : null}
      <Styled theme={theme} token="header">{line([...columns.map((c) => c.t), `file   (${rows.length ? scroll + 1 : 0}-${Math.min(rows.length, scroll + tableRows)} of ${rows.length}, j/k)`])}</Styled>
      {page.map((p) => (
        <Styled key={p.key} theme={theme} token={p.bad ? 'error' : 'title'}>
          {p.text}
        </Styled>
      ))}
      {rows.length === 0 ? <Text>  no backups recorded in the window</Text> : null}
    </Box>
  );
}

/** A database rarely has more backup jobs than this; past it, how many more (status JSON lists them all). */
const JOB_LINES = 3;

/**
 * SQL Agent's jobs that back the database up, a line each (one line cut at 80 columns hid a group's job on the
 * other replica): its replica, kinds, a run going on, last outcome and next run.
 */
export function agentLines(jobs: readonly DatabaseJob[], at: (utc: number) => string): string[] {
  if (jobs.length === 0) return ['SQL Agent: no job backs it up'];
  const one = ({ step, kinds, replica, agentStopped }: DatabaseJob) => {
    const outcome = step.lastOutcome === 'failed' && step.failuresSinceSuccess > 1 ? `failed ${step.failuresSinceSuccess} times` : (step.lastOutcome ?? 'never ran');
    const now = step.runningSince !== null ? `running since ${at(step.runningSince)}, ` : '';
    const next = agentStopped ? 'Agent stopped' : !step.enabled ? 'disabled' : step.schedules === 0 ? 'no schedule' : step.nextRun !== null ? `next ${at(step.nextRun)}` : 'nothing scheduled';
    return `${step.job}${replica ? ` on ${replica}` : ''} (${kinds.join(', ')}): ${now}${outcome}, ${next}`;
  };
  const shown = jobs.length > JOB_LINES ? jobs.slice(0, JOB_LINES - 1) : jobs;
  const lines = shown.map((j, i) => `${i === 0 ? 'SQL Agent: ' : '           '}${one(j)}`);
  return jobs.length > shown.length ? [...lines, `           … ${jobs.length - shown.length} more job(s): rpotop status --format json lists them`] : lines;
}
