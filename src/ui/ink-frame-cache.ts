/**
 * A cross-frame cache for ink 6.8's frame builder (Output.get).
 *
 * ink turns each frame into text cell by cell and keeps nothing between frames: every line of every
 * frame is tokenized again (Intl.Segmenter over each character), and every row is written back by
 * diffing the ANSI styles of each pair of neighbouring cells (three Sets and two filters per cell).
 * At 160x50 that was some 80% of the time from a key press to its frame (bench/render.ts, profiled).
 * Scrolling draws the same lines again at other rows, and a screen has a handful of distinct styles, so:
 * - what a line tokenizes to is kept across frames (bounded), its cells reused as they are;
 * - each distinct style list is one shared array, so neighbours in the same style compare by identity
 *   and each pair of distinct styles is diffed once.
 * The rest of Output.get is ink's own algorithm, kept line for line; frames with horizontal clipping
 * (which rpotop does not draw) go to ink's own get. Installed only on the ink version it was checked
 * against: test/ui/ink-frame-cache.test.tsx compares frames with and without it, byte for byte.
 * Upstream ink keeps its caches per frame (vadimdemedes/ink#835); this is the cross-frame half.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ansiCodesToString, diffAnsiCodes, type AnsiCode, type StyledChar } from '@alcalzone/ansi-tokenize';

/** The ink release whose Output internals this was written and tested against (package.json pins it). */
export const CHECKED_INK_VERSION = '6.8.0';
/** Lines kept across frames: a few screens' worth, some 8 KB each at 160 columns. */
const MAX_LINES = 512;

type Clip = { x1?: number; x2?: number; y1?: number; y2?: number };
type Transformer = (line: string, index: number) => string;
type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };
interface OutputCaches {
  getStyledChars(line: string): StyledChar[];
  getStringWidth(text: string): number;
}
export interface InkOutput {
  width: number;
  height: number;
  operations: Operation[];
  caches: OutputCaches;
  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void;
  clip(clip: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}
export type OutputClass = new (options: { width: number; height: number }) => InkOutput;

const EMPTY: AnsiCode[] = [];

/** One array per distinct style list, and the escape codes between any two of them, diffed once. */
class Styles {
  private readonly byKey = new Map<string, AnsiCode[]>([['', EMPTY]]);
  private readonly transitions = new Map<AnsiCode[], Map<AnsiCode[], string>>();

  intern(styles: AnsiCode[]): AnsiCode[] {
    const key = styles.map((s) => s.code).join('\u0000');
    let shared = this.byKey.get(key);
    if (!shared) this.byKey.set(key, (shared = styles));
    return shared;
  }

  /** What ink writes between a cell in `from` and one in `to` (from EMPTY: the opening codes). */
  between(from: AnsiCode[], to: AnsiCode[]): string {
    if (from === to) return '';
    let row = this.transitions.get(from);
    if (!row) this.transitions.set(from, (row = new Map()));
    let codes = row.get(to);
    if (codes === undefined) row.set(to, (codes = ansiCodesToString(diffAnsiCodes(from, to))));
    return codes;
  }
}

/** ink's styledCharsToString(cells).trimEnd(), with shared styles compared by identity. */
function rowText(cells: (StyledChar | undefined)[], styles: Styles): string {
  let text = '';
  let current = EMPTY;
  for (const cell of cells) {
    if (cell === undefined) continue;
    text += styles.between(current, cell.styles) + cell.value;
    current = cell.styles;
  }
  return (text + styles.between(current, EMPTY)).trimEnd();
}

function hasHorizontalClip(operations: Operation[]): boolean {
  return operations.some((op) => op.type === 'clip' && typeof op.clip.x1 === 'number' && typeof op.clip.x2 === 'number');
}

/** ink's Output.get for frames without horizontal clipping, over shared cells and styles. */
function buildFrame(this: InkOutput, styles: Styles, blank: StyledChar): { output: string; height: number } {
  const output: (StyledChar | undefined)[][] = [];
  for (let y = 0; y < this.height; y++) output.push(new Array<StyledChar>(this.width).fill(blank));
  const clips: Clip[] = [];
  for (const operation of this.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    if (operation.type === 'unclip') clips.pop();
    if (operation.type !== 'write') continue;
    let { y } = operation;
    let lines = operation.text.split('\n');
    const clip = clips.at(-1);
    if (clip && typeof clip.y1 === 'number' && typeof clip.y2 === 'number') {
      if (y + lines.length < clip.y1 || y > clip.y2) continue;
      const from = y < clip.y1 ? clip.y1 - y : 0;
      const to = y + lines.length > clip.y2 ? clip.y2 - y : lines.length;
      lines = lines.slice(from, to);
      if (y < clip.y1) y = clip.y1;
    }
    let offsetY = 0;
    for (let [index, line] of lines.entries()) {
      const row = output[y + offsetY];
      if (!row) continue;
      for (const transformer of operation.transformers) line = transformer(line, index);
      let offsetX = operation.x;
      for (const cell of this.caches.getStyledChars(line)) {
        row[offsetX] = cell;
        const width = Math.max(1, this.caches.getStringWidth(cell.value));
        // A wide character covers the cells after it.
        for (let i = 1; i < width; i++) row[offsetX + i] = { type: 'char', value: '', fullWidth: false, styles: cell.styles };
        offsetX += width;
      }
      offsetY++;
    }
  }
  return { output: output.map((row) => rowText(row, styles)).join('\n'), height: output.length };
}

/** The ink this process renders with: its version, and its Output module (not in ink's exports map). */
function locateInk(): { version: string; outputHref: string } {
  const entry = createRequire(import.meta.url).resolve('ink');
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return { version, outputHref: pathToFileURL(path.join(path.dirname(entry), 'output.js')).href };
}

/** ink's Output class, the very module ink renders with (ESM modules are one instance per URL). */
export async function inkOutput(): Promise<{ Output: OutputClass; version: string }> {
  const ink = locateInk();
  const { default: Output } = (await import(ink.outputHref)) as { default: OutputClass };
  return { Output, version: ink.version };
}

/**
 * Puts the cache in place in ink's Output (the same module instance ink renders with). Returns how to
 * take it out again, or null when the ink found is not the one checked, which then draws as it ships.
 */
export async function installFrameCache(): Promise<(() => void) | null> {
  const { Output, version } = await inkOutput();
  if (version !== CHECKED_INK_VERSION) return null;
  const probe = new Output({ width: 0, height: 0 });
  const cachesProto = Object.getPrototypeOf(probe.caches) as OutputCaches;
  const outputProto = Output.prototype as InkOutput;
  const inkGet = outputProto.get;
  const inkStyledChars = cachesProto.getStyledChars;
  if (typeof inkGet !== 'function' || typeof inkStyledChars !== 'function' || !Array.isArray(probe.operations)) return null;

  const styles = new Styles();
  const blank: StyledChar = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: EMPTY }) as StyledChar;
  const lines = new Map<string, StyledChar[]>();
  cachesProto.getStyledChars = function (this: OutputCaches, line: string): StyledChar[] {
    let cells = lines.get(line);
    if (!cells) {
      cells = inkStyledChars.call(this, line).map((c) => ({ ...c, styles: styles.intern(c.styles) }));
      // Oldest first out: a screen's lines are a few dozen, scrolling brings new ones in.
      if (lines.size >= MAX_LINES) lines.delete(lines.keys().next().value!);
      lines.set(line, cells);
    }
    return cells;
  };
  outputProto.get = function (this: InkOutput) {
    return hasHorizontalClip(this.operations) ? inkGet.call(this) : buildFrame.call(this, styles, blank);
  };
  return () => {
    cachesProto.getStyledChars = inkStyledChars;
    outputProto.get = inkGet;
  };
}
