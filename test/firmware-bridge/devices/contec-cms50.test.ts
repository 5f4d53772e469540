import t from 'tap';
import { contecCms50V7, ContecV7Decoder, ContecV7Session } from '../../../firmware-bridge/devices/contec-cms50-v7.js';
import { encodeRealtime, encodeV7, parseRealtime, restoreHighBits, v7Command, V7_CMD, type V7Realtime } from '../../../firmware-bridge/devices/contec-cms50-v7-frames.js';
import { contecCms50Legacy, ContecLegacyDecoder, encodeLegacy } from '../../../firmware-bridge/devices/contec-cms50-legacy.js';
import type { OximetryReading, Reading } from '../../../firmware-bridge/devices/readings.js';
import type { DeviceSession, StreamDecoder } from '../../../firmware-bridge/devices/stream-decoder.js';
import type { DeviceEmulator } from '../../../firmware-bridge/emulators/device-emulator.js';
import { ContecLegacyEmulator, ContecV7Emulator } from '../../../firmware-bridge/emulators/contec-cms50-emulator.js';
import { plethBeatShape } from '../../../firmware-bridge/emulators/pleth-shape.js';
import { mulberry32 } from '../../link/prng.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Pleth batching depends on how bytes were chunked; meaning does not. Compare the meaning. */
function meaning(readings: readonly Reading[]): { pleth: number[]; other: Reading[] } {
  const pleth = readings.flatMap((r) => (r.kind === 'pleth' ? r.values : []));
  return { pleth, other: readings.filter((r) => r.kind !== 'pleth') };
}
const oximetry = (rs: readonly Reading[]): OximetryReading[] => rs.filter((r): r is OximetryReading => r.kind === 'oximetry');
const decode = (d: StreamDecoder, ...chunks: Uint8Array[]): Reading[] => chunks.flatMap((c) => d.push(c));

/** Device side of a real CMS50D+ V7 session (headrotor/contec_data stream_data.py capture), replies in order. */
const CAPTURE = hex(`
  0C 80  0C 80  06 80 80 87  11 80 81 81 80 80 80 80 80  0E 80 81
  13 80 A0 A0 A0 A0 A0 A0 A0  14 80 A0 A0 A0 A0 A0 80 80
  02 80 80 A0 A0 A0 A0 A0 A0  02 81 FF A0 A0 A0 A0 A0 A0
  04 80 F5 F3 E5 F2 A0 A0 A0  03 80 A0 A0 A0 A0 A0 A0 A0
  01 E0 85 B3 96 C1 E1 FF FF  01 E0 85 B0 96 C1 E1 FF FF  01 E0 85 AE 95 C1 E1 FF FF
  01 E0 85 AC 95 C1 E1 FF FF  01 E0 85 AB 95 C1 E1 FF FF  01 E0 85 AA 95 C1 E1 FF FF
  01 E0 85 AA 95 C1 E1 FF FF`);

t.test('V7: the real capture vector decodes to SS 5, pleth 51, bar 6, 65 bpm, 97 %, PI invalid', async (t) => {
  const frame = hex('01 E0 85 B3 96 C1 E1 FF FF');
  const raw = parseRealtime(restoreHighBits(frame));
  t.equal(raw.signalStrength, 5);
  t.equal(raw.pleth, 51);
  t.equal(raw.bar, 6);
  t.equal(raw.pulse, 65);
  t.equal(raw.spo2, 97);
  t.equal(raw.pi, 0xffff, 'PI is 0xFFFF once bits 7 are restored from the high byte 0xE0');
  const d = new ContecV7Decoder();
  const out = d.push(frame);
  t.same(out, [
    { kind: 'pleth', samplingFrequency: 60, values: [51] },
    { kind: 'oximetry', spo2: 97, pulseBpm: 65, perfusionIndex: null, signalStrength: 5, fingerOut: false, searching: false },
  ]);
  t.same(encodeRealtime(raw), frame, 'encoding the decoded fields gives the captured bytes back');
});

t.test('V7: the whole captured conversation decodes with nothing dropped', async (t) => {
  const d = new ContecV7Decoder();
  const { pleth, other } = meaning(d.push(CAPTURE));
  t.same(pleth, [51, 48, 46, 44, 43, 42, 42]);
  t.same(other.filter((r) => r.kind === 'deviceInfo').map((r) => (r.kind === 'deviceInfo' ? r.info : {})), [
    { protocolVersion: 7 },
    { model: '' },
    { deviceId: 'user' },
    { vendor: '' },
  ]);
  t.equal(oximetry(other).length, 1, 'unchanged numerics are reported once, not 60 times a second');
  t.same(d.stats(), { frames: 18, droppedBytes: 0, resyncs: 0, badFrames: 0 });
});

const realtime = (over: Partial<V7Realtime>): Uint8Array =>
  encodeRealtime({ signalStrength: 6, searchingTooLong: false, spo2Dropping: false, pulseBeep: false, probeError: false, pleth: 60, searchingPulse: false, bar: 7, piSupported: true, pulse: 72, spo2: 98, pi: 412, ...over });

/** One of every V7 frame the device sends us, valid and interesting. */
const V7_FRAMES = [
  realtime({}),
  realtime({ pulse: 180, pleth: 127, pulseBeep: true, pi: 1234 }),
  realtime({ probeError: true, pleth: 0, bar: 0, pulse: 0xff, spo2: 0x7f, pi: 0xffff }),
  realtime({ searchingPulse: true, pulse: 0xff, spo2: 0x7f }),
  encodeV7(0x06, [0, 7]),
  encodeV7(0x02, [0, 0x43, 0x4d, 0x53, 0x35, 0x30, 0x44]),
  encodeV7(0x02, [1, 0x2b, 0x20, 0x20, 0x20, 0x20, 0x20]),
  encodeV7(0x03, [0x43, 0x4f, 0x4e, 0x54, 0x45, 0x43, 0x20]),
  encodeV7(0x04, [0x75, 0x73, 0x65, 0x72, 0x20, 0x20, 0x20]),
  encodeV7(0x0c, []),
  encodeV7(0x0f, [97, 72, 96, 70, 0x7f, 0xff]),
];

const legacy = (over: Partial<Parameters<typeof encodeLegacy>[0]>): Uint8Array =>
  encodeLegacy({ signalStrength: 4, searchingTooLong: false, spo2Dropping: false, pulseBeep: false, pleth: 40, bar: 5, probeError: false, searchingPulse: false, pulse: 70, spo2: 97, ...over });

const LEGACY_FRAMES = [
  legacy({}),
  legacy({ pulse: 190, pulseBeep: true, pleth: 120 }),
  legacy({ probeError: true, pulse: 0xff, spo2: 0x7f, pleth: 0, bar: 0, signalStrength: 0 }),
  legacy({ searchingTooLong: true, pulse: 0xff, spo2: 0x7f }),
  legacy({ spo2Dropping: true, spo2: 88, pulse: 55 }),
  legacy({ searchingPulse: true, pulse: 0xff, spo2: 0x7f }),
];

const PROTOCOLS = [
  { name: 'V7', make: (): StreamDecoder => new ContecV7Decoder(), frames: V7_FRAMES, frameLength: 9, hunted: (b: number) => b | 0x80 },
  { name: 'legacy', make: (): StreamDecoder => new ContecLegacyDecoder(), frames: LEGACY_FRAMES, frameLength: 5, hunted: (b: number) => b & 0x7f },
];

for (const p of PROTOCOLS) {
  const stream = concat(p.frames);
  const whole = meaning(p.make().push(stream));

  t.test(`${p.name}: every frame type split at every offset decodes the same`, async (t) => {
    t.ok(whole.pleth.length >= 4 && oximetry(whole.other).length >= 4, 'the reference decode has content');
    for (let cut = 1; cut < stream.length; cut++) {
      const d = p.make();
      t.same(meaning(decode(d, stream.subarray(0, cut), stream.subarray(cut))), whole, `cut at ${cut}`);
      t.equal(d.stats().droppedBytes, 0);
    }
    const d = p.make();
    t.same(meaning(decode(d, ...[...stream].map((b) => Uint8Array.of(b)))), whole, 'one byte at a time');
  });

  t.test(`${p.name}: junk between frames is dropped and counted exactly`, async (t) => {
    const rnd = mulberry32(11);
    let junk = 0;
    const parts = p.frames.flatMap((f) => {
      const n = 1 + Math.floor(rnd() * 6);
      junk += n;
      // Bytes on the wrong side of the sync bit can never start a frame: the decoder must hunt through them.
      return [Uint8Array.from({ length: n }, () => p.hunted(Math.floor(rnd() * 256))), f];
    });
    const d = p.make();
    t.same(meaning(d.push(concat(parts))), whole);
    t.equal(d.stats().droppedBytes, junk);
    t.equal(d.stats().frames, p.frames.length);
    t.ok(d.stats().resyncs >= p.frames.length - 1, 'each junk run after a frame is a loss of sync');
  });

  t.test(`${p.name}: fully random junk never hides a real frame`, async (t) => {
    const rnd = mulberry32(12);
    const parts = p.frames.flatMap((f) => [Uint8Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256)), f]);
    const got = meaning(p.make().push(concat(parts)));
    t.ok(isSubsequence(whole.pleth, got.pleth), 'every real pleth sample is decoded, in order');
  });

  t.test(`${p.name}: a device switched on mid-stream is picked up at the next frame`, async (t) => {
    const boundaries = p.frames.map((_, i) => p.frames.slice(0, i).reduce((n, f) => n + f.length, 0));
    for (let start = 0; start < p.frameLength * 3; start++) {
      const boundary = boundaries.find((b) => b >= start) as number;
      const d = p.make();
      const got = meaning(d.push(stream.subarray(start)));
      t.same(got, meaning(p.make().push(stream.subarray(boundary))), `switched on at byte ${start}`);
      t.equal(d.stats().droppedBytes, boundary - start, 'the bytes before the first whole frame are counted');
    }
  });
}

function isSubsequence(needle: readonly number[], hay: readonly number[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}

/** A long, realistic clean stream: what the emulators put on the wire. */
function emulatedStream(kind: 'V7' | 'legacy', seconds: number): Uint8Array {
  if (kind === 'legacy') return new ContecLegacyEmulator({ seed: 3 }).advance(seconds * 1000);
  const emu = new ContecV7Emulator({ seed: 3 });
  emu.receive(v7Command(V7_CMD.startRealtime));
  const out: Uint8Array[] = [];
  for (let s = 0; s < seconds; s++) {
    out.push(emu.advance(1000));
    emu.receive(v7Command(V7_CMD.keepAlive));
  }
  return concat(out);
}

for (const p of PROTOCOLS) {
  t.test(`${p.name}: fuzz — 2000 mutated streams, no throw, back in step within a frame, drops counted`, async (t) => {
    const clean = emulatedStream(p.name as 'V7' | 'legacy', 40);
    const rnd = mulberry32(p.name === 'V7' ? 2024 : 2025);
    const FRAMES = 24;
    let worst = 0;
    let dropped = 0;
    for (let run = 0; run < 2000; run++) {
      const first = Math.floor(rnd() * (clean.length / p.frameLength - FRAMES));
      const frames = Array.from({ length: FRAMES }, (_, i) => [...clean.subarray((first + i) * p.frameLength, (first + i + 1) * p.frameLength)]);
      const hit = 2 + Math.floor(rnd() * (FRAMES - 6));
      frames[hit] = mutate(frames[hit]!, rnd);
      const bytes = Uint8Array.from(frames.flat());
      const d = p.make();
      let got: Reading[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(rnd() * 20);
        got = got.concat(d.push(bytes.subarray(at, at + n)));
        at += n;
      }
      d.reset();
      const expectedTail = frames.slice(hit + 1).map((f) => f[p.frameLength === 9 ? 3 : 1]! & 0x7f);
      const pleth = meaning(got).pleth;
      const tailOk = JSON.stringify(pleth.slice(-expectedTail.length)) === JSON.stringify(expectedTail);
      if (!tailOk) worst++;
      const s = d.stats();
      dropped += s.droppedBytes;
      const lostBytes = bytes.length - s.frames * p.frameLength;
      if (p.frameLength === 5 && s.droppedBytes !== lostBytes) t.fail(`run ${run}: ${lostBytes} bytes lost but ${s.droppedBytes} counted`);
      if (p.frameLength === 9 && s.droppedBytes < lostBytes) t.fail(`run ${run}: at least ${lostBytes} bytes lost but ${s.droppedBytes} counted`);
      if (s.droppedBytes > 0 && s.resyncs + s.badFrames === 0) t.fail(`run ${run}: drops without a resync or bad frame`);
    }
    t.equal(worst, 0, 'every frame after the damaged one decoded again');
    t.ok(dropped > 2000, `the damage was seen and counted (${dropped} bytes dropped in 2000 runs)`);
  });
}

/** 1–3 random flips, drops and insertions inside one frame. */
function mutate(frame: number[], rnd: () => number): number[] {
  const f = [...frame];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * f.length);
    const op = rnd();
    if (op < 0.4) f[at] = f[at]! ^ (1 << Math.floor(rnd() * 8));
    else if (op < 0.7 && f.length > 1) f.splice(at, 1);
    else f.splice(at, 0, Math.floor(rnd() * 256));
  }
  return f;
}

t.test('V7 range checks: impossible values are bad frames, not readings', async (t) => {
  const d = new ContecV7Decoder();
  t.same(d.push(concat([realtime({ spo2: 101 }), realtime({ pulse: 12 }), realtime({ pi: 20_000 })])), []);
  t.same(d.stats(), { frames: 0, droppedBytes: 27, resyncs: 0, badFrames: 3 });
  t.same(d.push(encodeV7(0x04, [0x75, 0x01, 0x65, 0x72, 0x20, 0x20, 0x20])), [], 'a control character in a string package');
  t.equal(d.stats().badFrames, 4);
});

t.test('legacy: pulse above 127 takes its bit 7 from byte 2; finger out and searching mean no numbers', async (t) => {
  const d = new ContecLegacyDecoder();
  const ox = oximetry(d.push(concat(LEGACY_FRAMES)));
  t.same(ox.map((o) => [o.pulseBpm, o.spo2, o.fingerOut, o.searching]), [
    [70, 97, false, false],
    [190, 97, false, false],
    [null, null, true, false],
    [null, null, false, true],
    [55, 88, false, false],
    [null, null, false, true],
  ]);
  t.same(d.push(legacy({ spo2: 115 })), [], 'SpO2 115 % is refused');
  t.equal(d.stats().badFrames, 1);
});

t.test('protocol descriptors carry the factory serial settings', async (t) => {
  t.same(contecCms50V7.serial, { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 });
  t.same(contecCms50Legacy.serial, { baudRate: 19200, dataBits: 8, parity: 'odd', stopBits: 1 });
  t.equal(contecCms50V7.id, 'contec-cms50-v7');
  t.ok(contecCms50V7.createSession() instanceof ContecV7Session);
  t.same([...contecCms50V7.createSession().close()[0]!], [0x7d, 0x81, 0xa2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], 'stop realtime');
});

t.test('the beat shape has a fast upstroke and a dicrotic notch, not a sine', async (t) => {
  const shape = Array.from({ length: 200 }, (_, i) => plethBeatShape(i / 200));
  const peak = shape.indexOf(Math.max(...shape));
  t.ok(peak < 60, `systolic peak early in the beat (sample ${peak} of 200)`);
  const notch = shape.findIndex((v, i) => i > peak && v < shape[i - 1]! && v <= shape[i + 1]!);
  t.ok(notch > peak, `a local minimum after the peak (sample ${notch})`);
  const second = Math.max(...shape.slice(notch, 140));
  t.ok(second > shape[notch]! + 0.05 && second < shape[peak]!, 'then a smaller diastolic wave');
});

/** Host and device on one simulated clock: session bytes go to the emulator, its answers and stream to the decoder. */
class Link {
  readonly readings: Reading[] = [];
  readonly sent: number[][] = [];
  now = 0;
  constructor(readonly emu: DeviceEmulator, readonly session: DeviceSession) {}
  write(chunks: Uint8Array[]): void {
    for (const c of chunks) {
      this.sent.push([...c]);
      this.feed(this.emu.receive(c));
    }
  }
  feed(bytes: Uint8Array): void {
    const r = this.session.decoder.push(bytes);
    this.readings.push(...r);
    this.write(this.session.onReadings(r));
  }
  run(ms: number, tick = true): void {
    for (let i = 0; i < ms; i += 20) {
      this.now += 20;
      this.feed(this.emu.advance(20));
      if (tick) this.write(this.session.tick(this.now));
    }
  }
  get pleth(): number[] {
    return meaning(this.readings).pleth;
  }
}

t.test('V7 emulator → session → decoder: silent until asked, 60 packages/s, kept alive for 30 s', async (t) => {
  const link = new Link(new ContecV7Emulator({ seed: 5 }), new ContecV7Session());
  link.run(1000);
  t.equal(link.readings.length, 0, 'a V7 device says nothing until the host starts the stream');
  link.write(link.session.open());
  t.same(link.readings.filter((r) => r.kind === 'deviceInfo').map((r) => (r.kind === 'deviceInfo' ? r.info : {})), [{ model: 'CMS50D+' }]);
  link.run(30_000);
  t.ok(Math.abs(link.pleth.length - 1800) <= 2, `${link.pleth.length} pleth samples in 30 s`);
  t.ok(link.sent.filter((c) => c[2] === V7_CMD.keepAlive).length >= 5, 'the session sent keep-alives');
  const ox = oximetry(link.readings);
  t.ok(ox.every((o) => o.spo2! >= 96 && o.spo2! <= 98 && o.pulseBpm! >= 66 && o.pulseBpm! <= 78), 'SpO2 96–98 %, pulse near 72');
  t.ok(new Set(ox.map((o) => o.spo2)).size >= 2, 'SpO2 drifts');
  t.ok(ox.every((o) => o.perfusionIndex! > 3 && o.perfusionIndex! < 4), 'PI about 3.5 %');
  t.same(link.session.decoder.stats(), { frames: link.pleth.length + 2, droppedBytes: 0, resyncs: 0, badFrames: 0 }, 'two model packages, the rest realtime');
});

t.test('V7 emulator stops after 10 s without keep-alive; the session restarts it', async (t) => {
  const emu = new ContecV7Emulator({ seed: 6 });
  const link = new Link(emu, new ContecV7Session());
  link.write(link.session.open());
  link.run(15_000, false);
  t.ok(Math.abs(link.pleth.length - 600) <= 2, `streamed for 10 s only (${link.pleth.length} samples)`);
  t.notOk(emu.isStreaming);
  link.run(5000);
  t.ok(emu.isStreaming, 'no packages for 3 s → the session asked for the stream again');
});

t.test('V7 emulator pleth: one wave per beat, fast upstroke, a second (diastolic) rise', async (t) => {
  const emu = new ContecV7Emulator({ seed: 8, heartRateBpm: 72 });
  emu.receive(v7Command(V7_CMD.startRealtime));
  const bytes = emu.advance(10_000);
  const frames = Array.from({ length: bytes.length / 9 }, (_, i) => parseRealtime(restoreHighBits(bytes.subarray(i * 9, i * 9 + 9))));
  const beats = frames.flatMap((f, i) => (f.pulseBeep ? [i] : []));
  t.ok(beats.length >= 11 && beats.length <= 13, `${beats.length} beats in 10 s at 72 bpm`);
  for (let b = 0; b + 1 < beats.length; b++) {
    const wave = frames.slice(beats[b], beats[b + 1]).map((f) => f.pleth);
    const peak = wave.indexOf(Math.max(...wave));
    t.ok(peak < wave.length * 0.4, `beat ${b}: peak at ${peak}/${wave.length}`);
    const rises = wave.some((v, i) => i > peak && i + 2 < wave.length && wave[i + 2]! - v >= 3);
    t.ok(rises, `beat ${b}: the wave rises again after the notch`);
  }
});

t.test('V7 emulator faults: finger out, back in (searching first), noise', async (t) => {
  const emu = new ContecV7Emulator({ seed: 9 });
  const link = new Link(emu, new ContecV7Session());
  link.write(link.session.open());
  link.run(2000);
  emu.inject({ kind: 'leadOff' });
  link.run(1000);
  const out = oximetry(link.readings).at(-1)!;
  t.same([out.fingerOut, out.spo2, out.pulseBpm, out.perfusionIndex], [true, null, null, null], 'finger out: no numbers');
  emu.inject({ kind: 'leadOn' });
  link.run(1000);
  t.equal(oximetry(link.readings).at(-1)!.searching, true, 'searching right after the finger goes back');
  link.run(2000);
  t.ok(oximetry(link.readings).at(-1)!.spo2! >= 96, 'numbers are back');
  emu.inject({ kind: 'noise', bytes: 40 });
  const before = link.pleth.length;
  link.run(2000);
  const s = link.session.decoder.stats();
  t.ok(s.droppedBytes > 0, `noise dropped and counted (${s.droppedBytes} bytes, ${s.resyncs} resyncs, ${s.badFrames} bad)`);
  t.ok(link.pleth.length - before >= 115, 'at most a few packages lost to 40 noise bytes');
});

t.test('legacy emulator streams from power-on and ignores the host', async (t) => {
  const emu = new ContecLegacyEmulator({ seed: 4 });
  const link = new Link(emu, contecCms50Legacy.createSession());
  t.same(link.session.open(), []);
  t.equal(emu.receive(v7Command(V7_CMD.startRealtime)).length, 0);
  link.run(10_000);
  t.ok(Math.abs(link.pleth.length - 600) <= 1, `${link.pleth.length} packages in 10 s`);
  t.ok(oximetry(link.readings).every((o) => o.spo2! >= 96 && o.spo2! <= 98 && o.perfusionIndex === null));
  emu.inject({ kind: 'leadOff' });
  link.run(500);
  t.equal(oximetry(link.readings).at(-1)!.fingerOut, true);
  t.equal(link.session.decoder.stats().droppedBytes, 0);
});
