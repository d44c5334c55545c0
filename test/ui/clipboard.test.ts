import { describe, expect, it } from 'vitest';
import { OSC52_MAX_ENCODED, osc52 } from '../../src/ui/clipboard.js';

describe('copying through the terminal (OSC 52)', () => {
  it('encodes the text as base64 inside OSC 52, with what a server sent made visible first', () => {
    const sequence = osc52("Sales ]Q'4 Björn\n\x1b]0;owned\x07 \u202Eevil");
    expect(sequence).toMatch(/^\x1b\]52;c;[A-Za-z0-9+/=]+\x07$/);
    const decoded = Buffer.from(sequence!.slice('\x1b]52;c;'.length, -1), 'base64').toString('utf8');
    expect(decoded).toBe("Sales ]Q'4 Björn\n\\x1b]0;owned\\x07 \\u202eevil");
  });

  it('refuses what terminals would not take, rather than sending half of it', () => {
    expect(osc52('x'.repeat((OSC52_MAX_ENCODED / 4) * 3))).not.toBeNull();
    expect(osc52('x'.repeat((OSC52_MAX_ENCODED / 4) * 3 + 3))).toBeNull();
  });
});
