import net from 'node:net';

/** What tedious hands its `connector` option: the address it resolved the instance to (SQL Browser's port included). */
interface ConnectTarget {
  host: string;
  port: number;
  localAddress?: string | undefined;
}

type Lookup = NonNullable<net.TcpSocketConnectOpts['lookup']>;

/**
 * Opens the TCP connection to a server with Nagle's algorithm off, as tedious' own connector does not. A
 * request longer than one TDS packet (4,096 bytes: every poll batch, whose text is 13 to 23 KB in UTF-16)
 * is written as several packets; with Nagle on, each packet after the first waits for the server to
 * acknowledge the one before, and the server delays that acknowledgement while it waits for the rest of the
 * request (40 ms on Linux, up to 200 ms on Windows) -- a stall on every poll of every instance that no query
 * plan explains. Node resolves the name and tries each of its addresses (autoSelectFamily), as tedious'
 * connector does in sequence; it is given tedious' lookup, and its abort signal closes the attempt.
 */
export function connectWithoutNagle(target: ConnectTarget, lookup: Lookup, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = net.connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}), lookup });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
    };
    const onAbort = () => {
      done();
      socket.destroy();
      reject(signal.reason);
    };
    const onError = (error: Error) => {
      done();
      socket.destroy();
      reject(error);
    };
    const onConnect = () => {
      done();
      socket.setNoDelay(true);
      resolve(socket);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}
