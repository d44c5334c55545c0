/**
 * The cross-frame cache must draw exactly what ink draws: frames are compared byte for byte with and
 * without it, from Output operations built to hit each path (styles that share an end code, wide and
 * combining characters, overlapping writes, transformers, vertical and horizontal clipping) and from
 * the console itself in colour through a run of keys.
 */
// Colour on, before ink's chalk is loaded, so the console's frames carry its escape codes.
process.env.FORCE_COLOR = '3';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKED_INK_VERSION, inkOutput, installFrameCache, type InkOutput } from '../../src/ui/ink-frame-cache.js';

const { render } = await import('ink-testing-library');
const { App } = await import('../../src/ui/App.js');
const { loadTheme } = await import('../../src/ui/theme.js');
const { FIXTURE_NOW, fixtureSnapshot } = await import('./fixture.js');

let uninstall: (() => void) | null = null;
afterEach(() => {
  uninstall?.();
  uninstall = null;
});

const RED = '\x1b[31m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const INVERSE = '\x1b[7m';
const ORANGE = '\x1b[38;5;208m';
const BG = '\x1b[48;2;10;20;30m';
const OFF = { fg: '\x1b[39m', intensity: '\x1b[22m', inverse: '\x1b[27m', bg: '\x1b[49m', all: '\x1b[0m' };
const upper = (line: string) => line.toUpperCase();
const numbered = (line: string, index: number) => `${index}:${line}`;

type Draw = (o: InkOutput) => void;
const frames: Record<string, { width: number; height: number; draw: Draw }> = {
  'plain rows, blank rows and trailing spaces': {
    width: 30,
    height: 6,
    draw: (o) => {
      o.write(0, 0, 'STATUS   INSTANCE   DATABASE  ', { transformers: [] });
      o.write(2, 3, 'x\ny\n\nz', { transformers: [] });
    },
  },
  'styles opened, changed, nested and closed': {
    width: 60,
    height: 4,
    draw: (o) => {
      o.write(0, 0, `${RED}✖ BREACH${OFF.fg} ${BOLD}${DIM}both${OFF.intensity} ${INVERSE}${ORANGE}▶ sel${OFF.fg}${OFF.inverse}`, { transformers: [] });
      o.write(0, 1, `${BG}${RED}bg and fg${OFF.all} after reset ${BOLD}bold to the end`, { transformers: [] });
      o.write(5, 2, `${DIM}dim${OFF.intensity}${BOLD}bold${OFF.intensity}`, { transformers: [] });
    },
  },
  'wide, combining and emoji characters': {
    width: 40,
    height: 3,
    draw: (o) => {
      o.write(0, 0, `${RED}日本語${OFF.fg} Åsa A\u030asa 👍🏽 🇸🇪 ✔\uFE0F end`, { transformers: [] });
      o.write(3, 1, '全角', { transformers: [] });
    },
  },
  'later writes over earlier ones, and past the width': {
    width: 20,
    height: 3,
    draw: (o) => {
      o.write(0, 0, `${RED}aaaaaaaaaaaaaaaaaaaa${OFF.fg}`, { transformers: [] });
      o.write(4, 0, `${BOLD}BBB${OFF.intensity}`, { transformers: [] });
      o.write(18, 1, 'overflowing text', { transformers: [] });
      o.write(1, 0, '日', { transformers: [] });
    },
  },
  'transformers with the line index': {
    width: 30,
    height: 4,
    draw: (o) => o.write(0, 0, 'one\ntwo\nthree', { transformers: [upper, numbered] }),
  },
  'vertical clipping (overflowY hidden)': {
    width: 20,
    height: 6,
    draw: (o) => {
      o.clip({ y1: 1, y2: 4 });
      o.write(0, 0, 'r0\nr1\nr2\nr3\nr4\nr5', { transformers: [] });
      o.write(0, 9, 'below the clip', { transformers: [] });
      o.unclip();
      o.write(10, 5, 'after unclip', { transformers: [] });
    },
  },
  'horizontal clipping (drawn by ink itself)': {
    width: 20,
    height: 3,
    draw: (o) => {
      o.clip({ x1: 2, x2: 8, y1: 0, y2: 3 });
      o.write(0, 0, `${RED}0123456789abc${OFF.fg}`, { transformers: [] });
      o.unclip();
    },
  },
};

async function drawAll(): Promise<string[]> {
  const { Output } = await inkOutput();
  return Object.values(frames).map(({ width, height, draw }) => {
    const o = new Output({ width, height });
    draw(o);
    return o.get().output;
  });
}

describe('ink frame cache', () => {
  it('installs on the ink version the lockfile pins', async () => {
    expect((await inkOutput()).version).toBe(CHECKED_INK_VERSION);
    uninstall = await installFrameCache();
    expect(uninstall).toBeTypeOf('function');
  });

  it('draws every kind of frame exactly as ink does, and again from its cache', async () => {
    const ink = await drawAll();
    expect(ink.join('\n')).toContain(RED);
    uninstall = await installFrameCache();
    const cached = await drawAll();
    const again = await drawAll();
    for (const [i, name] of Object.keys(frames).entries()) {
      expect(cached[i], name).toBe(ink[i]);
      expect(again[i], name).toBe(ink[i]);
    }
    uninstall!();
    uninstall = null;
    expect(await drawAll()).toEqual(ink);
  });

  it('draws the console in colour exactly as ink does through a run of keys', async () => {
    const now = FIXTURE_NOW;
    const snapshot = fixtureSnapshot(now);
    const source = { snapshot: () => snapshot, subscribe: () => () => undefined, refresh: () => undefined };
    const keys = ['j', 'j', 'G', 'g', '\r', '\x1b', 'i', '\x1b', '?', '\x1b', '/', 'b', 'r', '\x1b'];
    const session = async (): Promise<string[]> => {
      const r = render(<App source={source} theme={loadTheme('default')} readOnly={false} size={{ columns: 120, rows: 30 }} now={() => now} />);
      const seen = [r.lastFrame() ?? ''];
      for (const k of keys) {
        r.stdin.write(k);
        await new Promise((resolve) => setTimeout(resolve, 80));
        seen.push(r.lastFrame() ?? '');
      }
      r.unmount();
      return seen;
    };
    const ink = await session();
    expect(ink[0]).toContain('\x1b[');
    expect(new Set(ink).size).toBeGreaterThan(4);
    uninstall = await installFrameCache();
    expect(await session()).toEqual(ink);
  });
});
