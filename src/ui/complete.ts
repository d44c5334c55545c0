import { SORT_KEYS } from './grid-model.js';

/** The `:` commands, and what each one's argument is chosen from. */
const VERBS = ['db', 'instance', 'sort', 'group', 'resume', 'quit'] as const;

export interface Completion {
  text: string;
  /** The choices left when more than one fits (for the prompt to show); empty when the text is complete. */
  choices: string[];
}

/** The longest start every choice shares, compared as names are (case-insensitive), in the first choice's case. */
function commonStart(choices: readonly string[]): string {
  let end = choices[0]!.length;
  for (const c of choices) {
    let i = 0;
    while (i < end && i < c.length && c[i]!.toLowerCase() === choices[0]![i]!.toLowerCase()) i++;
    end = i;
  }
  return choices[0]!.slice(0, end);
}

/**
 * Tab in the `:` prompt: the verb, then its argument (a database or instance name of the fleet, a sort
 * column, a grouping), completed as far as every candidate agrees; a single candidate is completed whole.
 */
export function completeCommand(text: string, names: { databases: readonly string[]; instances: readonly string[] }): Completion {
  const space = text.indexOf(' ');
  const complete = (prefix: string, pool: readonly string[], done: (c: string) => string, before = ''): Completion => {
    const choices = [...new Set(pool.filter((c) => c.toLowerCase().startsWith(prefix.toLowerCase())))].sort((a, b) => a.localeCompare(b));
    if (choices.length === 0) return { text, choices: [] };
    if (choices.length === 1) return { text: before + done(choices[0]!), choices: [] };
    return { text: before + commonStart(choices), choices };
  };
  if (space < 0) return complete(text, VERBS, (v) => `${v} `);
  const verb = text.slice(0, space).toLowerCase();
  const arg = text.slice(space + 1);
  const pool =
    verb === 'db' ? names.databases : verb === 'instance' ? names.instances : verb === 'sort' ? SORT_KEYS : verb === 'group' ? ['instance', 'group', 'none'] : [];
  return complete(arg, pool, (c) => c, `${text.slice(0, space)} `);
}
