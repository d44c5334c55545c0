/** Failures an instance can be told to show, for tests and for the demo's UNKNOWN rows. */
export interface Faults {
  /** Stop listening: connections are refused (ECONNREFUSED). */
  refuse: boolean;
  /** Accept, then never answer the login. */
  hangLogin: boolean;
  /** Log in, then never answer a query (an ATTENTION still ends it, as on a blocked server). */
  hangQuery: boolean;
  /** Send the first packet of a multi-packet response, then drop the connection. */
  dropMidResult: boolean;
  /** Delay between the packets of a response. */
  slowPacketMs: number;
  /** The next N logins fail with error 40613 (database not currently available), then succeed. */
  transientLoginFailures: number;
  /**
   * Keep progress messages in the output buffer until the statement ends, as a server (or a proxy in
   * between) may: STATS percentages then arrive all at once, too late to show progress.
   */
  bufferMessages: boolean;
  /** Added before every response (login and requests): a round trip's latency. */
  latencyMs: number;
}

export const noFaults = (): Faults => ({
  refuse: false,
  hangLogin: false,
  hangQuery: false,
  dropMidResult: false,
  slowPacketMs: 0,
  transientLoginFailures: 0,
  bufferMessages: false,
  latencyMs: 0,
});

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
