import { z } from 'zod';
import { DataFolder } from '../data-file.js';

/**
 * Colour themes are data (themes/*.json) with semantic tokens, limited to the 16 ANSI colours so they
 * look right over SSH where COLORTERM is not forwarded. Every status also has a glyph, so meaning
 * survives the monochrome theme.
 */
const ansi = z.enum([
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray',
  'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
]);

const style = z.strictObject({
  fg: ansi.optional(),
  bg: ansi.optional(),
  bold: z.boolean().optional(),
  dim: z.boolean().optional(),
  inverse: z.boolean().optional(),
  underline: z.boolean().optional(),
});

export const TOKENS = [
  'status.OK', 'status.WARN', 'status.BREACH', 'status.UNPROTECTED', 'status.UNKNOWN',
  'title', 'header', 'muted', 'accent', 'selection', 'badge', 'error', 'timeline.full', 'timeline.diff', 'timeline.log', 'timeline.gap',
] as const;
export type Token = (typeof TOKENS)[number];

export const themeSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  tokens: z.strictObject(Object.fromEntries(TOKENS.map((t) => [t, style])) as Record<Token, typeof style>),
});

export type Style = z.output<typeof style>;
export type Theme = z.output<typeof themeSchema>;

const themes = new DataFolder('themes', 'theme', themeSchema);

export function themeNames(): string[] {
  return themes.names();
}

/** NO_COLOR (no-color.org) selects monochrome whatever was asked: chalk alone would not honour it. */
export function chooseTheme(requested: string, env: NodeJS.ProcessEnv): string {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? 'monochrome' : requested;
}

export function loadTheme(name: string): Theme {
  return themes.load(name);
}

/** Ink <Text> props for a token. */
export function textProps(theme: Theme, token: Token): { color?: string; backgroundColor?: string; bold?: boolean; dimColor?: boolean; inverse?: boolean; underline?: boolean } {
  const s = theme.tokens[token];
  return {
    ...(s.fg ? { color: s.fg } : {}),
    ...(s.bg ? { backgroundColor: s.bg } : {}),
    ...(s.bold ? { bold: true } : {}),
    ...(s.dim ? { dimColor: true } : {}),
    ...(s.inverse ? { inverse: true } : {}),
    ...(s.underline ? { underline: true } : {}),
  };
}
