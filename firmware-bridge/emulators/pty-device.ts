/**
 * Puts an emulated device behind a real pseudo-terminal, so the bridge opens
 * it through serialport exactly as it opens /dev/ttyUSB0. socat makes the
 * pty pair (a virtual null-modem cable); this side plays the device on one
 * end in real time, the host opens the other (`path`). `unplug()` kills the
 * cable mid-stream, as a nurse pulling the USB lead would; `replug()` brings
 * it back at the same path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { DeviceEmulator } from './device-emulator.js';

export interface PtyDevice {
  /** The host end: open this like a serial device. */
  readonly path: string;
  readonly emulator: DeviceEmulator;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  stop(): Promise<void>;
}

export interface PtyDeviceOptions {
  /** Where the host-end symlink goes; a fresh temp folder when omitted. */
  path?: string;
  /** How often the emulator's output is flushed to the pty. */
  tickMs?: number;
}

export async function startPtyDevice(emulator: DeviceEmulator, opts: PtyDeviceOptions = {}): Promise<PtyDevice> {
  const own = opts.path ? undefined : mkdtempSync(join(tmpdir(), 'chasqui-pty-'));
  const hostPath = opts.path ?? join(own as string, 'tty');
  const devicePath = `${hostPath}.device`;
  const tickMs = opts.tickMs ?? 20;
  let cable: ChildProcess | undefined;
  let port: SerialPort | undefined;
  let timer: NodeJS.Timeout | undefined;

  const plug = async (): Promise<void> => {
    cable = await startSocat(hostPath, devicePath);
    port = await openPort(devicePath);
    const p = port;
    p.on('data', (bytes: Buffer) => {
      const reply = emulator.receive(bytes);
      if (reply.length > 0) p.write(Buffer.from(reply));
    });
    p.on('error', () => undefined); // the cable was pulled; unplug() cleans up
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      const out = emulator.advance(now - last);
      last = now;
      if (out.length > 0 && p.isOpen) p.write(Buffer.from(out));
    }, tickMs);
  };

  const unplug = async (): Promise<void> => {
    if (timer) clearInterval(timer);
    timer = undefined;
    const p = port;
    port = undefined;
    if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    const c = cable;
    cable = undefined;
    if (c && c.exitCode === null) {
      await new Promise<void>((r) => {
        c.once('exit', () => r());
        c.kill('SIGTERM');
      });
    }
  };

  await plug();
  return {
    path: hostPath,
    emulator,
    unplug,
    replug: plug,
    stop: async () => {
      await unplug();
      if (own) rmSync(own, { recursive: true, force: true });
    },
  };
}

async function startSocat(hostPath: string, devicePath: string): Promise<ChildProcess> {
  const child = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawned = await new Promise<Error | undefined>((r) => {
    child.once('spawn', () => r(undefined));
    child.once('error', (e) => r(e));
  });
  if (spawned) throw new Error(`cannot start socat (apt-get install socat): ${spawned.message}`);
  const deadline = Date.now() + 5000;
  while (!(existsSync(hostPath) && existsSync(devicePath))) {
    if (child.exitCode !== null) throw new Error(`socat exited: ${stderr.trim()}`);
    if (Date.now() > deadline) throw new Error(`socat did not create ${hostPath} in 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return child;
}

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(port)));
  });
}
