/**
 * The alternate screen: ink 6 has no helper, so rpotop writes the escape sequences itself and undoes
 * them on every way out (normal exit, a signal, a crash), leaving the terminal as it found it.
 */
const ENTER = '\x1b[?1049h\x1b[H';
const LEAVE = '\x1b[?1049l';

export function enterAlternateScreen(stdout: NodeJS.WriteStream = process.stdout): () => void {
  if (!stdout.isTTY) return () => undefined;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(`\x1b[?25h${LEAVE}`);
    process.off('exit', restore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.kill(process.pid, signal);
  };
  stdout.write(ENTER);
  process.once('exit', restore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  return restore;
}
