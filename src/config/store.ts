import { existsSync } from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import envPaths from 'env-paths';
import { ConfigError, lineAndColumn, problemsFromZod } from './errors.js';
import { checkJsonText } from './json-text.js';
import { readRegularText, UnreadableFile } from './read-text.js';
import { configSchema, type Config } from './schema.js';
import { findInlineSecrets } from './secrets.js';

/** Overrides the inventory's location, like --config. */
export const CONFIG_ENV = 'RPOTOP_CONFIG';

export interface ConfigLocation {
  path: string;
  /** What chose it, for `rpotop config path`. */
  source: '--config' | typeof CONFIG_ENV | 'default';
}

const PROJECT = 'rpotop';

/**
 * conf, for writing only: it writes atomically (a temporary file, then rename). Constructing one reads
 * the file and creates its folder, so reading and locating never go through it.
 */
function openStore(file: string): Conf<Record<string, unknown>> {
  const extension = path.extname(file);
  return new Conf<Record<string, unknown>>({
    projectName: PROJECT,
    projectSuffix: '',
    clearInvalidConfig: false,
    cwd: path.dirname(file),
    configName: path.basename(file, extension),
    fileExtension: extension.replace(/^\./, ''),
  });
}

/**
 * --config (never empty: the command line refuses that), else $RPOTOP_CONFIG (empty counts as unset), else config.json in the platform's config
 * directory, the place conf itself chooses (the same env-paths call), found without creating it.
 */
export function locateConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigLocation {
  if (flag !== undefined) return { path: path.resolve(flag), source: '--config' };
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv) return { path: path.resolve(fromEnv), source: CONFIG_ENV };
  return { path: path.join(envPaths(PROJECT, { suffix: '' }).config, 'config.json'), source: 'default' };
}

/** Reads and validates the inventory; every way it can be wrong ends in a ConfigError that names the fix. */
export function loadConfig(location: ConfigLocation): Config {
  const file = location.path;
  let text: string;
  try {
    text = readRegularText(file);
  } catch (error) {
    if (!(error instanceof UnreadableFile)) throw error;
    if (error.missing) {
      throw new ConfigError(file, [
        { path: '(file)', message: 'no inventory here. Create one with `rpotop config init`, or try the demo fleet with `rpotop demo`' },
      ], 'no rpotop inventory');
    }
    throw new ConfigError(file, [{ path: '(file)', message: error.message }]);
  }
  const syntax = checkJsonText(text);
  if (syntax) {
    const { line, column } = lineAndColumn(text, syntax.offset);
    throw new ConfigError(file, [
      { path: '(file)', message: `not valid JSON at line ${line}, column ${column}: expected ${syntax.expected}, found ${syntax.found}` },
    ]);
  }
  const raw: unknown = JSON.parse(text);
  const secrets = findInlineSecrets(raw);
  if (secrets.length > 0) throw new ConfigError(file, secrets);
  // reportInput: without it every wrong type looks like a missing key to problemsFromZod. Never printed.
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(file, problemsFromZod(parsed.error.issues));
  return parsed.data;
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
  // conf builds the path from name and extension: "inv." would be written as "inv", another file.
  if (location.path.endsWith('.')) {
    throw new ConfigError(location.path, [
      { path: '(file)', message: 'a file name ending in "." cannot be written; choose a name such as inventory.json' },
    ], 'not written');
  }
  openStore(location.path).store = content;
}

/**
 * Changes an inventory through conf (atomic): `change` edits the file's JSON as written (defaults are not
 * spelled out into it), and the result must validate before anything is written. A missing file starts
 * empty. Returns what `change` returned; with `dryRun` nothing is written.
 */
export function updateConfig<T>(location: ConfigLocation, change: (raw: Record<string, unknown>) => T, dryRun = false): T {
  const file = location.path;
  let raw: Record<string, unknown> = { version: 1, instances: [] };
  if (existsSync(file)) {
    loadConfig(location);
    raw = JSON.parse(readRegularText(file)) as Record<string, unknown>;
  }
  const result = change(raw);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(file, problemsFromZod(parsed.error.issues), 'not written: the inventory would not be valid');
  const secrets = findInlineSecrets(raw);
  if (secrets.length > 0) throw new ConfigError(file, secrets, 'not written');
  if (!dryRun) openStore(file).store = raw;
  return result;
}
