/**
 * The emulators behind real pseudo-terminals (socat), opened with the
 * serialport package exactly as the bridge opens /dev/ttyUSB0, driven by
 * the real sessions. The USB lead is pulled mid-stream and put back.
 */
import t from 'tap';
import { SerialPort } from 'serialport';
import { ContecV7Session } from '../../../firmware-bridge/devices/contec-cms50-v7.js';
import { Bm58Session } from '../../../firmware-bridge/devices/beurer-bm58.js';
import type { BloodPressureReading, OximetryReading, Reading } from '../../../firmware-bridge/devices/readings.js';
import type { DeviceSession } from '../../../firmware-bridge/devices/stream-decoder.js';
import { ContecV7Emulator } from '../../../firmware-bridge/emulators/contec-cms50-emulator.js';
import { Bm58Emulator } from '../../../firmware-bridge/emulators/beurer-bm58-emulator.js';
import { startPtyDevice } from '../../../firmware-bridge/emulators/pty-device.js';
import { delay, waitFor } from '../../support/wait.js';
import { limaWallTime } from '../../support/bedside.js';
import { systemClock } from '../../../lib/clock.js';

const atMost = (ms: number, p: Promise<void>): Promise<void> => Promise.race([p, delay(ms)]);

/** The host side as the bridge runs it: one port, one session, a tick timer. */
class Host {
  readonly readings: Reading[] = [];
  closedByDevice = 0;
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly session: DeviceSession) {}

  async open(path: string, baudRate: number): Promise<void> {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (bytes: Buffer) => {
      const r = this.session.decoder.push(bytes);
      this.readings.push(...r);
      this.write(this.session.onReadings(r));
    });
    port.on('error', () => undefined); // the lead was pulled; 'close' follows
    port.on('close', () => this.closedByDevice++);
    this.port = port;
    this.write(this.session.open());
    this.timer = setInterval(() => this.write(this.session.tick(performance.now())), 50);
  }

  write(chunks: Uint8Array[]): void {
    const p = this.port;
    for (const c of chunks) if (p?.isOpen) p.write(Buffer.from(c));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const p = this.port;
    this.port = undefined;
    if (!p?.isOpen) return;
    // After a pulled lead the pty may be dead without the port having noticed: never wait on it for long.
    p.write(Buffer.concat(this.session.close().map((c) => Buffer.from(c))));
    await atMost(500, new Promise<void>((r) => p.drain(() => r())));
    await atMost(500, new Promise<void>((r) => p.close(() => r())));
  }

  plethCount(): number {
    return this.readings.reduce((n, r) => n + (r.kind === 'pleth' ? r.values.length : 0), 0);
  }

  lastOximetry(): OximetryReading | undefined {
    return this.readings.filter((r): r is OximetryReading => r.kind === 'oximetry').at(-1);
  }
}

t.test('CMS50 V7 over a pty: stream, lead pulled, lead back, stream again', async (t) => {
  const started = Date.now();
  const device = await startPtyDevice(new ContecV7Emulator({ seed: 21 }));
  const host = new Host(new ContecV7Session());
  t.teardown(async () => {
    await host.close();
    await device.stop();
  });

  await host.open(device.path, 115200);
  await waitFor(() => host.plethCount() >= 90, { timeoutMs: 4000, what: '1.5 s of pleth' });
  t.ok(host.readings.some((r) => r.kind === 'deviceInfo' && r.info.model === 'CMS50D+'), 'the device said what it is');
  const first = host.lastOximetry();
  t.ok(first && first.spo2! >= 96 && first.spo2! <= 98 && first.pulseBpm! > 60, `numerics: ${JSON.stringify(first)}`);

  await device.unplug();
  const atUnplug = host.plethCount();
  await delay(300);
  const before = host.plethCount();
  t.ok(before - atUnplug <= 2, 'nothing flows while the lead is out');
  t.comment(`the host port ${host.closedByDevice > 0 ? 'saw' : 'did not see'} the pty close`);
  await host.close();

  await device.replug();
  await host.open(device.path, 115200);
  await waitFor(() => host.plethCount() >= before + 60, { timeoutMs: 4000, what: 'the stream to resume' });
  t.ok(host.lastOximetry()!.spo2! >= 96, 'numbers again after the replug');
  const s = host.session.decoder.stats();
  t.ok(s.frames >= 150, `${s.frames} frames, ${s.droppedBytes} bytes dropped, ${s.resyncs} resyncs`);
  t.comment(`pull-and-replug run took ${Date.now() - started} ms`);
});

t.test('Beurer BM58 over a pty: the whole memory is downloaded', async (t) => {
  // Yesterday's and today's readings, whatever day the test runs (the device keeps wall time to the minute).
  const now = systemClock.now();
  const memory = [
    { systolicMmHg: 131, diastolicMmHg: 84, pulseBpm: 70, measuredAt: limaWallTime(now - 86_400_000) },
    { systolicMmHg: 127, diastolicMmHg: 82, pulseBpm: 75, measuredAt: limaWallTime(now - 3_600_000) },
  ];
  const device = await startPtyDevice(new Bm58Emulator({ memory }));
  const host = new Host(new Bm58Session());
  t.teardown(async () => {
    await host.close();
    await device.stop();
  });
  await host.open(device.path, 4800);
  const got = await waitFor(
    () => {
      const bp = host.readings.filter((r): r is BloodPressureReading => r.kind === 'bloodPressure');
      return bp.length === memory.length ? bp : undefined;
    },
    { timeoutMs: 4000, what: 'both records' },
  );
  t.same(got, memory.map((m, i) => ({ kind: 'bloodPressure', ...m, index: i + 1 })));
});
