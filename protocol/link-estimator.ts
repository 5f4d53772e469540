/**
 * What the sender knows of the link, learnt from its own acknowledgements:
 * smoothed round trip and retransmission timeout (RFC 6298), the minimum round
 * trip, and the delivery rate (bytes acknowledged per second, max-filtered as
 * BBR does, because a rate sample can only under-read the bottleneck).
 */
export type EstimatorOptions = { minRtoMs: number; maxRtoMs: number; initialRtoMs: number };

const RATE_SAMPLES = 10;
const RATE_SPAN_MS = 4000;

export class LinkEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private minRttMs: number | undefined;
  private readonly acks: Array<{ t: number; delivered: number }> = [];
  private delivered = 0;
  private readonly rates: number[] = [];

  constructor(private readonly opts: EstimatorOptions) {}

  onAck(bytes: number, rttMs: number | undefined, now: number): void {
    if (rttMs !== undefined && rttMs >= 0) this.sampleRtt(rttMs);
    this.delivered += bytes;
    this.acks.push({ t: now, delivered: this.delivered });
    while (this.acks.length > 2 && now - this.acks[0]!.t > RATE_SPAN_MS) this.acks.shift();
    const first = this.acks[0]!;
    if (this.acks.length >= 3 && now > first.t) {
      this.rates.push(((this.delivered - first.delivered) * 1000) / (now - first.t));
      if (this.rates.length > RATE_SAMPLES) this.rates.shift();
    }
  }

  /** After a reconnect the path may differ (another satellite beam, another modem): relearn the rate. */
  forgetRate(): void {
    this.acks.length = 0;
    this.rates.length = 0;
  }

  private sampleRtt(r: number): void {
    this.minRttMs = this.minRttMs === undefined ? r : Math.min(this.minRttMs, r);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
  }

  get rtoMs(): number {
    if (this.srtt === undefined) return this.opts.initialRtoMs;
    return Math.min(this.opts.maxRtoMs, Math.max(this.opts.minRtoMs, this.srtt + 4 * this.rttvar));
  }

  get smoothedRttMs(): number | undefined {
    return this.srtt;
  }

  get minRtt(): number | undefined {
    return this.minRttMs;
  }

  /** Bytes per second, or undefined until enough acknowledgements have come back. */
  get rateBytesPerS(): number | undefined {
    return this.rates.length ? Math.max(...this.rates) : undefined;
  }

  /**
   * Bytes the sender may have unacknowledged: one chunk being serialised plus
   * two propagation round trips' worth, so the pipe never empties while an
   * acknowledgement travels back, yet an urgent chunk never queues behind more
   * than one chunk and a round trip of routine data.
   */
  windowBytes(chunkSize: number, maxBytes: number): number {
    const floor = 2 * chunkSize;
    const rate = this.rateBytesPerS;
    if (rate === undefined || this.minRttMs === undefined) return Math.min(maxBytes, floor);
    const propagationS = Math.max(0, this.minRttMs / 1000 - chunkSize / rate);
    return Math.min(maxBytes, Math.max(floor, chunkSize + 2 * rate * propagationS));
  }
}
