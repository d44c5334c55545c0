import { createInterface } from 'node:readline/promises';
import { hasInvisible } from '../domain/visible.js';
import { parseServerName, type ImportedInstance } from './csv-import.js';
import { mergeAndReport } from './import-command.js';

export interface AddCommand {
  /** As rpotop shows the instance; asked for when absent. */
  name: string | undefined;
  /** host, host\instance or host,port, as SSMS takes a server name; asked for when absent. */
  host: string | undefined;
  user: string | undefined;
  passwordEnv: string | undefined;
  tag: string | undefined;
  config: string | undefined;
  dryRun: boolean;
}

/** Asks one question on the terminal and returns the line typed (echoed: never a password). */
export type LineAsk = (question: string) => Promise<string>;

/** A question on the terminal (stderr, so stdout keeps only the result); null when stdin is not a terminal. */
export function terminalAsk(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): LineAsk | null {
  if (!input.isTTY) return null;
  return async (question) => {
    const rl = createInterface({ input, output, terminal: true });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why an answer cannot be taken, or null. Each field is checked as it is typed, so the operator types it again. */
const checks = {
  name: (v: string) => (v.trim() === '' ? 'a name is needed' : hasInvisible(v) ? 'no control characters, line breaks or bidirectional marks' : null),
  host: (v: string) => (parseServerName(v) ? null : 'a host, host\\instance or host,port (as SSMS takes a server name)'),
  user: (v: string) => (v.trim() === '' || hasInvisible(v) ? 'a login name, printable' : null),
  passwordEnv: (v: string) => (v === '' || ENV_NAME.test(v) ? null : 'an environment variable name (letters, digits, _), or empty to be asked for the password at start'),
  tag: (v: string) => (hasInvisible(v) ? 'printable text, or empty' : null),
} as const;

/**
 * `rpotop config add`: one instance into the inventory, from the flags or, for what they leave out and
 * on a terminal, from questions (the login defaults to rpotop_monitor; the password is never asked here,
 * only the variable that will hold it). Merged, checked and written as the imports are: an instance the
 * inventory has is kept, a different one of the same name reported, nothing written with --dry-run.
 */
export async function runConfigAdd(cmd: AddCommand, out: NodeJS.WritableStream, err: NodeJS.WritableStream, ask: LineAsk | null): Promise<number> {
  const answer = async (field: keyof typeof checks, given: string | undefined, question: string, fallback?: string): Promise<string | { missing: string }> => {
    if (given !== undefined) {
      const wrong = checks[field](given);
      return wrong ? { missing: `--${field === 'passwordEnv' ? 'password-env' : field}: ${wrong}` } : given;
    }
    if (fallback !== undefined && !ask) return fallback;
    if (!ask) return { missing: `${field === 'name' ? 'NAME' : '--host SERVER'} is needed and there is no terminal to ask on (rpotop config add NAME --host SERVER)` };
    for (;;) {
      const typed = (await ask(question)).trim();
      const value = typed === '' && fallback !== undefined ? fallback : typed;
      const wrong = checks[field](value);
      if (!wrong) return value;
      err.write(`  ${wrong}\n`);
    }
  };
  const name = await answer('name', cmd.name, 'Name (as rpotop shows it, e.g. AXSQL01): ');
  if (typeof name !== 'string') return usage(err, name.missing);
  const host = await answer('host', cmd.host, 'Server (host, host\\instance or host,port): ');
  if (typeof host !== 'string') return usage(err, host.missing);
  const user = await answer('user', cmd.user, 'Login [rpotop_monitor]: ', 'rpotop_monitor');
  if (typeof user !== 'string') return usage(err, user.missing);
  const passwordEnv = await answer('passwordEnv', cmd.passwordEnv, 'Environment variable holding its password (empty: asked for at start): ', '');
  if (typeof passwordEnv !== 'string') return usage(err, passwordEnv.missing);
  const tag = await answer('tag', cmd.tag, 'Tag (optional, e.g. production): ', '');
  if (typeof tag !== 'string') return usage(err, tag.missing);
  const server = parseServerName(host)!;
  const row: ImportedInstance = { from: 'the command', name: name.trim(), host: server.host, port: server.port, ...(server.instanceName ? { instanceName: server.instanceName } : {}), group: tag || undefined };
  return mergeAndReport([row], { config: cmd.config, dryRun: cmd.dryRun, auth: { user, passwordEnv: passwordEnv || undefined } }, out);
}

function usage(err: NodeJS.WritableStream, message: string): number {
  err.write(`rpotop: config add: ${message}\n`);
  return 2;
}
