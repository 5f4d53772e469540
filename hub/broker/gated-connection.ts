/**
 * The stream aedes is given instead of the socket: bytes reach aedes only
 * after the packet gate (packet-gate.ts) has seen their packet's header and
 * let it through; a packet it refuses closes the socket before aedes buffers
 * any of it. aedes reads with `read()` on 'readable' and writes with
 * backpressure on 'drain' (node_modules/aedes/lib/client.js), which a plain
 * Duplex gives it; the socket is paused while aedes has not read, so a slow
 * broker never makes this wrapper buffer more than one socket read.
 */
import { Duplex } from 'node:stream';
import { PacketGate, type GateCut, type GateLimits } from './packet-gate.js';

export type Socketish = Duplex & { remoteAddress?: string | undefined };

export class GatedConnection extends Duplex {
  readonly remoteAddress: string;
  private readonly gate: PacketGate;

  constructor(private readonly socket: Socketish, limits: GateLimits, private readonly onCut: (cut: GateCut) => void) {
    super({ allowHalfOpen: false });
    this.gate = new PacketGate(limits);
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.on('data', (chunk: Buffer) => {
      const cut = this.gate.feed(chunk);
      if (cut) {
        this.onCut(cut);
        // Drop this read whole: whatever came before the bad header in it dies with the connection anyway.
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** Called from the broker's authenticate callback once the login is accepted. */
  authenticated(): void {
    this.gate.authenticated();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.socket.write(chunk)) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.destroy();
    cb(err);
  }
}
