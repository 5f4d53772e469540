/**
 * A TCP proxy that stands where an attacker on the link would: it records
 * every byte each way, and, when told, flips a bit or injects bytes in the
 * post→broker direction of each connection once it is past the handshake.
 * `cut()` drops every connection, as a link outage would.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type Tamper = 'honest' | 'flip' | 'inject';

export class WireProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** What each connection carried, each way. */
  private readonly streams: Array<{ up: Buffer[]; down: Buffer[] }> = [];
  mode: Tamper = 'honest';
  /** Connections accepted, and connections whose bytes were tampered with. */
  connections = 0;
  tampered = 0;

  /** @param afterBytes how far into a connection's upstream bytes the tamper lands (past a TLS handshake's ~600 B). */
  constructor(private readonly target: { host: string; port: number }, private readonly afterBytes = 2000) {}

  async start(): Promise<number> {
    const server = createServer((client) => this.pipe(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return (server.address() as { port: number }).port;
  }

  private pipe(client: Socket): void {
    this.connections++;
    const rec = { up: [] as Buffer[], down: [] as Buffer[] };
    this.streams.push(rec);
    const upstream = createConnection(this.target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    let seen = 0;
    let done = false;
    client.on('data', (b: Buffer) => {
      let out = b;
      if (this.mode !== 'honest' && !done && seen + b.length > this.afterBytes) {
        const at = Math.max(0, this.afterBytes - seen);
        done = true;
        this.tampered++;
        out = this.mode === 'flip'
          ? Buffer.from(b).fill(b[at]! ^ 0x10, at, at + 1)
          : Buffer.concat([b.subarray(0, at), Buffer.from('chasqui-injected-bytes'), b.subarray(at)]);
      }
      seen += b.length;
      rec.up.push(Buffer.from(out));
      upstream.write(out);
    });
    upstream.on('data', (b: Buffer) => {
      rec.down.push(Buffer.from(b));
      client.write(b);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }

  /** Every byte recorded, both ways, all connections. */
  get all(): Buffer {
    return Buffer.concat(this.streams.flatMap((s) => [...s.up, ...s.down]));
  }

  /** Per connection and direction, so each can be parsed as one byte stream. */
  get recorded(): Array<{ up: Buffer; down: Buffer }> {
    return this.streams.map((s) => ({ up: Buffer.concat(s.up), down: Buffer.concat(s.down) }));
  }

  /** Forgets what was recorded so far; a connection that stays open records on from here. */
  reset(): void {
    for (const s of this.streams) {
      s.up.length = 0;
      s.down.length = 0;
    }
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Walks one direction of one connection as TLS records (RFC 8446 §5.1: content type, legacy version
 * 0x0303, or 0x0301 on a first ClientHello, 16-bit length ≤ 2^14 + 256): `outside` counts bytes that are
 * not in a record, which on a TLS link must be none. A record cut short by the end of the stream is fine.
 */
export function tlsRecords(bytes: Buffer): { types: Map<number, number>; outside: number } {
  const types = new Map<number, number>();
  let off = 0;
  let outside = 0;
  while (off + 5 <= bytes.length) {
    const type = bytes[off]!;
    const version = bytes.readUInt16BE(off + 1);
    const len = bytes.readUInt16BE(off + 3);
    if (![20, 21, 22, 23].includes(type) || (version !== 0x0303 && version !== 0x0301) || len > 16384 + 256) {
      outside++;
      off++;
      continue;
    }
    types.set(type, (types.get(type) ?? 0) + 1);
    off += 5 + len;
  }
  return { types, outside };
}
