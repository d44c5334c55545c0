import sql from 'mssql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { noFaults } from '../../src/sim/faults.js';
import type { Endpoint, SimFleet } from '../../src/sim/fleet.js';
import { scenarioSchema } from '../../src/sim/scenario.js';
import { SimFleet as Fleet } from '../../src/sim/fleet.js';
import { makeTestCertificates } from '../../src/sim/tls-cert.js';
import { describeError } from '../../src/sql/client.js';
import { connect, smallScenario, startFleet } from './helpers.js';

let fleet: SimFleet;
let ep: Endpoint;

beforeAll(async () => {
  const started = await startFleet();
  fleet = started.fleet;
  ep = started.endpoints[0]!;
});
afterEach(async () => {
  await fleet.server('SQLTEST').setFaults(noFaults());
});
afterAll(async () => {
  await fleet?.stop();
});

const server = () => fleet.server('SQLTEST');

async function failure<T>(p: Promise<T>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('faults on demand', () => {
  it('refuses connections, and listens again on the same port when lifted', async () => {
    await server().setFaults({ refuse: true });
    const error = await failure(connect(ep));
    expect(error.code).toBe('ESOCKET');
    expect(error.message).toMatch(/^Failed to connect to 127\.0\.0\.1:\d+/);
    await server().setFaults({ refuse: false });
    const pool = await connect(ep);
    expect(server().port).toBe(ep.port);
    await pool.close();
  });

  it('hangs at login until the client gives up', async () => {
    await server().setFaults({ hangLogin: true });
    const started = Date.now();
    const error = await failure(connect(ep, { connectionTimeout: 400 }));
    expect(error.code).toBe('ETIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('hangs a query until the request times out, and a cancel still ends it', async () => {
    // mssql validates a pooled connection with SELECT 1 on every acquire; against a hung server that
    // validation hangs too and the pool keeps replacing the connection, so it is checked at socket level.
    // A new connection would hang as well (its initial SET batch gets no answer): keep one warm.
    const pool = await connect(ep, { requestTimeout: 300, pool: { max: 1, min: 1 }, validateConnection: 'socket' } as Partial<sql.config>);
    try {
      await pool.request().query('SELECT 1 AS one');
      await server().setFaults({ hangQuery: true });
      const error = await failure(pool.request().query('SELECT 1 AS one'));
      expect(error.code).toBe('ETIMEOUT');
      // The driver's code is not a SQL Server message number: it is named as a code.
      expect(describeError(error)).toBe('Timeout: Request failed to complete in 300ms (ETIMEOUT)');
      await server().setFaults({ hangQuery: false });
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
    } finally {
      await pool.close();
    }
  });

  it('drops the connection in the middle of a result', async () => {
    const pool = await connect(ep, { pool: { max: 1, min: 0 } });
    try {
      await server().setFaults({ dropMidResult: true });
      const error = await failure(pool.request().query("SELECT @@VERSION AS v, 'a long enough row' AS pad"));
      expect(['ESOCKET', 'ECONNCLOSED']).toContain(error.code);
    } finally {
      await pool.close().catch(() => undefined);
    }
  });

  it('slows the packets of a response', async () => {
    const pool = await connect(ep, { options: { packetSize: 512 } as sql.config['options'] });
    try {
      const text = 'y'.repeat(3000); // 6000 bytes: a dozen packets of 512
      const fast = Date.now();
      await pool.request().input('t', sql.NVarChar(sql.MAX), text).query('SELECT @t AS t');
      const fastMs = Date.now() - fast;
      await server().setFaults({ slowPacketMs: 40 });
      const slow = Date.now();
      const r = await pool.request().input('t', sql.NVarChar(sql.MAX), text).query('SELECT @t AS t');
      expect(r.recordset[0].t).toBe(text);
      expect(Date.now() - slow).toBeGreaterThanOrEqual(fastMs + 10 * 40);
    } finally {
      await pool.close();
    }
  });

  it('fails a login with the transient error 40613, which the driver retries', async () => {
    await server().setFaults({ transientLoginFailures: 1 });
    const pool = await connect(ep, { options: { connectionRetryInterval: 50 } as sql.config['options'] });
    expect(server().faults.transientLoginFailures).toBe(0);
    await pool.close();
    await server().setFaults({ transientLoginFailures: 10 });
    const error = await failure(connect(ep, { options: { connectionRetryInterval: 20, maxRetriesOnTransientErrors: 1 } as sql.config['options'] }));
    expect(error.message).toContain('is not currently available');
  });

  it('adds latency to every round trip', async () => {
    const pool = await connect(ep);
    try {
      await server().setFaults({ latencyMs: 150 });
      const started = Date.now();
      await pool.request().query('SELECT 1 AS one');
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    } finally {
      await pool.close();
    }
  });
});

describe('TDS 8 strict encryption', () => {
  const certs = makeTestCertificates();
  let tlsFleet: Fleet;
  let tlsEp: Endpoint;
  beforeAll(async () => {
    tlsFleet = new Fleet({ scenario: scenarioSchema.parse(smallScenario()), manualClock: true, tls: certs });
    [tlsEp] = (await tlsFleet.start()) as [Endpoint];
  });
  afterAll(async () => tlsFleet?.stop());

  it('logs in over TLS with the CA pinned and reports the link as encrypted', async () => {
    const pool = await connect(tlsEp, {
      encrypt: 'strict',
      options: { serverName: 'localhost', cryptoCredentialsDetails: { ca: certs.ca } } as sql.config['options'],
    });
    try {
      const r = await pool.request().query('SELECT c.encrypt_option FROM sys.dm_exec_connections AS c WHERE c.session_id = @@SPID');
      expect(r.recordset[0].encrypt_option).toBe('TRUE');
    } finally {
      await pool.close();
    }
  });

  it('refuses the connection when the certificate cannot be verified', async () => {
    const error = await failure(connect(tlsEp, { encrypt: 'strict', options: { serverName: 'localhost' } as sql.config['options'] }));
    expect(error.message).toMatch(/certificate/i);
  });

  it('reports a cleartext link on the plain server even though the client asked for encryption', async () => {
    const pool = await connect(ep, { encrypt: true });
    try {
      const r = await pool.request().query('SELECT c.encrypt_option FROM sys.dm_exec_connections AS c WHERE c.session_id = @@SPID');
      expect(r.recordset[0].encrypt_option).toBe('FALSE');
    } finally {
      await pool.close();
    }
  });
});
