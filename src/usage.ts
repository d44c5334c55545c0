import type { JournalFilter } from './report/journal.js';
import { isIP } from 'node:net';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PlanCommand } from './actions/plan-command.js';
import type { DrillCommand, DrillReportCommand } from './actions/drill-command.js';
import type { StatusCommand } from './report/status-command.js';
import type { ExporterCommand } from './report/exporter-command.js';
import type { CmsImportCommand, CsvImportCommand } from './config/import-command.js';
import type { AddCommand } from './config/add-command.js';
import type { SimCommand } from './sim/standalone.js';

export const USAGE = `rpotop: SQL Server backup and recovery console

Usage:
  rpotop [--config FILE] [--theme NAME] [--read-only]
                                    open the console on your inventory
  rpotop demo [--scenario NAME] [--theme NAME] [--read-only]
                                    open the console on the built-in simulated fleet
  rpotop status [--config FILE | --demo [--scenario NAME]] [--format table|json|markdown]
                [--fail-on warn|breach]
                                    poll the fleet once, print its state, exit 0 OK, 1 WARN,
                                    2 BREACH or UNPROTECTED, 3 UNKNOWN or the run failed
  rpotop plan INSTANCE DATABASE [--config FILE | --demo [--scenario NAME]] [--stopat TIME]
              [--as NAME] [--format sql|json]
  rpotop plan --group NAME [--config FILE | --demo [--scenario NAME]] [--stopat TIME | --mark NAME|newest]
              [--format sql|json]
                                    print the restore plan for a change ticket; runs nothing. A group's
                                    plan restores every member to one point (TIME: YYYY-MM-DD HH:MM
                                    on the servers' clock, the same with UTC after it, or -30m; --mark:
                                    a marked transaction in every member's log, as BizTalk writes)
  rpotop drill INSTANCE DATABASE [--config FILE | --demo [--scenario NAME]] [--target INSTANCE] [--yes]
  rpotop drill --group NAME | --due [--config FILE | --demo [--scenario NAME]] [--target INSTANCE] --yes
                                    prove a backup restores: the latest chain restored under a new
                                    name on the drill target, DBCC CHECKDB, the copy dropped; each
                                    statement confirmed (--yes: all, for cron) and journaled. --due:
                                    every database never drilled, failed, or older than
                                    drills.maxAgeDays, one at a time per target; exit 0 passed, 1
                                    slower than the RTO, 2 failed, 3 could not run (the worst)
  rpotop drill report [--config FILE | --demo [--scenario NAME]] [--format markdown|json]
                                    every database and group: last drill, measured restore time
                                    against the RTO, failures, what is due
  rpotop exporter [--config FILE | --demo [--scenario NAME]] [--listen HOST:PORT]
                                    poll the fleet as the console does and serve its state as
                                    Prometheus metrics on http://HOST:PORT/metrics (and /healthz);
                                    binds to loopback (127.0.0.1:9187) unless --listen says
                                    otherwise; runs until interrupted
  rpotop journal [--demo] [--instance NAME] [--database NAME] [--plan ID] [--since TIME] [--format text|json]
                                    print every statement rpotop ran or refused, with its outcome
  rpotop sim [--scenario NAME] [--base-port N] [--json] [--tls]
                                    run the simulated fleet on loopback until interrupted, print
                                    each instance's name, host, port, login and password, and
                                    write an inventory for them
  rpotop config path                print where the inventory is read from
  rpotop config check [--config FILE]
                                    validate the inventory and print it resolved
  rpotop config init [--config FILE]
                                    write a starter inventory (never overwrites)
  rpotop config schema              print the inventory's JSON Schema (for editors)
  rpotop config add [NAME] [--host SERVER] [--user LOGIN] [--password-env VAR] [--tag TAG] [--config FILE]
                    [--dry-run]
                                    add one instance (SERVER: host, host\\instance or host,port; LOGIN
                                    rpotop_monitor unless given); on a terminal, asks for what the flags
                                    leave out, never for the password itself
  rpotop config import csv FILE [--config FILE] [--user LOGIN] [--password-env VAR] [--dry-run]
                                    add the servers of a CSV file (header name,host,port,group; the
                                    group becomes a tag) as SQL-login instances (LOGIN rpotop_monitor
                                    unless given); existing instances are kept, differences reported;
                                    --dry-run prints what would change and writes nothing
  rpotop config import cms --host HOST | --demo [--group PATH] [--config FILE] [--user LOGIN]
                          [--password-env VAR] [--ca-file PEM] [--dry-run]
                                    the same from a Central Management Server's registered servers
                                    (HOST: host, host\\instance or host,port; the login needs msdb's
                                    ServerGroupReaderRole); --group keeps one folder and below; the
                                    folder path becomes a tag; --ca-file verifies its certificate
                                    with a private CA's PEM bundle
  rpotop --help | --version

The inventory is read from --config FILE, else $RPOTOP_CONFIG, else the platform's config directory
(rpotop config path). Passwords never go in it: name an environment variable with "passwordEnv", or
be prompted.

Exit codes: 0 success, 1 the command failed (for example an invalid inventory), 2 usage error;
rpotop status follows the monitoring-plugin convention above (3 for its usage errors too).`;

/**
 * One command's part of USAGE, for `rpotop COMMAND --help`: its usage lines with their options (all the
 * `config` subcommands for config), and the note on exit codes for status.
 */
export function usageOf(topic: string): string {
  const lines = USAGE.split('\n');
  const block: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith('  rpotop ')) inside = line.startsWith(`  rpotop ${topic} `) || line === `  rpotop ${topic}`;
    else if (!line.startsWith('    ')) inside = false;
    if (inside) block.push(line);
  }
  return `Usage:\n${block.join('\n')}\n\nrpotop --help lists every command.`;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where `rpotop exporter` serves /metrics unless --listen says otherwise: loopback, Prometheus' port for it. */
export const DEFAULT_LISTEN = '127.0.0.1:9187';

/** HOST:PORT (an IPv6 address in brackets) to where the exporter binds; port 0 takes a free one (it prints which). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535 || (m?.[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new UsageError(`--listen is HOST:PORT such as ${DEFAULT_LISTEN} or [::1]:9187, not "${text}"`);
  }
  return { host, port };
}

export type Command =
  | { kind: 'help'; topic?: string }
  | { kind: 'version' }
  | { kind: 'tui'; config: string | undefined; theme: string | undefined; readOnly: boolean }
  | { kind: 'demo'; scenario: string; theme: string | undefined; readOnly: boolean }
  | { kind: 'config-path'; config: string | undefined }
  | { kind: 'config-check'; config: string | undefined }
  | { kind: 'config-init'; config: string | undefined }
  | { kind: 'config-schema' }
  | ({ kind: 'config-add' } & AddCommand)
  | ({ kind: 'config-import-csv' } & CsvImportCommand)
  | ({ kind: 'config-import-cms' } & CmsImportCommand)
  | ({ kind: 'sim' } & SimCommand)
  | { kind: 'journal'; format: 'text' | 'json'; demo: boolean; filter: JournalFilter }
  | ({ kind: 'plan' } & PlanCommand)
  | ({ kind: 'drill' } & DrillCommand)
  | ({ kind: 'drill-report' } & DrillReportCommand)
  | ({ kind: 'status' } & StatusCommand)
  | ({ kind: 'exporter' } & ExporterCommand);

const configOption = { config: { type: 'string' } } satisfies ParseArgsConfig['options'];
const consoleOptions = { theme: { type: 'string' }, 'read-only': { type: 'boolean' } } satisfies ParseArgsConfig['options'];

interface Parsed {
  values: {
    help?: boolean;
    config?: string;
    scenario?: string;
    'base-port'?: string;
    json?: boolean;
    tls?: boolean;
    tag?: string;
    'ca-file'?: string;
    demo?: boolean;
    format?: string;
    'fail-on'?: string;
    theme?: string;
    'read-only'?: boolean;
    stopat?: string;
    as?: string;
    instance?: string;
    database?: string;
    plan?: string;
    since?: string;
    group?: string;
    mark?: string;
    target?: string;
    yes?: boolean;
    due?: boolean;
    listen?: string;
    user?: string;
    'password-env'?: string;
    'dry-run'?: boolean;
    host?: string;
  };
  positionals: string[];
}

function parse(args: string[], options: ParseArgsConfig['options'], maxPositionals: number): Parsed {
  try {
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (parsed.positionals.length > maxPositionals) {
      throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
    }
    // `--config ""` (an unset shell variable) must not quietly mean "the default file".
    for (const [name, value] of Object.entries(parsed.values as Record<string, unknown>)) {
      if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${name} is empty; give a value or leave the option out`);
    }
    return parsed as Parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // node's messages name the flag: "Unknown option '--frob'".
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** argv (without node and the script) to a command; anything unknown is a UsageError, never ignored. */
export function parseCommand(argv: string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') return { kind: 'help' };
    if (first === '--version' || first === '-v') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return { kind: 'version' };
    }
    const { values } = parse(argv, { ...configOption, ...consoleOptions }, 0);
    return values.help ? { kind: 'help' } : { kind: 'tui', config: values.config, theme: values.theme, readOnly: values['read-only'] ?? false };
  }
  if (first === 'demo') {
    const { values } = parse(rest, { ...consoleOptions, scenario: { type: 'string' } }, 0);
    return values.help
      ? { kind: 'help', topic: 'demo' }
      : { kind: 'demo', scenario: values.scenario ?? 'seeds', theme: values.theme, readOnly: values['read-only'] ?? false };
  }
  if (first === 'exporter') {
    const { values } = parse(rest, { ...configOption, demo: { type: 'boolean' }, scenario: { type: 'string' }, listen: { type: 'string' } }, 0);
    if (values.help) return { kind: 'help', topic: 'exporter' };
    if (values.demo && values.config) throw new UsageError('give --config or --demo, not both');
    if (values.scenario && !values.demo) throw new UsageError('--scenario goes with --demo');
    return { kind: 'exporter', config: values.config, demo: values.demo ?? false, scenario: values.scenario ?? 'seeds', listen: parseListen(values.listen ?? DEFAULT_LISTEN) };
  }
  if (first === 'journal') {
    const { values } = parse(
      rest,
      { format: { type: 'string' }, demo: { type: 'boolean' }, instance: { type: 'string' }, database: { type: 'string' }, plan: { type: 'string' }, since: { type: 'string' } },
      0,
    );
    if (values.help) return { kind: 'help', topic: 'journal' };
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format is text or json, not "${format}"`);
    if (values.since !== undefined && Number.isNaN(Date.parse(values.since.length === 10 ? `${values.since}T00:00:00Z` : values.since.replace(' ', 'T')))) {
      throw new UsageError(`--since is a time such as 2026-11-27 or "2026-11-27 09:00", not "${values.since}"`);
    }
    const filter = Object.fromEntries(Object.entries({ instance: values.instance, database: values.database, plan: values.plan, since: values.since }).filter(([, v]) => v !== undefined));
    return { kind: 'journal', format, demo: values.demo ?? false, filter };
  }
  if (first === 'plan') {
    const { values, positionals } = parse(
      rest,
      { ...configOption, demo: { type: 'boolean' }, scenario: { type: 'string' }, stopat: { type: 'string' }, as: { type: 'string' }, format: { type: 'string' }, group: { type: 'string' }, mark: { type: 'string' } },
      2,
    );
    if (values.help) return { kind: 'help', topic: 'plan' };
    const [instance, database] = positionals;
    if (values.group !== undefined) {
      if (positionals.length) throw new UsageError('give an instance and a database, or --group NAME, not both');
      if (!values.group) throw new UsageError('--group needs the name of a group of the inventory');
      if (values.as) throw new UsageError('--as restores one database under a new name; a group is restored over its databases');
      if (values.mark !== undefined && values.stopat !== undefined) throw new UsageError('give --stopat or --mark, not both');
      if (values.mark === '') throw new UsageError('--mark needs a mark name, or newest');
    } else if (values.mark !== undefined) throw new UsageError('--mark goes with --group: one database is restored to a point in time (--stopat)');
    else if (!instance || !database) throw new UsageError('plan needs an instance and a database, or a group: rpotop plan INSTANCE DATABASE | rpotop plan --group NAME');
    if (values.demo && values.config) throw new UsageError('give --config or --demo, not both');
    if (values.scenario && !values.demo) throw new UsageError('--scenario goes with --demo');
    const format = values.format ?? 'sql';
    if (format !== 'sql' && format !== 'json') throw new UsageError(`--format is sql or json, not "${format}"`);
    return { kind: 'plan', instance: instance ?? '', database: database ?? '', group: values.group, config: values.config, demo: values.demo ?? false, scenario: values.scenario ?? 'seeds', stopAt: values.mark === undefined ? values.stopat : values.mark.toLowerCase() === 'newest' ? 'mark' : `mark:${values.mark}`, as: values.as, format };
  }
  if (first === 'drill') {
    const { values, positionals } = parse(
      rest,
      { ...configOption, demo: { type: 'boolean' }, scenario: { type: 'string' }, target: { type: 'string' }, yes: { type: 'boolean' }, group: { type: 'string' }, due: { type: 'boolean' }, format: { type: 'string' } },
      2,
    );
    if (values.help) return { kind: 'help', topic: 'drill' };
    if (positionals.length === 1 && positionals[0] === 'report') {
      if (values.group !== undefined || values.due || values.target || values.yes) throw new UsageError('drill report takes --config or --demo and --format only');
      if (values.demo && values.config) throw new UsageError('give --config or --demo, not both');
      if (values.scenario && !values.demo) throw new UsageError('--scenario goes with --demo');
      const format = values.format ?? 'markdown';
      if (format !== 'markdown' && format !== 'json') throw new UsageError(`--format is markdown or json, not "${format}"`);
      return { kind: 'drill-report', config: values.config, demo: values.demo ?? false, scenario: values.scenario ?? 'seeds', format };
    }
    if (values.format !== undefined) throw new UsageError('--format goes with drill report');
    const [instance, database] = positionals;
    const ways = [instance !== undefined, values.group !== undefined, values.due === true].filter(Boolean).length;
    if (ways !== 1) throw new UsageError('drill needs an instance and a database, --group NAME or --due (one of them): rpotop drill INSTANCE DATABASE');
    if (instance !== undefined && !database) throw new UsageError('drill needs a database after the instance: rpotop drill INSTANCE DATABASE');
    if (values.demo && values.config) throw new UsageError('give --config or --demo, not both');
    if (values.scenario && !values.demo) throw new UsageError('--scenario goes with --demo');
    const selection = values.due ? { kind: 'due' as const } : values.group !== undefined ? { kind: 'group' as const, name: values.group } : { kind: 'one' as const, instance: instance!, database: database! };
    return { kind: 'drill', selection, target: values.target, config: values.config, demo: values.demo ?? false, scenario: values.scenario ?? 'seeds', yes: values.yes ?? false };
  }
  if (first === 'status') {
    const { values } = parse(
      rest,
      { ...configOption, demo: { type: 'boolean' }, scenario: { type: 'string' }, format: { type: 'string' }, 'fail-on': { type: 'string' } },
      0,
    );
    if (values.help) return { kind: 'help', topic: 'status' };
    if (values.demo && values.config) throw new UsageError('give --config or --demo, not both');
    if (values.scenario && !values.demo) throw new UsageError('--scenario goes with --demo');
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json' && format !== 'markdown') throw new UsageError(`--format is table, json or markdown, not "${format}"`);
    const failOn = values['fail-on'] ?? 'warn';
    if (failOn !== 'warn' && failOn !== 'breach') throw new UsageError(`--fail-on is warn or breach, not "${failOn}"`);
    return { kind: 'status', config: values.config, demo: values.demo ?? false, scenario: values.scenario ?? 'seeds', format, failOn };
  }
  if (first === 'sim') {
    const { values } = parse(rest, { scenario: { type: 'string' }, 'base-port': { type: 'string' }, json: { type: 'boolean' }, tls: { type: 'boolean' } }, 0);
    if (values.help) return { kind: 'help', topic: 'sim' };
    const port = values['base-port'];
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
      throw new UsageError(`--base-port takes a TCP port from 1 to 65535, not "${port}"`);
    }
    return { kind: 'sim', scenario: values.scenario ?? 'seeds', basePort: port === undefined ? undefined : Number(port), json: values.json ?? false, tls: values.tls ?? false };
  }
  if (first === 'config') {
    const [sub, ...subArgs] = rest;
    if (sub === '--help' || sub === '-h') return { kind: 'help', topic: 'config' };
    if (sub === 'add') {
      const { values, positionals } = parse(subArgs, { ...configOption, host: { type: 'string' }, user: { type: 'string' }, 'password-env': { type: 'string' }, tag: { type: 'string' }, 'dry-run': { type: 'boolean' } }, 1);
      if (values.help) return { kind: 'help', topic: 'config' };
      return { kind: 'config-add', name: positionals[0], host: values.host, user: values.user, passwordEnv: values['password-env'], tag: values.tag, config: values.config, dryRun: values['dry-run'] ?? false };
    }
    if (sub === 'import') {
      const [format, ...importArgs] = subArgs;
      if (format === '--help' || format === '-h') return { kind: 'help', topic: 'config' };
      if (format === 'cms') {
        const { values } = parse(importArgs, { ...configOption, host: { type: 'string' }, group: { type: 'string' }, demo: { type: 'boolean' }, user: { type: 'string' }, 'password-env': { type: 'string' }, 'dry-run': { type: 'boolean' }, 'ca-file': { type: 'string' } }, 0);
        if (values.help) return { kind: 'help', topic: 'config' };
        if (!values.host === !values.demo) throw new UsageError('config import cms needs --host HOST (the Central Management Server) or --demo, one of them');
        if (values.demo && values['ca-file']) throw new UsageError('--ca-file goes with --host: the demo fleet is reached as its inventory says');
        return { kind: 'config-import-cms', host: values.host ?? '', group: values.group, demo: values.demo ?? false, config: values.config, dryRun: values['dry-run'] ?? false, auth: { user: values.user ?? 'rpotop_monitor', passwordEnv: values['password-env'] }, caFile: values['ca-file'] };
      }
      if (format !== 'csv') throw new UsageError(`config import reads csv or cms (rpotop config import csv FILE | cms --host HOST), not "${format ?? ''}"`);
      const { values, positionals } = parse(importArgs, { ...configOption, user: { type: 'string' }, 'password-env': { type: 'string' }, 'dry-run': { type: 'boolean' } }, 1);
      if (values.help) return { kind: 'help', topic: 'config' };
      const [file] = positionals;
      if (!file) throw new UsageError('config import csv needs the CSV file: rpotop config import csv FILE');
      return { kind: 'config-import-csv', file, config: values.config, dryRun: values['dry-run'] ?? false, auth: { user: values.user ?? 'rpotop_monitor', passwordEnv: values['password-env'] } };
    }
    const { values } = parse(subArgs, sub === 'schema' ? {} : configOption, 0);
    if (values.help) return { kind: 'help', topic: 'config' };
    const config = values.config;
    switch (sub) {
      case 'path':
        return { kind: 'config-path', config };
      case 'check':
        return { kind: 'config-check', config };
      case 'init':
        return { kind: 'config-init', config };
      case 'schema':
        return { kind: 'config-schema' };
      case undefined:
        throw new UsageError('config needs a subcommand: path, check, init, add, import or schema');
      default:
        throw new UsageError(`unknown config subcommand "${sub}" (path, check, init, add, import or schema)`);
    }
  }
  throw new UsageError(`unknown command "${first}"`);
}
