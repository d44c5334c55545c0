import { visible } from '../domain/visible.js';
import { statusGlyph, type Status } from '../domain/status.js';
import { cleartextInstances, type FleetSnapshot } from '../fleet/snapshot.js';
import { exposureText, rpoText } from './columns.js';
import { commonPointText, groupRpoText, groupRtoText } from '../domain/group.js';

const ORDER: Status[] = ['UNKNOWN', 'UNPROTECTED', 'BREACH', 'WARN', 'OK'];

/** Table cells: a `|` or a newline in a database name must not break the table. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A summary fit to paste into an incident channel: counts, then what needs action, then what is unreachable. */
export function formatMarkdown(snapshot: FleetSnapshot): string {
  const downCount = snapshot.instances.filter((i) => i.status === 'UNKNOWN').length;
  const cleartext = cleartextInstances(snapshot);
  const counts = `${downCount ? `${statusGlyph.UNKNOWN} ${downCount} instance(s) down · ` : ''}${cleartext.length ? `${statusGlyph.WARN} ${cleartext.length} link(s) CLEARTEXT · ` : ''}${ORDER.map((s) => `${statusGlyph[s]} ${snapshot.counts[s]} ${s}`).join(' · ')}`;
  const lines = [`### rpotop: ${cell(snapshot.fleet)}`, '', `${counts}  `, `_as of ${new Date(snapshot.takenAt).toISOString().slice(0, 16).replace('T', ' ')} UTC_`, ''];
  // Estates first: "to what point can we bring it back, and how long will it take" is the bridge's question.
  if (snapshot.groups.length > 0) {
    lines.push('| Status | Group | Common point | RPO | Restore estimate | Reason |', '|---|---|---|---|---|---|');
    for (const g of snapshot.groups) {
      lines.push(`| ${statusGlyph[g.status]} ${g.status} | ${cell(g.name)} | ${commonPointText(g)} | ${groupRpoText(g)} | ${groupRtoText(g)} | ${cell(g.reason)} |`);
    }
    lines.push('');
  }
  const action = snapshot.databases.filter((d) => d.inventoried && d.assessment.status !== 'OK');
  if (action.length > 0) {
    lines.push('| Status | Instance | Database | Exposure | RPO | Reason |', '|---|---|---|---|---|---|');
    for (const d of action) {
      const s = d.assessment.status;
      lines.push(`| ${statusGlyph[s]} ${s} | ${cell(d.instance)} | ${cell(d.name)} | ${exposureText(d)} | ${rpoText(d)} | ${cell(d.assessment.reason)} |`);
    }
  } else {
    lines.push('Every inventoried database is within its RPO.');
  }
  const down = snapshot.instances.filter((i) => i.status === 'UNKNOWN');
  if (down.length > 0) {
    lines.push('', '**Instances not answering**', '');
    for (const i of down) lines.push(`- ${cell(i.name)} (${cell(i.host)}): ${cell(i.error ?? 'unknown')}`);
  }
  if (cleartext.length > 0) {
    lines.push('', '**Links in cleartext although the inventory asks for TLS**', '');
    for (const i of cleartext) lines.push(`- ${cell(i.name)} (${cell(i.host)}): "encrypt": ${JSON.stringify(i.encryption.mode === 'require' ? true : i.encryption.mode)}`);
  }
  // Names, reasons and errors come from servers and files: nothing in them reaches a terminal or a chat raw.
  return lines.map(visible).join('\n');
}
