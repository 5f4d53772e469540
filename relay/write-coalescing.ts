/**
 * Every write on a TLS socket becomes at least one TLS record: 22 bytes of
 * header, content type and AEAD tag (RFC 8446 §5.2) even for a 4-byte PUBACK.
 * Holding a socket's writes for a couple of milliseconds lets the small
 * packets that follow each other (a PUBACK and the acknowledgement or chunk
 * right behind it) share one record. Two milliseconds are nothing on a link
 * with a 600 ms round trip, unlike Nagle, which holds for a whole round trip.
 */
import type { Socket } from 'node:net';

export const COALESCE_MS = 2;

/**
 * @param flushOnDestroy for the broker's side: what it wrote before destroying a socket (a CONNACK
 * refusing a login) still goes out. Never on a client's side: a client destroys its socket when the
 * server's certificate fails verification, and flushing then would hand the CONNECT, password and all,
 * to the very server it just refused (the tls-link imposter test catches exactly that).
 */
export function coalesceWrites(socket: Socket, o: { flushOnDestroy: boolean; holdMs?: number }): void {
  const holdMs = o.holdMs ?? COALESCE_MS;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let holding = false;
  const release = () => {
    if (!holding) return;
    holding = false;
    if (!socket.destroyed) socket.uncork();
  };
  if (o.flushOnDestroy) {
    // aedes refuses a login by writing CONNACK and destroying the socket at once: what is held goes first.
    const destroy = socket.destroy.bind(socket);
    socket.destroy = ((err?: Error) => {
      release();
      return destroy(err);
    }) as Socket['destroy'];
  }
  socket.write = ((...args: unknown[]) => {
    if (!holding && !socket.destroyed) {
      holding = true;
      socket.cork();
      setTimeout(release, holdMs).unref();
    }
    return write(...args);
  }) as Socket['write'];
}
