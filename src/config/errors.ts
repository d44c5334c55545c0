import type { z } from 'zod';
import { visible } from '../domain/visible.js';

/** One problem in an inventory file: where it is and what is expected there. */
export interface ConfigProblem {
  /** `instances[0].auth.passwordEnv`, or `(file)` for the file as a whole. */
  path: string;
  message: string;
}

/**
 * A config file that cannot be used. The message names the file, each path inside it and the fix; a key
 * or a name quoted from the file is escaped, so a line break or an escape sequence in it stays visible.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    headline = 'invalid rpotop inventory',
  ) {
    super(`${visible(file)}: ${headline}\n${problems.map((p) => `  ${visible(p.path)}: ${visible(p.message)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(top level)';
}

/** zod's issues in the words of this file format; values are never echoed (they may be secrets). */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    let message = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; \`rpotop config schema\` lists every key)`;
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      message = `missing (expected ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected})`;
    }
    return { path: formatPath(issue.path), message };
  });
}

/** Line and column of a character offset, for JSON syntax errors. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
