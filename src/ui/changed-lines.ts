/**
 * Writes only the lines of a frame that changed, where ink redraws the whole frame.
 *
 * Idle, the console changes one line a second (the header's "polled N s ago"), yet ink 6.8 in its
 * standard mode erases and rewrites every line of every frame: some 6 KB a second at 160x50, which an SSH
 * link over a slow VPN feels. ink's own incremental mode miscounts by one line when a frame ends with a
 * newline, as every non-fullscreen frame does (it moves up one line too few and draws the frame one row
 * down), so rpotop keeps ink's standard mode and rewrites its output here: a frame that erases the
 * previous one (ink's eraseLines, then the new text) and has as many lines becomes, for each line that
 * differs, a move to that line, an erase of it and its new text, then a move back to where ink left the
 * cursor (the line after the frame). The terminal ends up with the same screen either way. Anything else
 * (the first frame, a frame of another height, a clear on resize, a write this does not recognise) goes
 * through as it is, and the next frame is drawn whole.
 */

const ESC = '\x1b[';
/** ink's eraseLines(n) (ansi-escapes): n erase-line commands with a cursor-up between, then column 1. */
const ERASE_LINES = /^((?:\x1b\[2K\x1b\[1A)*)\x1b\[2K\x1b\[G/;
/** Writes that leave the screen's text alone: synchronized-update brackets (ink's bsu/esu), cursor shown or hidden. */
const NEUTRAL = new Set([`${ESC}?2026h`, `${ESC}?2026l`, `${ESC}?25l`, `${ESC}?25h`]);

export class ChangedLines {
  /** The frame on screen, split at its newlines (the last element is the empty line the cursor is on); null: unknown. */
  private onScreen: string[] | null = null;

  /** The screen may have changed under the frame (a resize reflows it): the next frame is drawn whole. */
  forget(): void {
    this.onScreen = null;
  }

  /** What to send the terminal for one of ink's writes. */
  next(chunk: string): string {
    if (NEUTRAL.has(chunk)) return chunk;
    const erase = ERASE_LINES.exec(chunk);
    const body = erase ? chunk.slice(erase[0].length) : chunk;
    const erased = erase ? erase[1]!.length / `${ESC}2K${ESC}1A`.length + 1 : 0;
    const before = this.onScreen;
    // A frame is text ending with a newline; anything else may have moved the cursor or changed the screen.
    if (!body.endsWith('\n')) {
      this.onScreen = null;
      return chunk;
    }
    const lines = body.split('\n');
    this.onScreen = lines;
    // Only over exactly the frame this knows is on screen, and as tall.
    if (!erase || !before || erased !== before.length || before.length !== lines.length) return chunk;
    const last = lines.length - 1;
    let out = '';
    let row = last;
    for (let i = 0; i < last; i++) {
      if (lines[i] === before[i]) continue;
      out += move(row, i) + `\r${ESC}2K${lines[i]}`;
      row = i;
    }
    return out === '' ? '' : `${out}${move(row, last)}\r`;
  }
}

/** The cursor from one row of the frame to another, in the same column. */
function move(from: number, to: number): string {
  if (to === from) return '';
  return to < from ? `${ESC}${from - to}A` : `${ESC}${to - from}B`;
}

/**
 * The terminal stream ink is given: the real one, its writes passed through ChangedLines. Sizes,
 * resize events and everything else are the real stream's.
 */
export function writingChangedLines(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  const frames = new ChangedLines();
  stdout.on('resize', () => frames.forget());
  return new Proxy(stdout, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) => {
          const text = typeof chunk === 'string' ? frames.next(chunk) : chunk;
          // Nothing changed: nothing is sent, but a caller waiting on the write still hears back.
          if (text === '') {
            const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
            if (done) queueMicrotask(done);
            return true;
          }
          return (target.write as (...args: unknown[]) => boolean)(text, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
