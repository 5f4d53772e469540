/**
 * The ECG board emulators behind real pseudo-terminals (socat), opened with
 * the serialport package as the bridge opens /dev/ttyUSB0 and driven by the
 * real sessions: open() bytes written, every byte fed to the decoder, replies
 * and ticks written back. The USB lead is pulled mid-stream and put back; as
 * the bridge does, the host opens the port again with a fresh session.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { openBciCytonProtocol } from '../../../firmware-bridge/devices/openbci-cyton.js';
import { openViewProtocol } from '../../../firmware-bridge/devices/openview.js';
import type { EcgReading, Reading } from '../../../firmware-bridge/devices/readings.js';
import type { DeviceProtocol, DeviceSession } from '../../../firmware-bridge/devices/stream-decoder.js';
import { cytonEmulatorFromWfdb } from '../../../firmware-bridge/emulators/openbci-cyton-emulator.js';
import { openViewEmulatorFromWfdb } from '../../../firmware-bridge/emulators/openview-emulator.js';
import { startPtyDevice } from '../../../firmware-bridge/emulators/pty-device.js';
import { SHARED_DATA } from '../../support/paths.js';
import { waitFor } from '../../support/wait.js';

const LUDB = join(SHARED_DATA, 'ecg/ludb/1.hea');

/** The host side as the bridge runs it: a port, a session per connection, a tick timer. */
class Host {
  /** ECG frames per connection, each frame one sample per lead. */
  readonly connections: number[][][] = [];
  readonly readings: Reading[] = [];
  closedByDevice = 0;
  session: DeviceSession | undefined;
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly protocol: DeviceProtocol) {}

  async open(path: string): Promise<void> {
    const { baudRate, dataBits, parity, stopBits } = this.protocol.serial;
    const port = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const session = this.protocol.createSession();
    const frames: number[][] = [];
    this.connections.push(frames);
    port.on('data', (bytes: Buffer) => {
      const rs = session.decoder.push(bytes);
      this.readings.push(...rs);
      for (const r of rs) if (r.kind === 'ecg') frames.push(...framesOf(r));
      this.write(session.onReadings(rs));
    });
    port.on('error', () => undefined); // the lead was pulled; 'close' follows
    port.on('close', () => this.closedByDevice++);
    this.port = port;
    this.session = session;
    this.write(session.open());
    this.timer = setInterval(() => this.write(session.tick(performance.now())), 50);
  }

  write(chunks: Uint8Array[]): void {
    const p = this.port;
    for (const c of chunks) if (p?.isOpen) p.write(Buffer.from(c));
  }

  /** `polite` = say goodbye first (the session's close() bytes); not on a pulled lead. */
  async close(polite = true): Promise<void> {
    clearInterval(this.timer);
    const p = this.port;
    this.port = undefined;
    if (!p?.isOpen) return;
    const bye = polite ? (this.session?.close() ?? []) : [];
    if (bye.length > 0) {
      p.write(Buffer.concat(bye.map((c) => Buffer.from(c))));
      await new Promise<void>((r) => p.drain(() => r()));
    }
    await new Promise<void>((r) => p.close(() => r()));
  }

  /**
   * After the lead is pulled. serialport usually reports the hang-up within
   * milliseconds, but under load it sometimes does not (seen about one run in
   * four with two pty tests in parallel); noticing is the port adapter's
   * business, so the test then closes the port itself and goes on.
   */
  async pulled(t: Test): Promise<void> {
    const noticed = await waitFor(() => this.closedByDevice > 0, { timeoutMs: 1500 }).then(
      () => true,
      () => false,
    );
    t.comment(noticed ? 'the host port noticed the pulled lead' : 'the host port did not report the hang-up in 1.5 s; closing it');
    await this.close(false);
  }

  frames(connection: number): number {
    return this.connections[connection]?.length ?? 0;
  }
}

function framesOf(r: EcgReading): number[][] {
  const n = r.leads.length;
  return Array.from({ length: r.samples.length / n }, (_, f) => Array.from(r.samples.subarray(f * n, f * n + n)));
}

/** Where `got` sits in the played signal: the offset at which every frame matches, or -1. */
function offsetIn(got: number[][], expected: (i: number) => number[], period: number): number {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  for (let off = 0; off < period; off++) {
    if (got.every((f, i) => same(f, expected(off + i)))) return off;
  }
  return -1;
}

t.test('OpenBCI Cyton over a pty: v, $$$, b, real ECG; lead pulled and put back', async (t) => {
  const started = Date.now();
  const emu = cytonEmulatorFromWfdb(await readWfdbRecord(LUDB), { seed: 9 });
  const device = await startPtyDevice(emu);
  const host = new Host(openBciCytonProtocol);
  t.teardown(async () => {
    await host.close();
    await device.stop();
  });
  const k = emu.countsPerUnit;
  const played = (i: number) => emu.source.frame(i).map((v) => v * k);

  await host.open(device.path);
  await waitFor(() => host.frames(0) >= 250, { timeoutMs: 5000, what: '1 s of Cyton frames' });
  t.ok(host.readings.some((r) => r.kind === 'deviceInfo' && r.info.ready === true && r.info.firmware === 'v3.1.2'), 'the banner was read');
  t.ok(emu.isStreaming, "the session's b started the stream");
  const first = host.connections[0]!;
  t.equal(offsetIn(first, played, 1), 0, `all ${first.length} frames from the first are LUDB × ${k}, in order`);

  await device.unplug();
  await host.pulled(t);
  await device.replug();
  await host.open(device.path);
  await waitFor(() => host.frames(1) >= 250, { timeoutMs: 5000, what: 'the stream to resume' });
  const second = host.connections[1]!;
  const at = offsetIn(second, played, emu.source.frames);
  t.ok(at >= first.length, `after the replug the record plays on from frame ${at}, exactly`);
  const ecg = host.readings.filter((r): r is EcgReading => r.kind === 'ecg');
  t.same(ecg.filter((r) => r.gapFrames > 0), [], 'no frame lost within a connection');
  const s = host.session!.decoder.stats();
  t.equal(s.badFrames, 0, `second connection: ${JSON.stringify(s)}`);
  t.comment(`Cyton pull-and-replug run took ${Date.now() - started} ms`);
});

t.test('HealthyPi (OpenView) over a pty: joined mid-stream, real ECG; lead pulled and put back', async (t) => {
  const started = Date.now();
  const emu = openViewEmulatorFromWfdb(await readWfdbRecord(LUDB), { seed: 4 });
  const device = await startPtyDevice(emu);
  const host = new Host(openViewProtocol);
  t.teardown(async () => {
    await host.close();
    await device.stop();
  });
  const played = (i: number) => [emu.ecgUnits(emu.source.frame(i)[0] as number)];

  await host.open(device.path);
  await waitFor(() => host.frames(0) >= 125, { timeoutMs: 5000, what: '1 s of HealthyPi packets' });
  const first = host.connections[0]!;
  t.ok(offsetIn(first, played, emu.source.frames) >= 0, `the ${first.length} ECG samples are LUDB lead I, in order`);
  t.ok(host.readings.some((r) => r.kind === 'vitals' && r.temperatureC === 36.6), 'vitals arrive');

  await device.unplug();
  await host.pulled(t);
  await device.replug();
  await host.open(device.path);
  await waitFor(() => host.frames(1) >= 125, { timeoutMs: 5000, what: 'the stream to resume' });
  t.ok(offsetIn(host.connections[1]!, played, emu.source.frames) >= 0, 'decoding resumed on the real signal');
  t.comment(`HealthyPi pull-and-replug run took ${Date.now() - started} ms`);
});
