import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

/**
 * What F1 sends: xterm and tmux (ESC O P), the Linux console and rxvt (ESC [ 1 1 ~, ESC [ [ A). ink's
 * useInput reports a function key as an empty input with no flag set, so F1 cannot be told from F2 there.
 */
const F1 = new Set(['\x1bOP', '\x1b[11~', '\x1b[[A']);

/**
 * Calls `onF1` when F1 is pressed: help on the screens where every printable key, `?` included, is typed
 * text. Reads ink's own input events (one per key sequence it parsed), never stdin beside ink.
 */
export function useF1(onF1: () => void): void {
  const { internal_eventEmitter: events } = useStdin();
  // The latest handler, without listening anew on every render.
  const handler = useRef(onF1);
  handler.current = onF1;
  useEffect(() => {
    const onInput = (data: string) => {
      if (F1.has(data)) handler.current();
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events]);
}
