import { visible } from '../domain/visible.js';

/**
 * Copying through the terminal: OSC 52 asks the terminal emulator (local, so it works over SSH) to put
 * text on the clipboard; tmux passes it on with `set -g set-clipboard on`. Terminals cap what they accept
 * (xterm and others around 100 KB of the encoded text), so larger text is refused here with where to get it.
 */
export const OSC52_MAX_ENCODED = 100_000;

/** The escape sequence that copies `text`, every line made visible first (no escape sequence from a server rides along). */
export function osc52(text: string): string | null {
  const safe = text.split('\n').map(visible).join('\n');
  const encoded = Buffer.from(safe, 'utf8').toString('base64');
  return encoded.length > OSC52_MAX_ENCODED ? null : `\x1b]52;c;${encoded}\x07`;
}
