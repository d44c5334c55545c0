import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('the published package (npm pack)', () => {
  it('holds what an installed rpotop needs, and nothing of the repository that is not for it', () => {
    // --ignore-scripts: dist/ is built by npm ci (prepare) before the tests run.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/bin.js',
      'dist/cli.js',
      'themes/default.json',
      'themes/monochrome.json',
      'scenarios/seeds.json',
      'schema/rpotop.schema.json',
      'deploy/prometheus/rpotop.rules.yml',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(src|test|bench|bench-build|docs|coverage|\.ci)\//.test(f) || /\.test\.|\.tsbuildinfo$/.test(f))).toEqual([]);
  }, 90_000);
});
