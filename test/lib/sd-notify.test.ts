/** The notify adapter: a real datagram to a real socket, and a no-op wherever systemd did not ask. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { systemdNotifier } from '../../lib/sd-notify.js';
import { collectingLogger, quietLogger } from '../support/logger.js';
import { tempDir } from '../support/paths.js';
import { waitFor } from '../support/wait.js';

type Receiver = { bind(path: string): void; on(e: 'message', fn: (buf: Buffer) => void): void; close(): void };
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

t.test('sends each state as one datagram to $NOTIFY_SOCKET', async (t) => {
  const { dir, cleanup } = tempDir();
  const got: string[] = [];
  const socket = unix.createSocket('unix_dgram');
  socket.on('message', (b) => got.push(b.toString()));
  socket.bind(join(dir, 'notify'));
  t.teardown(() => { socket.close(); cleanup(); });
  const n = systemdNotifier({ NOTIFY_SOCKET: join(dir, 'notify') }, quietLogger());
  t.equal(n.active, true);
  n.notify('READY=1\nMAINPID=7');
  n.notify('WATCHDOG=1');
  await waitFor(() => got.length === 2, { what: 'two datagrams' });
  t.same(got, ['READY=1\nMAINPID=7', 'WATCHDOG=1']);
  n.close();
  n.notify('STOPPING=1');
  t.equal(got.length, 2, 'nothing after close');
});

t.test('a socket nobody listens on is logged, not thrown', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { logger, lines } = collectingLogger();
  const n = systemdNotifier({ NOTIFY_SOCKET: join(dir, 'gone') }, logger);
  n.notify('WATCHDOG=1');
  await waitFor(() => lines.some((l) => l.msg === 'sd_notify failed'), { what: 'a logged failure' });
  n.close();
});

t.test('without NOTIFY_SOCKET, or with an abstract one, nothing is sent', async (t) => {
  t.equal(systemdNotifier({}, quietLogger()).active, false);
  const { logger, lines } = collectingLogger();
  const abstract = systemdNotifier({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }, logger);
  t.equal(abstract.active, false);
  t.match(lines[0]?.msg, /abstract socket/);
  abstract.notify('READY=1');
});
