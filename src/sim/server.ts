import net from 'node:net';
import tls from 'node:tls';
import { execute, liveSessions, type EngineEvent, type Session } from './engine.js';
import { answerTransactionManager } from './transaction-manager.js';
import { sqlErrors, type SqlError } from './errors.js';
import { noFaults, sleep, type Faults } from './faults.js';
import type { SimInstance } from './model.js';
import { parseDeclarations, parseTypeName, type BoundParam } from './params.js';
import { DoneStatus, Encryption, PacketStatus, PacketType } from './tds/constants.js';
import { buildPreloginResponse, parseLogin7, parsePrelogin } from './tds/login.js';
import { MessageAssembler, toPackets, type Message } from './tds/packets.js';
import { parseRpc, parseSqlBatch, type RpcCall } from './tds/rpc.js';
import {
  writeColMetadata,
  writeDone,
  writeEnvCollation,
  writeEnvDatabase,
  writeEnvLanguage,
  writeEnvPacketSize,
  writeLoginAck,
  writeMessage,
  writeReturnStatus,
  writeRow,
  type DoneKind,
} from './tds/tokens.js';
import { Writer } from './tds/writer.js';

export interface TlsMaterial {
  key: string;
  cert: string;
}

export interface ServerOptions {
  host?: string;
  port?: number;
  /** TDS 8 strict encryption: TLS before PRELOGIN, ALPN tds/8.0. Without it the server does not support encryption. */
  tls?: TlsMaterial;
}

const RESET_CONNECTION_ACK = 18;

function versionParts(version: string): [number, number, number] {
  const [major = 16, minor = 0, build = 0] = version.split('.').map(Number);
  return [major, minor, build];
}

/**
 * One simulated instance on a loopback port: speaks TDS 7.4 to any client, answers from the instance
 * model, and misbehaves on demand (faults).
 */
export class SimServer {
  faults: Faults = noFaults();
  private server: net.Server | tls.Server | null = null;
  private readonly connections = new Set<Connection>();
  private nextSpid = 51;
  port = 0;
  /** Bytes received and sent, for benchmarks. */
  readonly traffic = { bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly instance: SimInstance,
    readonly options: ServerOptions = {},
  ) {}

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  async start(): Promise<number> {
    const onSocket = (socket: net.Socket) => {
      const connection = new Connection(this, socket, this.nextSpid++, socket instanceof tls.TLSSocket);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    };
    const server = this.options.tls
      ? tls.createServer({ key: this.options.tls.key, cert: this.options.tls.cert, ALPNProtocols: ['tds/8.0'], minVersion: 'TLSv1.2' }, onSocket)
      : net.createServer(onSocket);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port || this.options.port || 0, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes faults; refusing closes the listener (ECONNREFUSED) and lifting it listens again on the same port. */
  async setFaults(change: Partial<Faults>): Promise<void> {
    const wasRefusing = this.faults.refuse;
    this.faults = { ...this.faults, ...change };
    if (this.faults.refuse && !wasRefusing) await this.stop();
    if (!this.faults.refuse && wasRefusing) await this.start();
  }
}

class Connection {
  private readonly assembler: MessageAssembler;
  private state = 'prelogin' as 'prelogin' | 'login' | 'ready' | 'closed';
  private packetSize = 4096;
  private session: Session | null = null;
  private queue: Promise<void> = Promise.resolve();
  private inFlight: { controller: AbortController; attention: boolean } | null = null;

  constructor(
    private readonly server: SimServer,
    private readonly socket: net.Socket,
    private readonly spid: number,
    private readonly encrypted: boolean,
  ) {
    this.assembler = new MessageAssembler((m) => this.onMessage(m));
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      server.traffic.bytesIn += chunk.length;
      try {
        this.assembler.push(chunk);
      } catch {
        this.destroy();
      }
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.state = 'closed';
      this.inFlight?.controller.abort();
    });
  }

  private get closed(): boolean {
    return this.state === 'closed' || this.socket.destroyed;
  }

  destroy(): void {
    this.state = 'closed';
    this.inFlight?.controller.abort();
    this.socket.destroy();
  }

  private get faults(): Faults {
    return this.server.faults;
  }

  private onMessage(message: Message): void {
    if (message.type === PacketType.ATTENTION) {
      if (this.inFlight) {
        this.inFlight.attention = true;
        this.inFlight.controller.abort();
      } else {
        this.queue = this.queue.then(() => this.sendAttentionAck());
      }
      return;
    }
    this.queue = this.queue.then(() => this.handle(message)).catch(() => this.destroy());
  }

  private async send(type: number, data: Buffer, opts: { dropMidway?: boolean; final?: boolean } = {}): Promise<void> {
    if (this.state === 'closed') return;
    const packets = toPackets(type, data, this.packetSize, this.spid);
    if (opts.final === false) {
      // A partial message: every packet goes without EOM.
      for (const p of packets) p.writeUInt8(p.readUInt8(1) & ~PacketStatus.EOM, 1);
    }
    for (let i = 0; i < packets.length; i++) {
      if (opts.dropMidway) {
        this.socket.write(packets[0]!.subarray(0, Math.max(9, Math.floor(packets[0]!.length / 2))));
        await sleep(20);
        this.destroy();
        return;
      }
      if (i > 0 && this.faults.slowPacketMs > 0) await sleep(this.faults.slowPacketMs);
      if (this.closed) return;
      this.server.traffic.bytesOut += packets[i]!.length;
      this.socket.write(packets[i]!);
    }
  }

  private async handle(message: Message): Promise<void> {
    if (this.state === 'closed') return;
    switch (this.state) {
      case 'prelogin':
        return this.onPrelogin(message);
      case 'login':
        return this.onLogin(message);
      case 'ready':
        return this.onRequest(message);
    }
  }

  private async onPrelogin(message: Message): Promise<void> {
    if (message.type !== PacketType.PRELOGIN) return this.destroy();
    parsePrelogin(message.data);
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const version = versionParts(this.server.instance.options.version);
    // Without TLS material this server does not support encryption; under TDS 8 TLS already wraps the link.
    await this.send(PacketType.TABULAR_RESULT, buildPreloginResponse(version, Encryption.NOT_SUP));
    this.state = 'login';
  }

  private async onLogin(message: Message): Promise<void> {
    if (message.type !== PacketType.LOGIN7) return this.destroy();
    const login = parseLogin7(message.data);
    const inst = this.server.instance;
    if (this.faults.hangLogin) return;
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const w = new Writer(512);
    const refuse = async (error: SqlError) => {
      writeMessage(w, { ...error, serverName: inst.name, procName: '', line: 1 });
      writeDone(w, 'DONE', DoneStatus.ERROR, 0);
      await this.send(PacketType.TABULAR_RESULT, w.toBuffer());
      this.socket.end();
      this.state = 'closed';
    };
    if (this.server.faults.transientLoginFailures > 0) {
      this.server.faults.transientLoginFailures -= 1;
      return refuse(sqlErrors.unavailable(login.database || 'master', inst.name));
    }
    if (login.integratedSecurity || login.userName !== inst.options.login || login.password !== inst.options.password) {
      return refuse(sqlErrors.loginFailed(login.userName));
    }
    const database = login.database || 'master';
    if (!inst.findDatabase(database)) {
      return refuse({ number: 4060, class: 11, state: 1, message: `Cannot open database "${database}" requested by the login. The login failed.` });
    }
    this.packetSize = Math.min(Math.max(login.packetSize || 4096, 512), 32767);
    const session: Session = { instance: inst, spid: this.spid, database, login: login.userName, encrypted: this.encrypted, connectedAt: inst.localNow() };
    this.session = session;
    let live = liveSessions.get(inst);
    if (!live) liveSessions.set(inst, (live = new Set()));
    live.add(session);
    this.socket.once('close', () => live.delete(session));
    // The order SQL Server uses: database, its message, collation, language, its message, LOGINACK, packet size, DONE.
    writeEnvDatabase(w, database, 'master');
    writeMessage(w, { number: 5701, state: 2, class: 0, message: `Changed database context to '${database}'.`, serverName: inst.name, procName: '', line: 1 });
    writeEnvCollation(w);
    writeEnvLanguage(w, 'us_english');
    writeMessage(w, { number: 5703, state: 1, class: 0, message: 'Changed language setting to us_english.', serverName: inst.name, procName: '', line: 1 });
    writeLoginAck(w, 'Microsoft SQL Server', versionParts(inst.options.version));
    writeEnvPacketSize(w, this.packetSize, 4096);
    writeDone(w, 'DONE', DoneStatus.FINAL, 0);
    await this.send(PacketType.TABULAR_RESULT, w.toBuffer());
    this.state = 'ready';
  }

  private async sendAttentionAck(): Promise<void> {
    const w = new Writer(16);
    writeDone(w, 'DONE', DoneStatus.ATTN, 0);
    await this.send(PacketType.TABULAR_RESULT, w.toBuffer());
  }

  private async onRequest(message: Message): Promise<void> {
    const session = this.session!;
    const controller = new AbortController();
    const flight = { controller, attention: false };
    this.inFlight = flight;
    const w = new Writer(1024);
    try {
      if (message.status & PacketStatus.RESET_CONNECTION) {
        w.u8(0xe3).u16(3).u8(RESET_CONNECTION_ACK).u8(0).u8(0);
        // Resetting a connection rolls back what it left open.
        session.transaction = null;
      }
      if (this.faults.latencyMs) await sleep(this.faults.latencyMs, controller.signal);
      if (this.faults.hangQuery) {
        await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      if (!controller.signal.aborted) {
        const flush = async () => {
          if (w.length === 0) return;
          await this.send(PacketType.TABULAR_RESULT, Buffer.from(w.toBuffer()), { final: false });
          w.length = 0;
        };
        if (message.type === PacketType.SQL_BATCH) {
          await this.writeEvents(w, execute(session, parseSqlBatch(message.data), new Map(), controller.signal), 'DONE', controller.signal, flush);
        } else if (message.type === PacketType.RPC) {
          await this.runRpc(w, session, parseRpc(message.data), controller.signal, flush);
        } else if (message.type === PacketType.TRANSACTION_MANAGER) {
          answerTransactionManager(w, session, message.data);
        } else {
          writeMessage(w, { ...sqlErrors.notSupported(`TDS message type 0x${message.type.toString(16)}`), serverName: session.instance.name, procName: '', line: 1 });
          writeDone(w, 'DONE', DoneStatus.ERROR, 0);
        }
      }
    } finally {
      this.inFlight = null;
    }
    if (flight.attention) {
      // End the message in flight with what was produced, then acknowledge in a message of its own:
      // clients read the cancelled request's response first and the acknowledgement after it.
      await this.send(PacketType.TABULAR_RESULT, Buffer.from(w.toBuffer()));
      await this.sendAttentionAck();
      return;
    }
    await this.send(PacketType.TABULAR_RESULT, w.toBuffer(), { dropMidway: this.faults.dropMidResult });
  }

  private async runRpc(w: Writer, session: Session, calls: RpcCall[], signal: AbortSignal, flush: () => Promise<void>): Promise<void> {
    for (const call of calls) {
      if (call.procedure.toLowerCase() !== 'sp_executesql') {
        writeMessage(w, { ...sqlErrors.noProcedure(call.procedure), serverName: session.instance.name, procName: '', line: 1 });
        writeDone(w, 'DONEPROC', DoneStatus.ERROR, 0);
        continue;
      }
      const [stmt, decl, ...values] = call.params;
      const declared = parseDeclarations(String(decl?.value ?? ''));
      const params = new Map<string, BoundParam>();
      for (const p of values) {
        const typeName = declared.get(p.name.toLowerCase()) ?? p.typeName;
        params.set(p.name.toLowerCase(), { value: p.value, type: parseTypeName(typeName) });
      }
      const failed = await this.writeEvents(w, execute(session, String(stmt?.value ?? ''), params, signal), 'DONEINPROC', signal, flush);
      if (signal.aborted) return;
      writeReturnStatus(w, 0);
      writeDone(w, 'DONEPROC', failed ? DoneStatus.ERROR : DoneStatus.FINAL, 0);
    }
  }

  /** Serialises engine events; the last DONE of a batch goes without MORE. Returns whether any statement failed. */
  private async writeEvents(
    w: Writer,
    events: AsyncGenerator<EngineEvent>,
    doneKind: DoneKind,
    signal: AbortSignal,
    flush: () => Promise<void>,
  ): Promise<boolean> {
    const inst = this.session!.instance;
    let pending: { count: number | null; error: boolean } | null = null;
    let failed = false;
    const writePending = (more: boolean) => {
      if (!pending) return;
      let status = more ? DoneStatus.MORE : DoneStatus.FINAL;
      if (pending.count !== null) status |= DoneStatus.COUNT;
      if (pending.error) status |= DoneStatus.ERROR;
      writeDone(w, doneKind, status, pending.count !== null ? 0xc1 : 0, pending.count ?? 0);
      pending = null;
    };
    for await (const ev of events) {
      if (signal.aborted) break;
      if (ev.kind !== 'flush') writePending(true);
      switch (ev.kind) {
        case 'rows':
          writeColMetadata(w, ev.columns);
          for (const row of ev.rows) writeRow(w, ev.columns, row);
          break;
        case 'message':
          writeMessage(w, { ...ev.error, serverName: inst.name, procName: '', line: ev.error.line ?? 1 });
          break;
        case 'done':
          pending = { count: ev.count, error: ev.error };
          failed ||= ev.error;
          break;
        case 'flush':
          if (!this.faults.bufferMessages) await flush();
          break;
      }
    }
    writePending(doneKind === 'DONEINPROC');
    return failed;
  }
}
