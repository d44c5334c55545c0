import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import type { FleetSnapshot } from '../../src/fleet/snapshot.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatTable } from '../../src/report/table.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { scenarioSchema } from '../../src/sim/scenario.js';
import { makeTestCertificates, type TestCertificates } from '../../src/sim/tls-cert.js';
import { smallScenario } from '../sim/helpers.js';

/**
 * What `encrypt` promises, through the real driver against the simulator: a plain one (which, like a SQL
 * Server without a certificate, answers PRELOGIN with NOT_SUP) and one that speaks TDS 8 (TLS first).
 */

const LOGIN7 = 0x10;
const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-tls-'));
let certs: TestCertificates;
let plain: SimFleet;
let strict: SimFleet;
let plainEp: Endpoint;
let strictEp: Endpoint;
let caFile: string;

beforeAll(async () => {
  certs = makeTestCertificates();
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, certs.ca);
  plain = new SimFleet({ scenario: scenarioSchema.parse(smallScenario()), manualClock: true });
  [plainEp] = (await plain.start()) as [Endpoint];
  strict = new SimFleet({ scenario: scenarioSchema.parse(smallScenario()), manualClock: true, tls: certs });
  [strictEp] = (await strict.start()) as [Endpoint];
});
afterAll(async () => {
  await plain?.stop();
  await strict?.stop();
});

/**
 * A loopback proxy that records the type of every TDS packet the client sends (the first byte of each
 * 8-byte header), as someone on the network would see them.
 */
async function recordingProxy(target: Endpoint): Promise<{ port: number; sent: number[]; close(): Promise<void> }> {
  const sent: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= pending.readUInt16BE(2)) {
        sent.push(pending[0]!);
        pending = pending.subarray(pending.readUInt16BE(2));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function pollOnce(ep: Endpoint, instance: Partial<ConfigInput['instances'][number]>, port = ep.port): Promise<FleetSnapshot> {
  const input: ConfigInput = {
    version: 1,
    fleet: 'tls',
    poll: { connectTimeoutSeconds: 5, requestTimeoutSeconds: 10 },
    instances: [{ name: 'SQLTEST', host: ep.host, port, auth: { type: 'sql', user: ep.login, passwordEnv: 'PW' }, ...instance }],
  };
  const poller = new FleetPoller({ inventory: resolveInventory(configSchema.parse(input)), env: { PW: ep.password }, prompt: null });
  try {
    await poller.pollAll();
    return poller.snapshot();
  } finally {
    await poller.stop();
  }
}

describe('"encrypt": true requires TLS', () => {
  it('never sends the login to a server that does not offer encryption, and says why', async () => {
    const proxy = await recordingProxy(plainEp);
    try {
      const s = await pollOnce(plainEp, { encrypt: true }, proxy.port);
      const i = s.instances[0]!;
      expect(i.status).toBe('UNKNOWN');
      expect(i.error).toMatch(/refused to log in: the server does not offer encryption \(its PRELOGIN answer: NOT_SUP\).*the password was not sent/);
      expect(proxy.sent.length).toBeGreaterThan(0);
      // PRELOGIN went out; LOGIN7, which carries the password, never did.
      expect(proxy.sent).not.toContain(LOGIN7);
      expect(formatTable(s, false)).toContain('the password was not sent');
    } finally {
      await proxy.close();
    }
  });

  it('with "prefer", logs in over cleartext and shows it on every surface', async () => {
    const proxy = await recordingProxy(plainEp);
    try {
      const s = await pollOnce(plainEp, { encrypt: 'prefer' }, proxy.port);
      const i = s.instances[0]!;
      expect(proxy.sent).toContain(LOGIN7);
      expect(i).toMatchObject({ status: 'OK', encryption: { mode: 'prefer', configured: true, inForce: false } });
      expect(i.findings.map((f) => [f.code, f.severity])).toEqual([['cleartext-link', 'warning']]);
      expect(formatTable(s, false)).toMatch(/WARN +SQLTEST +\(link\).*CLEARTEXT link although the inventory asks for TLS/);
      expect(formatTable(s, false)).toContain('tls: 1 link(s) CLEARTEXT;');
      expect(formatMarkdown(s)).toContain('1 link(s) CLEARTEXT');
      expect(formatMarkdown(s)).toContain('- SQLTEST (127.0.0.1,');
    } finally {
      await proxy.close();
    }
  });

  it('with false, asks for nothing and reports nothing', async () => {
    const s = await pollOnce(plainEp, { encrypt: false });
    expect(s.instances[0]).toMatchObject({ status: 'OK', encryption: { mode: 'off', configured: false, inForce: false }, findings: [] });
    expect(formatTable(s, false)).not.toContain('CLEARTEXT');
  });
});

describe('"encrypt": "strict" (TDS 8)', () => {
  it('logs in over TLS when the certificate checks out against the CA in caFile', async () => {
    const s = await pollOnce(strictEp, { encrypt: 'strict', caFile });
    expect(s.instances[0]).toMatchObject({ status: 'OK', error: null, encryption: { mode: 'strict', inForce: true }, findings: [] });
    expect(s.databases.length).toBeGreaterThan(0);
  });

  it('refuses a certificate that does not name the server, and one no trusted CA signed', async () => {
    const wrongName = await pollOnce(strictEp, { encrypt: 'strict', caFile, hostNameInCertificate: 'sql.example.com' });
    expect(wrongName.instances[0]!.status).toBe('UNKNOWN');
    expect(wrongName.instances[0]!.error).toMatch(/certificate|altnames|Hostname/i);
    const untrusted = await pollOnce(strictEp, { encrypt: 'strict' });
    expect(untrusted.instances[0]!.status).toBe('UNKNOWN');
    expect(untrusted.instances[0]!.error).toMatch(/certificate/i);
  });

  it('makes an instance whose caFile cannot be read UNKNOWN, never unchecked', async () => {
    const s = await pollOnce(strictEp, { encrypt: 'strict', caFile: path.join(dir, 'absent.pem') });
    expect(s.instances[0]).toMatchObject({ status: 'UNKNOWN', error: `caFile ${path.join(dir, 'absent.pem')}: no such file` });
  });

  it('cannot reach a TDS 8 server by asking for TLS inside TDS', async () => {
    const s = await pollOnce(strictEp, { encrypt: true, caFile });
    expect(s.instances[0]!.status).toBe('UNKNOWN');
  });
});
