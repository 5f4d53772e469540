/**
 * systemd's notify protocol (sd_notify(3)): one datagram of "KEY=VALUE" lines
 * to the AF_UNIX socket named by $NOTIFY_SOCKET. Node has no unix datagram
 * sockets of its own, so the unix-dgram binding sends it (built from source on
 * install, for arm64 as for x64, with no system library). Loaded only when
 * systemd asks for notifications, so a box without it still runs by hand.
 * Without $NOTIFY_SOCKET (by hand, tests, the demo) every call is a no-op.
 */
import { createRequire } from 'node:module';
import type { Logger } from './logger.js';

type UnixDgramSocket = {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
};
type UnixDgram = { createSocket(type: 'unix_dgram'): UnixDgramSocket };

export type Notifier = {
  /** Whether a notification goes anywhere (the service runs under systemd). */
  readonly active: boolean;
  notify(state: string): void;
  close(): void;
};

const silent: Notifier = { active: false, notify: () => {}, close: () => {} };

export function systemdNotifier(env: Record<string, string | undefined>, logger: Logger): Notifier {
  const path = env.NOTIFY_SOCKET;
  if (!path) return silent;
  // An abstract socket's name starts with a NUL byte, which unix-dgram cannot pass to the kernel.
  // systemd itself names a path (/run/systemd/notify) for every service it starts.
  if (path.startsWith('@')) {
    logger.warn({ notifySocket: path }, 'NOTIFY_SOCKET is an abstract socket, which chasqui cannot reach: no notifications sent');
    return silent;
  }
  const unix = createRequire(import.meta.url)('unix-dgram') as UnixDgram;
  const socket = unix.createSocket('unix_dgram');
  // A notification that cannot be sent is logged, never a crash: the service still serves.
  socket.on('error', (err) => logger.warn({ err: err.message }, 'sd_notify failed'));
  let open = true;
  return {
    active: true,
    notify(state) {
      if (!open) return;
      const buf = Buffer.from(state);
      socket.send(buf, 0, buf.length, path, (err) => {
        if (err) logger.warn({ err: err.message, state }, 'sd_notify failed');
      });
    },
    close() {
      if (open) socket.close();
      open = false;
    },
  };
}
