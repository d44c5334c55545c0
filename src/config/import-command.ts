import { readRegularText, UnreadableFile } from './read-text.js';
import { ConfigError } from './errors.js';
import { locateConfig, updateConfig } from './store.js';
import { mergeInstances, parseInstancesCsv, type ImportAuth } from './csv-import.js';
import { visible } from '../domain/visible.js';

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
