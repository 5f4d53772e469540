/**
 * Binary adaptive range coder for the ECG codec (protocol/ecg-codec.ts): the
 * carry-less range coder of LZMA (Igor Pavlov, LZMA SDK `LzmaEnc.c`
 * RangeEnc_EncodeBit / RangeEnc_ShiftLow and `LzmaDec.c`; the same scheme is
 * described in the xz file format's LZMA2 notes), with 12-bit probabilities.
 * Each decision costs −log2(p) bits, so a well-predicted residual bit costs
 * far less than the whole bit a Rice code spends.
 *
 * Each decision's probability is the mean of two estimates, one moving 1/16
 * and one 1/32 of the way to each outcome (fast to learn a short record,
 * steady on a long one; measured ~0.3 % smaller than the fast one alone). They
 * stay within [15, 4081] and [31, 4065] of 4096, so every modelled decision
 * costs at least −log2(4073/4096) = 0.008 bits. The decoder uses that to
 * refuse, before allocating, a stream too short for the samples its header
 * claims.
 */
import { ChasquiError } from '../lib/errors.js';

export const PROB_BITS = 12;
const PROB_ONE = 1 << PROB_BITS;
const FAST = 4;
const SLOW = 5;
const TOP = 0x1000000;
const TWO32 = 0x100000000;

/**
 * 2^k for k = 0..53, by doubling. Whatever both sides compute must be exact
 * on every machine; ECMA-262 lets `**` and Math.pow be approximations
 * ("implementation-approximated", Number::exponentiate), but × of doubles is
 * IEEE 754 exact-rounded, and doubling is exact.
 */
export const POW2: readonly number[] = (() => {
  const t = [1];
  for (let k = 1; k <= 53; k++) t.push((t[k - 1] as number) * 2);
  return t;
})();
/** Minimum cost of one modelled decision, in bits (see above). */
export const MIN_DECISION_BITS = -Math.log2((PROB_ONE - ((1 << FAST) + (1 << SLOW)) / 2 + 1) / PROB_ONE);

/** A table of `n` adaptive probabilities (of a 0), all starting at ½: entry i is the pair 2i, 2i + 1. */
export function probabilities(n: number): Uint16Array {
  return new Uint16Array(2 * n).fill(PROB_ONE >> 1);
}

/** Start entry i at probability `p0` of a 0, kept inside what adaptation itself reaches. */
export function setProbability(probs: Uint16Array, i: number, p0: number): void {
  const v = Math.min(PROB_ONE - (1 << SLOW), Math.max(1 << SLOW, Math.round(p0 * PROB_ONE)));
  probs[2 * i] = v;
  probs[2 * i + 1] = v;
}

function adapt(probs: Uint16Array, j: number, bit: number): void {
  const f = probs[j] as number;
  const s = probs[j + 1] as number;
  if (bit === 0) {
    probs[j] = f + ((PROB_ONE - f) >> FAST);
    probs[j + 1] = s + ((PROB_ONE - s) >> SLOW);
  } else {
    probs[j] = f - (f >> FAST);
    probs[j + 1] = s - (s >> SLOW);
  }
}

export class RangeEncoder {
  private buf: Uint8Array;
  private len = 0;
  private low = 0; // up to 2^33: a number, not an int32
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private push(b: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }

  /** Emit the top byte of `low`, holding back 0xFF bytes until a carry is settled. */
  private shiftLow(): void {
    const carry = this.low >= TWO32 ? 1 : 0;
    const lo = carry ? this.low - TWO32 : this.low;
    if (lo < 0xff000000 || carry) {
      let temp = this.cache;
      do {
        this.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = lo >>> 24;
    }
    this.cacheSize++;
    this.low = (lo & 0x00ffffff) * 256;
  }

  /** Code `bit` with probs[i] (the probability of a 0), then adapt it. */
  bit(probs: Uint16Array, i: number, bit: number): void {
    const j = 2 * i;
    const p = ((probs[j] as number) + (probs[j + 1] as number)) >>> 1;
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) this.range = bound;
    else {
      this.low += bound;
      this.range -= bound;
    }
    adapt(probs, j, bit);
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** The low `n` bits of `value` (n ≤ 30), each at probability ½, most significant first. */
  direct(value: number, n: number): void {
    for (let b = n - 1; b >= 0; b--) {
      this.range = this.range >>> 1;
      if ((value >>> b) & 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.shiftLow();
      }
    }
  }

  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.buf.slice(0, this.len);
  }
}

function formatError(message: string): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

/** Mirrors RangeEncoder; reading past the end of its input is a format error, never a loop. */
export class RangeDecoder {
  private pos: number;
  private range = 0xffffffff;
  private code = 0;

  constructor(private readonly bytes: Uint8Array, start: number) {
    this.pos = start;
    for (let i = 0; i < 5; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  private next(): number {
    if (this.pos >= this.bytes.length) throw formatError('truncated coded samples');
    return this.bytes[this.pos++] as number;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  bit(probs: Uint16Array, i: number): number {
    const j = 2 * i;
    const p = ((probs[j] as number) + (probs[j + 1] as number)) >>> 1;
    const bound = (this.range >>> PROB_BITS) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    adapt(probs, j, bit);
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = ((this.code * 256) + this.next()) >>> 0;
    }
    return bit;
  }

  direct(n: number): number {
    let v = 0;
    for (let b = 0; b < n; b++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      v = v * 2 + bit;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.code = ((this.code * 256) + this.next()) >>> 0;
      }
    }
    return v;
  }
}
