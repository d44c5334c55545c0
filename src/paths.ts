import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root (where package.json, themes/ and scenarios/ live), found from this
 * module whether it runs from src/ (tests) or dist/ (the built CLI).
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('rpotop: cannot find its package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}
