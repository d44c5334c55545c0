import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { InstanceConfig } from '../../src/config/schema.js';
import { InstanceClient } from '../../src/sql/client.js';
import { connectWithoutNagle } from '../../src/sql/connector.js';
import { useSimFleet } from '../sim/helpers.js';

/**
 * The poller's connections go out with Nagle's algorithm off (src/sql/connector.ts): a poll batch is several
 * TDS packets, and with Nagle on each one after the first waited for the server's delayed acknowledgement.
 */

const sim = useSimFleet();

const clientOf = (port: number) => {
  const ep = sim.endpoint();
  return new InstanceClient({
    instance: { name: ep.name, host: ep.host, port, auth: { type: 'sql', user: ep.login }, encrypt: false, trustServerCertificate: true } as unknown as InstanceConfig,
    password: ep.password,
    caPem: null,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
  });
};

describe('the connection to a server', () => {
  it('turns Nagle off on the client socket before the login, and polls through it', async () => {
    const ep = sim.endpoint();
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const client = clientOf(ep.port);
    try {
      const result = await client.poll(0, 8, true);
      expect(result.databases.length).toBeGreaterThan(0);
      // The simulator turns it off on its own end too: the client's socket is the one whose peer is the server's port.
      const clientSide = noDelay.mock.contexts.filter((s) => (s as net.Socket).remotePort === ep.port);
      expect(clientSide.length).toBe(1);
      expect(noDelay.mock.calls[noDelay.mock.contexts.indexOf(clientSide[0])]).toEqual([true]);
    } finally {
      noDelay.mockRestore();
      await client.close();
    }
  });

  it('reports a refused connection as the driver does, naming the address', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = clientOf(port);
    try {
      await expect(client.poll(0, 8, true)).rejects.toThrow(/ECONNREFUSED|Failed to connect/);
    } finally {
      await client.close();
    }
  });
});

describe('connectWithoutNagle', () => {
  it('tries each address the name resolves to, as tedious connects in sequence', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    // The name resolves to an IPv6 address nothing listens on first, then to the server's.
    const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      const addresses = [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ];
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }) as unknown as Parameters<typeof connectWithoutNagle>[1];
    try {
      const socket = await connectWithoutNagle({ host: 'sql.example', port }, lookup, new AbortController().signal);
      expect(socket.remoteAddress).toBe('127.0.0.1');
      socket.destroy();
    } finally {
      server.close();
    }
  });

  it('gives up when tedious aborts the attempt (its connect timeout), with its reason', async () => {
    const controller = new AbortController();
    const attempt = connectWithoutNagle({ host: '127.0.0.1', port: 9 }, ((...args: unknown[]) => (args.at(-1) as (...a: unknown[]) => void)(null, '127.0.0.1', 4)) as never, controller.signal);
    controller.abort(new Error('connect timeout'));
    await expect(attempt).rejects.toThrow('connect timeout');
    await expect(connectWithoutNagle({ host: '127.0.0.1', port: 9 }, (() => undefined) as never, controller.signal)).rejects.toThrow('connect timeout');
  });
});
