import { HEADER_LENGTH, PacketStatus } from './constants.js';

export interface Message {
  type: number;
  status: number;
  data: Buffer;
}

/**
 * Reassembles TDS messages from a byte stream: packets of one message share a type and the last one
 * carries EOM. An ATTENTION packet can arrive while a response is being written; it is delivered as
 * its own message.
 */
export class MessageAssembler {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partType = -1;

  constructor(private readonly onMessage: (m: Message) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new RangeError(`TDS packet length ${length} is shorter than its header`);
      if (this.pending.length < length) return;
      const type = this.pending.readUInt8(0);
      const status = this.pending.readUInt8(1);
      const body = this.pending.subarray(HEADER_LENGTH, length);
      this.pending = this.pending.subarray(length);
      if (this.partType !== -1 && type !== this.partType) {
        throw new RangeError(`TDS packet of type 0x${type.toString(16)} inside a message of type 0x${this.partType.toString(16)}`);
      }
      this.partType = type;
      this.parts.push(Buffer.from(body));
      if (status & PacketStatus.EOM) {
        const data = Buffer.concat(this.parts);
        this.parts = [];
        this.partType = -1;
        this.onMessage({ type, status, data });
      }
    }
  }
}

/** Splits one message into packets of at most `packetSize` bytes (header included). */
export function toPackets(type: number, data: Buffer, packetSize: number, spid: number): Buffer[] {
  const room = packetSize - HEADER_LENGTH;
  const packets: Buffer[] = [];
  let packetId = 1;
  for (let offset = 0; offset < data.length || packets.length === 0; offset += room) {
    const chunk = data.subarray(offset, offset + room);
    const last = offset + room >= data.length;
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(type, 0);
    header.writeUInt8(last ? PacketStatus.EOM : 0, 1);
    header.writeUInt16BE(HEADER_LENGTH + chunk.length, 2);
    header.writeUInt16BE(spid, 4);
    header.writeUInt8(packetId++ % 256, 6);
    header.writeUInt8(0, 7);
    packets.push(Buffer.concat([header, chunk]));
  }
  return packets;
}
