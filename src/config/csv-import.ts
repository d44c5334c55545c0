import { hasInvisible, visible } from '../domain/visible.js';
import { ConfigError, type ConfigProblem } from './errors.js';

/**
 * `rpotop config import csv FILE` (and `cms`): a plain list of servers (name,host,port,group: what dbatools users export
 * from a Central Management Server or keep by hand) merged into the inventory. An instance the inventory
 * already has is kept as it is; one that differs is reported as a conflict, never overwritten. The group
 * column (a CMS folder, say) becomes a tag: rpotop's application groups are sets of databases, not servers.
 */

/** A server to add, from a CSV line or a Central Management Server's registration. */
export interface ImportedInstance {
  /** Where it came from, for messages: "line 3", "the CMS". */
  from: string;
  name: string;
  host: string;
  port: number | undefined;
  instanceName?: string;
  /** Becomes a tag: a CSV's group column, a CMS folder path. */
  group: string | undefined;
}

/**
 * A registered server's connection name as SSMS takes it: host, host\\instance, or host,port (tcp: and
 * np: prefixes and a trailing port after an instance name are left for the operator to fix).
 */
export function parseServerName(serverName: string): { host: string; port?: number; instanceName?: string } | null {
  const m = /^([^\\,:\s]+)(?:\\([^\\,\s]+)|,(\d{1,5}))?$/.exec(serverName.trim());
  if (!m) return null;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return null;
  return { host: m[1]!, ...(port !== undefined ? { port } : {}), ...(m[2] ? { instanceName: m[2] } : {}) };
}

/** RFC 4180 fields: commas, "quoted" fields with "" for a quote; a quoted field may not span lines here. */
function fields(line: string, at: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`line ${at}: a quoted field is not closed`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`line ${at}: text after a quoted field`);
    } else {
      const end = line.indexOf(',', i);
      value = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    out.push(value.trim());
    if (i >= line.length) return out;
    i++;
  }
}

const COLUMNS = ['name', 'host', 'port', 'group'] as const;

/** Parses the file; every line that cannot become an instance is a problem that names its line and the fix. */
export function parseInstancesCsv(file: string, text: string): ImportedInstance[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: ConfigProblem[] = [];
  const header = fields(lines[0] ?? '', 1).map((h) => h.toLowerCase());
  const index = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof COLUMNS)[number], number>;
  if (index.name < 0 || index.host < 0) {
    throw new ConfigError(file, [{ path: 'line 1', message: `expected a header naming the columns: name,host,port,group (name and host required), found "${lines[0] ?? ''}"` }], 'not imported');
  }
  const out: ImportedInstance[] = [];
  const seen = new Map<string, number>();
  lines.slice(1).forEach((raw, k) => {
    const line = k + 2;
    if (raw.trim() === '') return;
    let row: string[];
    try {
      row = fields(raw, line);
    } catch (error) {
      problems.push({ path: `line ${line}`, message: `${(error as Error).message.replace(/^line \d+: /, '')}: quote a field with "..." and double a quote inside it` });
      return;
    }
    const cell = (c: (typeof COLUMNS)[number]) => (index[c] >= 0 ? (row[index[c]] ?? '') : '');
    const name = cell('name');
    const host = cell('host');
    const portText = cell('port');
    const group = cell('group');
    const say = (message: string) => problems.push({ path: `line ${line}`, message });
    if (!name || !host) return say('name and host are required');
    if ([name, host, group].some(hasInvisible)) return say('a field holds a control character or an invisible mark; fix the line (rpotop does not import such a name)');
    const port = portText === '' ? undefined : Number(portText);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return say(`port "${portText}" is not a TCP port from 1 to 65535`);
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) return say(`"${name}" is already on line ${earlier}: an instance name is unique in the inventory`);
    seen.set(name.toLowerCase(), line);
    out.push({ from: `line ${line}`, name, host, port, group: group || undefined });
  });
  if (problems.length > 0) throw new ConfigError(file, problems, 'not imported (nothing was written)');
  return out;
}

export interface ImportAuth {
  user: string;
  /** Where the password comes from; none: rpotop asks for it. */
  passwordEnv: string | undefined;
}

export interface ImportOutcome {
  added: string[];
  kept: string[];
  conflicts: string[];
}

interface RawInstance {
  name?: unknown;
  host?: unknown;
  port?: unknown;
  instanceName?: unknown;
}

/**
 * Merges the file's instances into the inventory's raw JSON (as written, so defaults are not spelled out
 * into it): new ones appended with the given login and password variable, existing ones kept.
 */
export function mergeInstances(raw: Record<string, unknown>, rows: readonly ImportedInstance[], auth: ImportAuth): ImportOutcome {
  const instances = (Array.isArray(raw.instances) ? raw.instances : []) as RawInstance[];
  const outcome: ImportOutcome = { added: [], kept: [], conflicts: [] };
  for (const row of rows) {
    const existing = instances.find((i) => typeof i.name === 'string' && i.name.toLowerCase() === row.name.toLowerCase());
    const where = `${row.host}${row.port ? `:${row.port}` : ''}${row.instanceName ? `\\${row.instanceName}` : ''}`;
    if (existing) {
      const same = existing.host === row.host && (row.port === undefined || existing.port === row.port) && (row.instanceName === undefined || existing.instanceName === row.instanceName);
      const theirs = `${String(existing.host)}${existing.port ? `:${String(existing.port)}` : ''}${existing.instanceName ? `\\${String(existing.instanceName)}` : ''}`;
      if (same) outcome.kept.push(`${visible(row.name)}: already in the inventory`);
      else outcome.conflicts.push(`${visible(row.name)}: the inventory has ${visible(theirs)}, ${visible(row.from)} has ${visible(where)}; the inventory's is kept`);
      continue;
    }
    instances.push({
      name: row.name,
      host: row.host,
      ...(row.port !== undefined ? { port: row.port } : {}),
      ...(row.instanceName ? { instanceName: row.instanceName } : {}),
      auth: { type: 'sql', user: auth.user, ...(auth.passwordEnv ? { passwordEnv: auth.passwordEnv } : {}) },
      ...(row.group ? { tags: [row.group] } : {}),
    } as RawInstance);
    outcome.added.push(`${visible(row.name)} (${visible(where)}${row.group ? `, tag ${visible(row.group)}` : ''})`);
  }
  raw.instances = instances;
  return outcome;
}
