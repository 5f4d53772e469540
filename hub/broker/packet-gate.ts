/**
 * Reads the MQTT fixed header of every packet on one connection, as its bytes
 * arrive, and says when to cut the connection — before the broker buffers a
 * byte of a packet it should never have to hold. Pure: no sockets, no timers;
 * gated-connection.ts feeds it.
 *
 * Fixed header [MQTT-2.2] (3.1.1 and 5.0 alike): one byte of packet type and
 * flags, then the remaining length in 1-4 bytes, 7 bits each, least
 * significant first, the top bit saying "more follows" [MQTT-2.2.3]. The
 * packet's size is known once that length is complete, so a 250 MB CONNECT
 * is refused after its first 5 bytes.
 */
import { CHUNK_OVERHEAD } from '../../protocol/messages.js';
import { MAX_CHUNK } from '../../protocol/chunking.js';

export type GateLimits = {
  /** The first packet (CONNECT, credentials included) may be at most this large. */
  maxConnectBytes: number;
  /** All packets announced before the broker's authenticate callback says yes, together. */
  preAuthBytes: number;
  /** Any one packet once authenticated. */
  maxPacketBytes: number;
};

/** Why a connection was cut; logged and counted under these names. */
export type GateCut = 'malformed-header' | 'first-not-connect' | 'connect-too-large' | 'pre-auth-budget' | 'packet-too-large';

const CONNECT = 1;
const MAX_LENGTH_BYTES = 4;

/**
 * The largest relay chunk (MAX_CHUNK) with its framing, a topic (a post id is
 * at most 63 characters, so the topic is under 100), the packet id and MQTT 5
 * properties: 8 KiB covers all of them with room to spare, and is still
 * nowhere near what a flood would need.
 */
export const DEFAULT_MAX_PACKET_BYTES = MAX_CHUNK + CHUNK_OVERHEAD + 8 * 1024;

export const DEFAULT_GATE_LIMITS: GateLimits = {
  maxConnectBytes: 64 * 1024,
  preAuthBytes: 64 * 1024,
  maxPacketBytes: DEFAULT_MAX_PACKET_BYTES,
};

export class PacketGate {
  private packets = 0;
  private preAuthSeen = 0;
  private authed = false;
  private state: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private lengthBytes = 0;
  /** Bytes of the current packet's body still to pass. */
  private bodyLeft = 0;
  private cut: GateCut | null = null;

  constructor(private readonly limits: GateLimits = DEFAULT_GATE_LIMITS) {}

  /** The broker accepted the CONNECT; from now on only the per-packet cap applies. */
  authenticated(): void {
    this.authed = true;
  }

  /**
   * Takes the next bytes of the stream, split anywhere; null means they may
   * all pass. Once a cut is returned the gate stays cut: close the connection.
   */
  feed(bytes: Uint8Array): GateCut | null {
    if (this.cut) return this.cut;
    let i = 0;
    while (i < bytes.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, bytes.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const b = bytes[i++]!;
      if (this.state === 'type') {
        this.type = b >> 4;
        this.length = 0;
        this.lengthBytes = 0;
        this.state = 'length';
        continue;
      }
      this.length += (b & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if (b & 0x80) {
        // [MQTT-2.2.3]: at most four length bytes; a fourth with "more follows" is malformed.
        if (this.lengthBytes >= MAX_LENGTH_BYTES) return (this.cut = 'malformed-header');
        continue;
      }
      const verdict = this.judge(this.type, 1 + this.lengthBytes + this.length);
      if (verdict) return (this.cut = verdict);
      this.packets++;
      this.bodyLeft = this.length;
      this.state = this.length > 0 ? 'body' : 'type';
    }
    return null;
  }

  private judge(type: number, size: number): GateCut | null {
    // Type 0 is reserved in every MQTT version [MQTT-2.2.1].
    if (type === 0) return 'malformed-header';
    if (this.packets === 0) {
      // [MQTT-3.1.0-1]: the first packet from the client must be CONNECT.
      if (type !== CONNECT) return 'first-not-connect';
      if (size > this.limits.maxConnectBytes) return 'connect-too-large';
    } else if (type === CONNECT) {
      // [MQTT-3.1.0-2]: a second CONNECT is a protocol violation; refuse it before it is buffered.
      return 'malformed-header';
    }
    if (!this.authed) {
      this.preAuthSeen += size;
      if (this.preAuthSeen > this.limits.preAuthBytes) return 'pre-auth-budget';
    }
    return size > this.limits.maxPacketBytes ? 'packet-too-large' : null;
  }
}
