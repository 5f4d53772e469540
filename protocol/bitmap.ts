/**
 * A fixed-size set of chunk indices, packed one bit per chunk (LSB first within
 * each byte) so that a whole transfer's state fits in one small message: a
 * 20 MB bundle in 8 KiB chunks is 320 bytes of bitmap.
 */
export class Bitmap {
  readonly size: number;
  private readonly bits: Uint8Array;
  private setCount = 0;

  constructor(size: number, bytes?: Uint8Array) {
    this.size = size;
    this.bits = new Uint8Array(Math.ceil(size / 8));
    if (bytes) {
      this.bits.set(bytes.subarray(0, this.bits.length));
      this.clearTail();
      this.setCount = countBits(this.bits);
    }
  }

  static full(size: number): Bitmap {
    const b = new Bitmap(size);
    for (let i = 0; i < size; i++) b.set(i);
    return b;
  }

  has(i: number): boolean {
    if (i < 0 || i >= this.size) return false;
    return ((this.bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  /** Returns true when the bit was newly set. */
  set(i: number): boolean {
    if (i < 0 || i >= this.size || this.has(i)) return false;
    this.bits[i >> 3] = (this.bits[i >> 3] ?? 0) | (1 << (i & 7));
    this.setCount++;
    return true;
  }

  get count(): number {
    return this.setCount;
  }

  get complete(): boolean {
    return this.setCount === this.size;
  }

  toBytes(): Uint8Array {
    return this.bits.slice();
  }

  *missing(): Generator<number> {
    for (let i = 0; i < this.size; i++) if (!this.has(i)) yield i;
  }

  private clearTail(): void {
    const extra = this.bits.length * 8 - this.size;
    if (extra > 0) this.bits[this.bits.length - 1]! &= 0xff >> extra;
  }
}

function countBits(bytes: Uint8Array): number {
  let n = 0;
  for (let b of bytes) {
    while (b) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}
