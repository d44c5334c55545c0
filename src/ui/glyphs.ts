import { createContext } from 'react';

/**
 * The characters the console draws with. Jump hosts and serial consoles are not a laptop's terminal: under
 * LANG=C (or LC_ALL=C) or on a vt100 or dumb terminal, ✔ ▲ ✖ ⊘ ▶ … · arrive as question marks or mojibake,
 * so there each becomes one ASCII character of the same width (the status words stay, so nothing is lost).
 * Only rpotop's own glyphs are replaced: a database named Björn keeps its name.
 */
export type Glyphs = 'unicode' | 'ascii';

/** RPOTOP_GLYPHS=ascii|unicode decides; else the terminal type, then the locale (LC_ALL, LC_CTYPE, LANG, as C's setlocale reads them). */
export function glyphsFor(env: NodeJS.ProcessEnv): Glyphs {
  if (env.RPOTOP_GLYPHS === 'ascii' || env.RPOTOP_GLYPHS === 'unicode') return env.RPOTOP_GLYPHS;
  const term = env.TERM ?? '';
  if (term === 'dumb' || /^vt\d/.test(term)) return 'ascii';
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale) ? 'unicode' : 'ascii';
}

const ASCII: Record<string, string> = {
  '✔': '+',
  '▲': '^',
  '✖': 'X',
  '⊘': '#',
  '▶': '>',
  '▼': 'v',
  '…': '~',
  '·': '-',
  '─': '-',
  '│': '|',
  '≤': '<',
  '↑': '^',
  '↓': 'v',
  '→': '>',
  '⚠': '!',
  '↷': '>',
};
const GLYPH = new RegExp(`[${Object.keys(ASCII).join('')}]`, 'g');

export function toAscii(text: string): string {
  return text.replace(GLYPH, (c) => ASCII[c]!);
}

export const GlyphsContext = createContext<Glyphs>('unicode');
