/** A growable little-endian buffer writer for TDS tokens. */
export class Writer {
  private buf: Buffer;
  length = 0;

  constructor(initial = 256) {
    this.buf = Buffer.alloc(initial);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
    return this;
  }
  u16be(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.length);
    this.length += 2;
    return this;
  }
  i16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
    return this;
  }
  u32be(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
    return this;
  }
  i64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.length);
    this.length += 8;
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.length);
    this.length += 8;
    return this;
  }
  f32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** Writes a little-endian unsigned integer of `size` bytes. */
  uintN(v: bigint, size: number): this {
    this.ensure(size);
    let x = v;
    for (let i = 0; i < size; i++) {
      this.buf[this.length + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.length += size;
    return this;
  }
  /** B_VARCHAR: one byte of length in characters, then UCS-2. */
  bVarchar(s: string): this {
    return this.u8(s.length).bytes(Buffer.from(s, 'utf16le'));
  }
  /** US_VARCHAR: two bytes of length in characters, then UCS-2. */
  usVarchar(s: string): this {
    return this.u16(s.length).bytes(Buffer.from(s, 'utf16le'));
  }
  /** Reserves a u16 to patch once the token's length is known. */
  placeholder16(): number {
    const at = this.length;
    this.u16(0);
    return at;
  }
  patch16(at: number, v: number): void {
    this.buf.writeUInt16LE(v, at);
  }
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
