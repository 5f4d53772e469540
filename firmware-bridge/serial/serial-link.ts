/**
 * The only file that touches serialport (STYLE.md #3): opens a port with the
 * given line settings and exposes bytes in, bytes out and "gone". Everything
 * above it (sessions, decoders, reconnection) is testable without a port.
 */
import { SerialPort } from 'serialport';
import { ChasquiError } from '../../lib/errors.js';
import type { SerialSettings } from '../devices/stream-decoder.js';

export interface SerialLink {
  readonly path: string;
  write(bytes: Uint8Array): void;
  /** Resolves when the port is closed, by us or because the device went away. */
  readonly closed: Promise<Error | undefined>;
  close(): Promise<void>;
}

export function openSerial(path: string, settings: SerialSettings, onData: (bytes: Uint8Array) => void): Promise<SerialLink> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, autoOpen: false, ...settings });
    let resolveClosed!: (e: Error | undefined) => void;
    const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
    let lastError: Error | undefined;
    port.on('data', (b: Buffer) => onData(b));
    port.on('error', (e: Error) => (lastError = e));
    port.on('close', (e?: Error & { disconnected?: boolean }) => resolveClosed(e ?? lastError));
    port.open((err) => {
      if (err) {
        const code = /ENOENT|No such file/i.test(err.message) ? 'CHASQUI_ERR_DEVICE_ABSENT' : 'CHASQUI_ERR_DEVICE_IO';
        reject(new ChasquiError(code, `${path}: ${err.message}`, { path }, { cause: err }));
        return;
      }
      resolve({
        path,
        closed,
        write: (bytes) => {
          if (port.isOpen) port.write(Buffer.from(bytes));
        },
        // A port whose device has gone may never call back: give up waiting after a second.
        close: () =>
          new Promise<void>((r) => {
            if (!port.isOpen) return r();
            const timer = setTimeout(r, 1000);
            port.close(() => {
              clearTimeout(timer);
              r();
            });
          }),
      });
    });
  });
}

/** Serial ports the OS lists (USB adapters show vendor and product ids), for the probe. */
export async function listSerialPorts(): Promise<Array<{ path: string; description: string }>> {
  const ports = await SerialPort.list();
  return ports.map((p) => ({
    path: p.path,
    description: [p.manufacturer, p.vendorId && `${p.vendorId}:${p.productId}`, p.serialNumber].filter(Boolean).join(' '),
  }));
}
