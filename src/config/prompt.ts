import type { PasswordPrompt } from './credentials.js';

/**
 * Reads a password from the terminal without echoing it. Returns null when stdin is not a terminal
 * (scripts, CI): then a missing password is reported, never waited for.
 */
export function terminalPrompt(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): PasswordPrompt | null {
  if (!input.isTTY) return null;
  return (question) =>
    new Promise((resolve, reject) => {
      output.write(question);
      let value = '';
      input.setRawMode(true);
      input.resume();
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            done();
            output.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            done();
            output.write('\n');
            reject(new Error('cancelled'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      const done = () => {
        input.off('data', onData);
        input.setRawMode(false);
        input.pause();
      };
      input.on('data', onData);
    });
}
