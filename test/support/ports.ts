/** Ports for spawned brokers, which, unlike in-process servers, cannot listen on 0 and tell us what they got. */
import { createServer } from 'node:net';

/**
 * A port free at the moment of asking. Another process could take it before the
 * caller binds it; on loopback in a test run that race is rare enough to accept.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}
