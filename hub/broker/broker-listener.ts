/**
 * The embedded broker's listening socket: TLS (1.3 preferred, 1.2 at least
 * for an older peer) with the hub's key and certificate, or plain TCP, which
 * is refused unless the address is loopback, where nothing crosses a wire.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ChasquiError } from '../../lib/errors.js';
import { refusePlainOffLoopback } from '../../relay/link-security.js';
import { coalesceWrites } from '../../relay/write-coalescing.js';

/** PEM files, read when the broker starts: on a first start they are made just before (hub/tls). */
export type ListenerTls = { certFile: string; keyFile: string };

export function brokerListener(o: { host: string; tls: ListenerTls | undefined; logger: Logger }, onClient: (stream: Duplex) => void): Server {
  if (!o.tls) {
    refusePlainOffLoopback(o.host, 'broker.tls.enabled is false: the broker');
    return createTcpServer({ noDelay: true }, onClient);
  }
  const server = createTlsServer({
    key: readPem(o.tls.keyFile), cert: readPem(o.tls.certFile), minVersion: 'TLSv1.2',
    // A handshake on a 600 ms satellite round trip with loss takes seconds, not minutes.
    handshakeTimeout: 30_000,
  }, (socket) => {
    socket.setNoDelay(true);
    coalesceWrites(socket, { flushOnDestroy: true });
    onClient(socket);
  });
  // A failed handshake (a scanner, a post with a stale pin, bytes corrupted on the path) is an event, not a crash.
  server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
    o.logger.debug({ err: err.message, tlsCode: err.code, remote: socket.remoteAddress }, 'tls handshake failed');
  });
  return server;
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
