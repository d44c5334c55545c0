import { statusGlyph, type Status } from '../domain/status.js';
import type { FleetSnapshot } from '../fleet/snapshot.js';
import { cleartextInstances, serverClock } from '../fleet/snapshot.js';
import { visible } from '../domain/visible.js';
import { ageOf, exposureText, rpoText } from './columns.js';
import { commonPointText, groupRpoText, groupRtoText } from '../domain/group.js';

const ANSI: Record<Status, string> = { OK: '\x1b[32m', WARN: '\x1b[33m', BREACH: '\x1b[31m', UNPROTECTED: '\x1b[35m', UNKNOWN: '\x1b[90m' };
const RESET = '\x1b[0m';

/** Columns padded to their widest cell, the last one free; a line coloured by its status when asked. */
function layout(header: string[], rows: { status: Status; cells: string[] }[], colour: boolean): string[] {
  // Names, reasons and errors come from servers and files: escaped before the table is laid out and coloured.
  const escaped = rows.map((r) => ({ status: r.status, cells: r.cells.map(visible) }));
  const widths = header.map((h, c) => (c === header.length - 1 ? 0 : Math.max(h.length, ...escaped.map((r) => r.cells[c]!.length))));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return [line(header), ...escaped.map((r) => (colour ? `${ANSI[r.status]}${line(r.cells)}${RESET}` : line(r.cells)))];
}

/** One line per database, worst first; colour only when asked (a terminal without NO_COLOR). */
export function formatTable(snapshot: FleetSnapshot, colour: boolean): string {
  const serverNow = new Map(snapshot.instances.map((i) => [i.name, serverClock(i, snapshot.takenAt) ?? snapshot.takenAt]));
  const header = ['STATUS', 'INSTANCE', 'DATABASE', 'EXPOSURE', 'RPO', 'FULL', 'DIFF', 'LOG', 'REASON'];
  const rows: { status: Status; cells: string[] }[] = [];
  for (const i of snapshot.instances.filter((x) => x.status === 'UNKNOWN')) {
    rows.push({ status: 'UNKNOWN', cells: [`${statusGlyph.UNKNOWN} UNKNOWN`, i.name, '(instance)', '-', '-', '-', '-', '-', `cannot poll the instance: ${i.error ?? ''}`] });
  }
  const cleartext = cleartextInstances(snapshot);
  for (const i of cleartext) {
    rows.push({ status: 'WARN', cells: [`${statusGlyph.WARN} WARN`, i.name, '(link)', '-', '-', '-', '-', '-', 'CLEARTEXT link although the inventory asks for TLS'] });
  }
  for (const d of snapshot.databases.filter((x) => x.inventoried)) {
    const now = serverNow.get(d.instance) ?? snapshot.takenAt;
    const s = d.assessment.status;
    rows.push({
      status: s,
      cells: [
        `${statusGlyph[s]} ${s}`,
        d.instance,
        d.name,
        exposureText(d),
        rpoText(d),
        ageOf(d.assessment.lastFull, now),
        ageOf(d.assessment.lastDiff, now),
        ageOf(d.assessment.lastLog, now),
        d.assessment.reason,
      ],
    });
  }
  const out = layout(header, rows, colour);
  if (snapshot.groups.length > 0) {
    const groups = snapshot.groups.map((g) => ({
      status: g.status,
      cells: [`${statusGlyph[g.status]} ${g.status}`, g.name, commonPointText(g), groupRpoText(g), groupRtoText(g), g.reason],
    }));
    out.push('', ...layout(['STATUS', 'GROUP', 'COMMON POINT', 'RPO', 'RESTORE', 'REASON'], groups, colour));
  }
  const notInventoried = snapshot.databases.filter((d) => !d.inventoried);
  const summary = (['UNKNOWN', 'UNPROTECTED', 'BREACH', 'WARN', 'OK'] as const).map((s) => `${snapshot.counts[s]} ${s}`).join(', ');
  const down = snapshot.instances.filter((i) => i.status === 'UNKNOWN').length;
  out.push('', visible(`${snapshot.fleet}: ${down ? `${down} instance(s) down; ` : ''}${cleartext.length ? `${cleartext.length} link(s) CLEARTEXT; ` : ''}${summary}${notInventoried.length ? `; ${notInventoried.length} database(s) not inventoried: ${notInventoried.map((d) => d.key).join(', ')}` : ''}`));
  return out.join('\n');
}
