import { readRegularText, UnreadableFile } from './read-text.js';
import { readAuthority } from './ca-file.js';
import { ConfigError } from './errors.js';
import { locateConfig, updateConfig } from './store.js';
import { mergeInstances, parseInstancesCsv, parseServerName, type ImportAuth, type ImportedInstance } from './csv-import.js';
import { resolveCredential } from './credentials.js';
import { terminalPrompt } from './prompt.js';
import { configSchema, type ConfigInput, type InstanceConfig } from './schema.js';
import { hasInvisible, visible } from '../domain/visible.js';
import { describeError, InstanceClient } from '../sql/client.js';
import { startDemo } from '../sim/demo.js';

export interface CsvImportCommand {
  file: string;
  config: string | undefined;
  dryRun: boolean;
  auth: ImportAuth;
}

/** `rpotop config import csv FILE`: prints what was added, kept and in conflict; writes unless --dry-run. */
export function runCsvImport(cmd: CsvImportCommand, out: NodeJS.WritableStream): number {
  let text: string;
  try {
    text = readRegularText(cmd.file);
  } catch (error) {
    if (error instanceof UnreadableFile) throw new ConfigError(cmd.file, [{ path: '(file)', message: error.message }], 'not imported');
    throw error;
  }
  const rows = parseInstancesCsv(cmd.file, text);
  return mergeAndReport(rows, cmd, out);
}

/** Merges the rows into the inventory (written only when something is new, never with --dry-run) and prints the diff. */
export function mergeAndReport(rows: readonly ImportedInstance[], cmd: { config: string | undefined; dryRun: boolean; auth: ImportAuth }, out: NodeJS.WritableStream): number {
  const where = locateConfig(cmd.config);
  // Merged and validated first without writing; written only when something is new.
  const outcome = updateConfig(where, (raw) => mergeInstances(raw, rows, cmd.auth), true);
  if (!cmd.dryRun && outcome.added.length > 0) updateConfig(where, (raw) => mergeInstances(raw, rows, cmd.auth));
  const lines = [
    ...outcome.added.map((a) => `added     ${a}`),
    ...outcome.kept.map((k) => `kept      ${k}`),
    ...outcome.conflicts.map((c) => `conflict  ${c}`),
  ];
  const verdict = cmd.dryRun
    ? `--dry-run: nothing written; ${outcome.added.length} instance(s) would be added to ${visible(where.path)}`
    : outcome.added.length > 0
      ? `wrote ${outcome.added.length} instance(s) to ${visible(where.path)} (login ${visible(cmd.auth.user)}, ${cmd.auth.passwordEnv ? `password from $${visible(cmd.auth.passwordEnv)}` : 'password asked for at start'}); rpotop config check shows them`
      : `nothing new: ${visible(where.path)} is unchanged`;
  out.write(`${[...lines, verdict].join('\n')}\n`);
  return 0;
}

export interface CmsImportCommand {
  /** The Central Management Server: host, host\instance or host,port. */
  host: string;
  /** Only registrations in this folder or below it ("Production/ERP"). */
  group: string | undefined;
  config: string | undefined;
  dryRun: boolean;
  auth: ImportAuth;
  /** Read the CMS the demo fleet serves (AXSQL01 in the seeds scenario) instead of --host. */
  demo: boolean;
  /** A PEM bundle to verify the CMS's certificate with (a private CA), as an instance's caFile. */
  caFile?: string | undefined;
}

/**
 * `rpotop config import cms`: the Database Engine servers registered in a Central Management Server
 * (msdb's sysmanagement_shared_* views, read through the driver with the given login), merged into the
 * inventory as the CSV import merges, the folder path as a tag.
 */
export async function runCmsImport(cmd: CmsImportCommand, out: NodeJS.WritableStream): Promise<number> {
  const demo = cmd.demo ? await startDemo('seeds') : null;
  try {
    const cms = demo ? demoCms(demo.inventory) : cmsInstance(cmd);
    // The CA bundle is checked before a password is asked for: a wrong file fails fast.
    const authority = readAuthority(cms);
    if (!authority.ok) throw new ConfigError('--ca-file', [{ path: '--ca-file', message: authority.reason }], 'cannot read the Central Management Server');
    const credential = await resolveCredential(cms, process.env, demo ? null : terminalPrompt());
    if (!credential.ok) throw new ConfigError(cms.name, [{ path: 'password', message: credential.reason }], 'cannot read the Central Management Server');
    const client = new InstanceClient({ instance: cms, password: credential.password, caPem: authority.pem, connectTimeoutMs: 15_000, requestTimeoutMs: 30_000 });
    let registered: Awaited<ReturnType<InstanceClient['registeredServers']>>;
    try {
      registered = await client.registeredServers();
    } catch (error) {
      throw new ConfigError(cms.name, [{ path: 'msdb.dbo.sysmanagement_shared_registered_servers', message: `${describeError(error)} (the login needs msdb's ServerGroupReaderRole)` }], 'cannot read the Central Management Server');
    } finally {
      await client.close();
    }
    const folder = cmd.group?.split('/').filter((g) => g !== '') ?? [];
    const rows: ImportedInstance[] = [];
    const skipped: string[] = [];
    for (const r of registered) {
      if (folder.some((f, i) => r.group[i]?.toLowerCase() !== f.toLowerCase())) continue;
      const where = parseServerName(r.serverName);
      const path = r.group.join('/');
      if (!where || [r.name, r.serverName, path].some(hasInvisible)) {
        skipped.push(`skipped   ${visible(r.name)}: its server name "${visible(r.serverName)}" is not host, host\\instance or host,port; add it by hand`);
        continue;
      }
      rows.push({ from: `CMS ${path || 'root'}`, name: r.name, host: where.host, port: where.port, ...(where.instanceName ? { instanceName: where.instanceName } : {}), group: path || undefined });
    }
    out.write(`${registered.length} server(s) registered in ${visible(cms.name)}${cmd.group ? `, ${rows.length} under ${visible(cmd.group)}` : ''}\n`);
    if (skipped.length > 0) out.write(`${skipped.join('\n')}\n`);
    return mergeAndReport(rows, cmd, out);
  } finally {
    await demo?.fleet.stop();
  }
}

/** The CMS to log in to, as an inventory instance (TLS required and verified, as any instance by default). */
function cmsInstance(cmd: CmsImportCommand): InstanceConfig {
  const where = parseServerName(cmd.host);
  if (!where) throw new ConfigError('--host', [{ path: '--host', message: `"${visible(cmd.host)}" is not host, host\\instance or host,port` }], 'cannot read the Central Management Server');
  return configSchema.parse({
    version: 1,
    instances: [{ name: cmd.host, ...where, ...(cmd.caFile ? { caFile: cmd.caFile } : {}), auth: { type: 'sql', user: cmd.auth.user, ...(cmd.auth.passwordEnv ? { passwordEnv: cmd.auth.passwordEnv } : {}) } }],
  }).instances[0]!;
}

/** The demo fleet's CMS: the seeds' AXSQL01, as the demo inventory reaches it. */
function demoCms(inventory: ConfigInput): InstanceConfig {
  const config = configSchema.parse(inventory);
  return config.instances.find((i) => i.name === 'AXSQL01')!;
}
