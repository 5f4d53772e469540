/**
 * Byte-at-a-time framing for protocols whose frames have one fixed length and
 * a few fixed bytes (OpenView, OpenBCI Cyton). A frame is gathered byte by
 * byte; the moment a byte cannot belong where it would sit, the frame so far
 * is abandoned, its first byte dropped and the rest fed through again, so a
 * real frame start hidden inside a false one is never lost (STYLE.md #5).
 *
 * Weak framing (the Cyton has one start byte and a footer nibble: a random
 * 0xA0 passes for a frame one time in 16) needs a second opinion: a frame the
 * protocol does not trust (hooks.trusted) is held until the next byte, and
 * kept only if that byte starts another frame.
 */
import type { DecoderCounters } from './stream-decoder.js';

export interface FixedFrameRule {
  /** Bytes in every frame. */
  length: number;
  /** Whether byte `b` may sit at `index` of a frame (fixed markers, footers). */
  accepts(index: number, b: number): boolean;
  /**
   * How many leading bytes only mark a frame start. A mismatch among them is
   * ordinary hunting; a mismatch after them rejects a frame (a bad frame).
   */
  markerLength: number;
}

export interface FixedFramerHooks {
  /** A whole frame with every fixed byte right; false rejects it (bad field values). */
  frame(bytes: Uint8Array): boolean;
  /**
   * Whether a frame can be taken at once; `afterJunk` = bytes were dropped
   * since the last frame. Untrusted frames wait for the next byte. Absent =
   * always trusted (framing strong enough on its own).
   */
  trusted?(bytes: Uint8Array, afterJunk: boolean): boolean;
  /** A byte seen while hunting for a frame start; true = the caller took it (e.g. banner text), so it is not counted as dropped. */
  junk?(b: number): boolean;
}

export class FixedFramer {
  private readonly buf: Uint8Array;
  private len = 0;
  /** True until the first frame, and again from a drop until the next frame. */
  private hunting = true;
  /** Bytes were dropped or taken as text since the last frame. */
  private afterJunk = false;
  /** A complete but untrusted frame, waiting for the next byte to vouch for it. */
  private pending: Uint8Array | undefined;

  constructor(
    private readonly rule: FixedFrameRule,
    private readonly counters: DecoderCounters,
    private readonly hooks: FixedFramerHooks,
  ) {
    this.buf = new Uint8Array(rule.length);
  }

  push(bytes: Uint8Array): void {
    for (const b of bytes) this.byte(b);
  }

  /** Forget a partial frame (the port was reopened). */
  reset(): void {
    this.len = 0;
    this.hunting = true;
    this.afterJunk = false;
    this.pending = undefined;
  }

  private byte(b: number): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      if (!this.rule.accepts(0, b)) {
        this.counters.badFrames++;
        this.refeed(pending.subarray(1), b);
        return;
      }
      this.commit(pending);
    }
    if (!this.rule.accepts(this.len, b)) {
      if (this.len === 0) {
        this.afterJunk = true;
        if (this.hooks.junk?.(b)) this.loseSync();
        else this.drop(1);
        return;
      }
      if (this.len >= this.rule.markerLength) this.counters.badFrames++;
      this.refeed(this.buf.slice(1, this.len), b);
      return;
    }
    this.buf[this.len++] = b;
    if (this.len < this.rule.length) return;
    this.len = 0;
    const frame = this.buf.slice();
    if (this.hooks.trusted?.(frame, this.afterJunk) === false) this.pending = frame;
    else this.commit(frame);
  }

  private commit(frame: Uint8Array): void {
    if (this.hooks.frame(frame)) {
      this.counters.frames++;
      this.hunting = false;
      this.afterJunk = false;
    } else {
      this.counters.badFrames++;
      this.drop(this.rule.length);
    }
  }

  /** Give up a frame: drop its first byte (already removed from `rest`), feed the rest and `b` through again. */
  private refeed(rest: Uint8Array, b: number): void {
    this.len = 0;
    this.drop(1);
    for (const r of rest) this.byte(r);
    this.byte(b);
  }

  private drop(n: number): void {
    this.counters.droppedBytes += n;
    this.afterJunk = true;
    this.loseSync();
  }

  private loseSync(): void {
    if (!this.hunting) {
      this.hunting = true;
      this.counters.resyncs++;
    }
  }
}
