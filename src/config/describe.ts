import { formatDuration, durations } from '../domain/time.js';
import { visible } from '../domain/visible.js';
import { linkMode } from './schema.js';
import type { PartialTargets } from '../domain/targets.js';
import { describeCredentials, toPartialTargets, type Inventory } from './resolve.js';

function targetsText(t: PartialTargets): string {
  const parts: string[] = [];
  if (t.rpoMinutes !== undefined) parts.push(`RPO ${formatDuration(t.rpoMinutes * durations.MINUTE)}`);
  if (t.rtoMinutes !== undefined) parts.push(`RTO ${formatDuration(t.rtoMinutes * durations.MINUTE)}`);
  if (t.warnFraction !== undefined) parts.push(`warn at ${Math.round(t.warnFraction * 100)}%`);
  return parts.join(', ');
}

/**
 * The resolved inventory as `rpotop config check` prints it: what rpotop will do, not what the file says.
 * Every line is passed through `visible`: names, hosts, tags and patterns come from a file, and an escape
 * sequence in one must not drive the terminal.
 */
export function describeInventory(inventory: Inventory, file: string, env: NodeJS.ProcessEnv): string {
  const { config } = inventory;
  const lines: string[] = [];
  lines.push(`inventory ${file}: valid`);
  lines.push(`fleet     ${config.fleet}${config.readOnly ? ' (read-only)' : ''}`);
  lines.push(`defaults  ${targetsText(inventory.defaults)}`);
  const p = config.poll;
  lines.push(
    `polling   every ${p.intervalSeconds} s (±${p.jitterSeconds} s), ${p.concurrency} instances at a time, ` +
      `connect timeout ${p.connectTimeoutSeconds} s, query timeout ${p.requestTimeoutSeconds} s, stale after ${p.staleAfterSeconds} s`,
  );
  lines.push('');
  lines.push(`instances (${config.instances.length})`);
  for (const inst of config.instances) {
    const address = inst.instanceName ? `${inst.host}\\${inst.instanceName}` : `${inst.host},${inst.port ?? 1433}`;
    const check = inst.trustServerCertificate ? 'certificate NOT verified' : `certificate verified${inst.caFile ? ` (also against ${inst.caFile})` : ''}`;
    const tls = {
      require: `TLS required, ${check}; the login is never sent to a server that does not offer it`,
      prefer: `TLS when offered, ${check}; CLEARTEXT allowed (and reported) otherwise`,
      strict: `TDS 8 strict (TLS first), certificate verified${inst.caFile ? ` (also against ${inst.caFile})` : ''}`,
      off: 'no TLS asked for',
    }[linkMode(inst.encrypt)];
    lines.push(`  ${inst.name}  ${address}${inst.readOnly ? '  read-only' : ''}${inst.tags.length ? `  [${inst.tags.join(', ')}]` : ''}`);
    lines.push(`    auth       ${describeCredentials(inst, env)}`);
    lines.push(`    link       ${tls}`);
    const excl = inst.databases.exclude.length ? `, exclude ${inst.databases.exclude.join(' ')}` : '';
    lines.push(`    databases  include ${inst.databases.include.join(' ')}${excl}`);
    const own = targetsText(toPartialTargets(inst.targets));
    if (own) lines.push(`    targets    ${own} (instance)`);
    for (const [pattern, t] of Object.entries(inst.databases.targets)) {
      const text = targetsText(toPartialTargets(t));
      lines.push(`    ${pattern}: ${text} (explicit)`);
    }
  }
  lines.push('');
  lines.push(`groups (${inventory.groups.length})`);
  for (const g of inventory.groups) {
    const t = targetsText(g.targets);
    lines.push(`  ${g.name}  ${g.title}${g.preset ? ` (preset ${g.preset})` : ''}${t ? `  ${t}` : ''}`);
    for (const m of g.members) {
      const where = `${m.instance ?? '*'}/${m.database}`;
      lines.push(`    ${where.padEnd(40)} ${m.role}${m.together ? '' : ' (restored on its own)'}`);
    }
    for (const note of g.notes) lines.push(`    note: ${note}`);
  }
  return lines.map(visible).join('\n');
}
