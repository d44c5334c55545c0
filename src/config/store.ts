import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { ConfigError, lineAndColumn, problemsFromZod } from './errors.js';
import { configSchema, type Config } from './schema.js';
import { findInlineSecrets } from './secrets.js';

/** Overrides the inventory's location, like --config. */
export const CONFIG_ENV = 'RPOTOP_CONFIG';

export interface ConfigLocation {
  path: string;
  /** What chose it, for `rpotop config path`. */
  source: '--config' | typeof CONFIG_ENV | 'default';
}

function openStore(file?: string): Conf<Record<string, unknown>> {
  const options = file
    ? {
        cwd: path.dirname(file),
        configName: path.basename(file, path.extname(file)),
        fileExtension: path.extname(file).replace(/^\./, ''),
      }
    : {};
  // conf writes atomically (write to a temporary file, then rename) and never discards an invalid file.
  return new Conf<Record<string, unknown>>({
    projectName: 'rpotop',
    projectSuffix: '',
    clearInvalidConfig: false,
    ...options,
  });
}

/** --config, else $RPOTOP_CONFIG, else conf's place in the platform's config directory. */
export function locateConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigLocation {
  if (flag) return { path: path.resolve(flag), source: '--config' };
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv) return { path: path.resolve(fromEnv), source: CONFIG_ENV };
  return { path: openStore().path, source: 'default' };
}

/** Reads and validates the inventory; every way it can be wrong ends in a ConfigError that names the fix. */
export function loadConfig(location: ConfigLocation): Config {
  const file = location.path;
  if (!existsSync(file)) {
    throw new ConfigError(file, [
      { path: '(file)', message: 'no inventory here. Create one with `rpotop config init`, or try the demo fleet with `rpotop demo`' },
    ], 'no rpotop inventory');
  }
  let raw: unknown;
  try {
    raw = openStore(file).store;
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: describeReadError(error, file) }]);
  }
  const secrets = findInlineSecrets(raw);
  if (secrets.length > 0) throw new ConfigError(file, secrets);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, problemsFromZod(parsed.error.issues));
  return parsed.data;
}

function describeReadError(error: unknown, file: string): string {
  if (error instanceof SyntaxError) {
    const position = /position (\d+)/.exec(error.message);
    let where = '';
    if (position) {
      const text = readTextQuietly(file);
      if (text !== null) {
        const { line, column } = lineAndColumn(text, Number(position[1]));
        where = ` at line ${line}, column ${column}`;
      }
    }
    return `not valid JSON${where}: ${error.message.replace(/ in JSON at position \d+.*$/, '')}`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  return `cannot be read: ${(error as Error).message}`;
}

function readTextQuietly(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Writes an inventory through conf (atomic). Refuses to replace an existing file: an operator's
 * inventory is never lost to a mistyped command.
 */
export function writeNewConfig(location: ConfigLocation, content: Record<string, unknown>): void {
  if (existsSync(location.path)) {
    throw new ConfigError(location.path, [
      { path: '(file)', message: 'already exists; rpotop will not overwrite an inventory. Edit it, or pass --config with a new file name' },
    ], 'not written');
  }
  const secrets = findInlineSecrets(content);
  if (secrets.length > 0) throw new ConfigError(location.path, secrets);
  openStore(location.path).store = content;
}
