import type { EventEmitter } from 'node:events';
import { rootCertificates } from 'node:tls';
import type sql from 'mssql';
import { linkMode, type InstanceConfig } from '../config/schema.js';
import { connectWithoutNagle } from './connector.js';

/** The login was not sent: the server answered PRELOGIN without offering encryption, and the inventory requires it. */
export class CleartextRefused extends Error {
  constructor(answer: string) {
    super(
      `refused to log in: the server does not offer encryption (its PRELOGIN answer: ${answer || 'none'}) and the ` +
        'inventory requires it ("encrypt": true); the password was not sent. Give the server a certificate, use ' +
        '"encrypt": "strict" for TDS 8, or accept a cleartext login with "encrypt": "prefer"',
    );
    this.name = 'CleartextRefused';
  }
}

/** Node's curated CAs plus the instance's own: a private CA is added to the system's trust, not put in its place. */
function trustedAuthorities(caPem: string): string[] {
  return [...rootCertificates, caPem];
}

/**
 * Refuses the login before it is written. tedious falls back to a cleartext login when the server's PRELOGIN
 * answer does not offer encryption, even with `encrypt: true`: the LOGIN7 packet then carries the password
 * only XOR-scrambled. tedious decodes that answer and, with `debug.payload` on, reports it through its
 * 'debug' event synchronously, after reading it and before negotiating TLS or sending LOGIN7; an error thrown
 * there fails the connect and destroys the socket (tedious' connect catches it). The answer is the
 * "PreLogin - …" payload logged while the connection is in its SentPrelogin state (the client's own
 * PRELOGIN is logged before that state begins).
 */
function refuseCleartextLogin(connection: EventEmitter & { state?: { name?: string } }): void {
  connection.on('debug', (text: unknown) => {
    if (typeof text !== 'string' || connection.state?.name !== 'SentPrelogin' || !text.includes('PreLogin - ')) return;
    const answer = /encryption:0x[0-9A-Fa-f]{2}\((\w*)\)/.exec(text)?.[1] ?? '';
    // ON and REQ are the answers with which tedious negotiates TLS before the login (MS-TDS 2.2.6.5).
    if (answer !== 'ON' && answer !== 'REQ') throw new CleartextRefused(answer);
  });
}

/** The driver settings that open the link (its socket without Nagle's delay) and choose and check its encryption. `caPem` is the instance's caFile, read. */
export function linkSettings(instance: InstanceConfig, caPem: string | null): Partial<sql.config> {
  const mode = linkMode(instance.encrypt);
  const options = {
    encrypt: mode === 'strict' ? 'strict' : mode !== 'off',
    trustServerCertificate: instance.trustServerCertificate,
    ...(instance.hostNameInCertificate ? { serverName: instance.hostNameInCertificate } : {}),
    ...(caPem ? { cryptoCredentialsDetails: { ca: trustedAuthorities(caPem) } } : {}),
    ...(mode === 'require' ? { debug: { payload: true, packet: false, data: false, token: false } } : {}),
    connector: connectWithoutNagle,
  };
  return {
    options: options as sql.config['options'],
    ...(mode === 'require' ? { beforeConnect: refuseCleartextLogin as unknown as sql.config['beforeConnect'] } : {}),
  };
}
