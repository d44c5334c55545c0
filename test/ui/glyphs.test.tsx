import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { GlyphsContext, glyphsFor, toAscii } from '../../src/ui/glyphs.js';
import type { SnapshotSource } from '../../src/ui/source.js';
import { loadTheme } from '../../src/ui/theme.js';
import { FIXTURE_NOW, fixtureSnapshot } from './fixture.js';

const mounted: { unmount(): void }[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

describe('terminals without Unicode', () => {
  it.each([
    [{ LANG: 'en_GB.UTF-8' }, 'unicode'],
    [{ LANG: 'C.utf8' }, 'unicode'],
    [{ LANG: 'en_GB.UTF-8', LC_ALL: 'C' }, 'ascii'],
    [{ LC_CTYPE: 'POSIX', LANG: 'en_US.UTF-8' }, 'ascii'],
    [{}, 'ascii'],
    [{ LANG: 'C.UTF-8', TERM: 'vt100' }, 'ascii'],
    [{ LANG: 'C.UTF-8', TERM: 'dumb' }, 'ascii'],
    [{ LANG: 'C', RPOTOP_GLYPHS: 'unicode' }, 'unicode'],
    [{ LANG: 'C.UTF-8', RPOTOP_GLYPHS: 'ascii' }, 'ascii'],
  ] as const)('%o draws %s', (env, glyphs) => {
    expect(glyphsFor(env)).toBe(glyphs);
  });

  it('replaces the console glyphs one for one, and nothing in a name', () => {
    expect(toAscii("✔ OK · ▲ WARN · ✖ BREACH · ⊘ UNPROTECTED ▶ ≤10 h… Björn ]Q'4")).toBe("+ OK - ^ WARN - X BREACH - # UNPROTECTED > <10 h~ Björn ]Q'4");
  });

  it('draws the whole console in ASCII, column for column', () => {
    const now = FIXTURE_NOW;
    const snapshot = fixtureSnapshot(now);
    const source: SnapshotSource = { snapshot: () => snapshot, subscribe: () => () => undefined, refresh: () => undefined };
    const app = (glyphs: 'ascii' | 'unicode') => {
      const r = render(
        <GlyphsContext.Provider value={glyphs}>
          <App source={source} theme={loadTheme('default')} readOnly={false} size={{ columns: 80, rows: 24 }} now={() => now} />
        </GlyphsContext.Provider>,
      );
      mounted.push(r);
      return (r.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
    };
    const unicode = app('unicode');
    const ascii = app('ascii');
    const glyphs = /[✔▲✖⊘▶▼…·─│≤↑↓→⚠↷]/;
    expect(unicode).toMatch(glyphs);
    expect(ascii).not.toMatch(glyphs);
    expect(ascii).toBe(toAscii(unicode));
    expect(ascii).toContain('X BREACH');
  });
});
