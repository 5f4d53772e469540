/** Small writes close together share one TLS record (relay/write-coalescing.ts), on a real TLS socket. */
import { connect, createServer, type TLSSocket } from 'node:tls';
import t from 'tap';
import { coalesceWrites } from '../../relay/write-coalescing.js';
import { testTls } from '../support/tls.js';
import { WireProxy, tlsRecords } from '../support/wire-proxy.js';
import { waitFor } from '../support/wait.js';

async function records(coalesce: boolean, finish: 'end' | 'destroy'): Promise<{ appRecords: number; received: string }> {
  let received = '';
  const server = createServer({ key: testTls().key, cert: testTls().cert }, (s) => {
    s.on('data', (b: Buffer) => { received += b.toString(); });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const proxy = new WireProxy({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  const port = await proxy.start();
  const client: TLSSocket = connect({ host: '127.0.0.1', port, ca: testTls().cert });
  await new Promise<void>((r) => client.once('secureConnect', () => r()));
  // TLS 1.3 sends the client's Finished as an application-data record too; let it pass the proxy first.
  await new Promise((r) => setTimeout(r, 50));
  const before = tlsRecords(proxy.recorded[0]!.up).types.get(23) ?? 0;
  if (coalesce) coalesceWrites(client, { flushOnDestroy: finish === 'destroy' });
  client.write('PUBACK');
  await new Promise((r) => setImmediate(r));
  client.write('ACK');
  await new Promise((r) => setImmediate(r));
  client.write('CHUNK');
  if (finish === 'destroy') client.destroy();
  else await new Promise((r) => setTimeout(r, 20));
  await waitFor(() => received.length === 'PUBACKACKCHUNK'.length, { what: 'all three writes', timeoutMs: 2000 });
  const appRecords = (tlsRecords(proxy.recorded[0]!.up).types.get(23) ?? 0) - before;
  client.destroy();
  await proxy.stop();
  await new Promise((r) => server.close(r));
  return { appRecords, received };
}

t.test('three small writes in three ticks: three records, or one when coalesced', async (t) => {
  t.same(await records(false, 'end'), { appRecords: 3, received: 'PUBACKACKCHUNK' });
  t.same(await records(true, 'end'), { appRecords: 1, received: 'PUBACKACKCHUNK' });
});

t.test('a broker-side socket destroyed while holding still sends what it held', async (t) => {
  t.same(await records(true, 'destroy'), { appRecords: 1, received: 'PUBACKACKCHUNK' });
});
