/**
 * MSB-first bit writer and reader for the ECG codec (protocol/ecg-codec.ts).
 * The reader never reads past its end: every overrun is a ChasquiError with
 * CHASQUI_ERR_ECG_FORMAT, because its input comes from the network.
 */
import { ChasquiError } from '../lib/errors.js';

function formatError(message: string): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

/** Appends bits to a growable byte array; whole bytes leave the accumulator at once. */
export class BitWriter {
  private buf: Uint8Array;
  private len = 0;
  // At most 7 pending bits between calls, so `acc << 24 | value` stays inside 31 bits.
  private acc = 0;
  private accBits = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private ensure(extraBytes: number): void {
    if (this.len + extraBytes <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extraBytes) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  writeByte(value: number): void {
    this.writeBits(value & 0xff, 8);
  }

  /** Write the low `n` bits of `value` (0 ≤ n ≤ 24), most significant first. */
  writeBits(value: number, n: number): void {
    if (n === 0) return;
    this.acc = (this.acc << n) | (value & ((1 << n) - 1));
    this.accBits += n;
    this.ensure(4);
    while (this.accBits >= 8) {
      this.accBits -= 8;
      this.buf[this.len++] = (this.acc >>> this.accBits) & 0xff;
    }
    this.acc &= (1 << this.accBits) - 1;
  }

  /** `q` zero bits then a one: the unary quotient of a Rice code. */
  writeUnary(q: number): void {
    while (q >= 24) {
      this.writeBits(0, 24);
      q -= 24;
    }
    this.writeBits(1, q + 1);
  }

  /** Pad the last byte with zero bits and return the bytes written. */
  finish(): Uint8Array {
    if (this.accBits > 0) this.writeBits(0, 8 - this.accBits);
    return this.buf.slice(0, this.len);
  }
}

/** Reads bits MSB-first from `bytes`, starting at byte `startByte`. */
export class BitReader {
  private pos: number;
  private readonly end: number;

  constructor(private readonly bytes: Uint8Array, startByte = 0) {
    this.pos = startByte * 8;
    this.end = bytes.length * 8;
  }

  get remainingBits(): number {
    return this.end - this.pos;
  }

  /** Read `n` bits (0 ≤ n ≤ 24) as an unsigned number. */
  readBits(n: number): number {
    if (n === 0) return 0;
    if (this.end - this.pos < n) throw formatError('truncated data');
    let v = 0;
    let pos = this.pos;
    const bytes = this.bytes;
    while (n > 0) {
      const off = pos & 7;
      const avail = 8 - off;
      const take = avail < n ? avail : n;
      const b = bytes[pos >>> 3] as number;
      v = (v << take) | ((b >>> (avail - take)) & ((1 << take) - 1));
      n -= take;
      pos += take;
    }
    this.pos = pos;
    return v;
  }

  /** Count zero bits up to the next one bit (consumed); more than `limit` zeros is corrupt. */
  readUnary(limit: number): number {
    let q = 0;
    let pos = this.pos;
    const bytes = this.bytes;
    for (;;) {
      if (pos >= this.end) throw formatError('truncated data in a Rice code');
      const off = pos & 7;
      const b = ((bytes[pos >>> 3] as number) << off) & 0xff;
      if (b === 0) {
        q += 8 - off;
        pos += 8 - off;
        if (q > limit) throw formatError('Rice quotient out of range');
      } else {
        const lz = Math.clz32(b) - 24;
        q += lz;
        pos += lz + 1;
        break;
      }
    }
    if (q > limit) throw formatError('Rice quotient out of range');
    this.pos = pos;
    return q;
  }
}
