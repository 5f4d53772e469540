import t from 'tap';
import { join } from 'node:path';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import {
  CYTON_FRAME_LENGTH,
  cytonUnitsPerMv,
  decodeCytonAux,
  encodeCytonFrame,
  parseCytonFrame,
} from '../../../firmware-bridge/devices/openbci-cyton-frames.js';
import { CYTON_DEFAULT_MONTAGE, OpenBciCytonDecoder, OpenBciCytonSession, openBciCytonProtocol } from '../../../firmware-bridge/devices/openbci-cyton.js';
import type { DeviceInfoReading, EcgReading, Reading } from '../../../firmware-bridge/devices/readings.js';
import { cytonEmulatorFromWfdb, OPENBCI_EMULATOR_COUNTS_PER_UNIT } from '../../../firmware-bridge/emulators/openbci-cyton-emulator.js';
import { twelveLeads } from '../../../protocol/ecg-leads.js';
import { mulberry32 } from '../../link/prng.js';
import { SHARED_DATA } from '../../support/paths.js';

const ecgOf = (rs: Reading[]): EcgReading[] => rs.filter((r): r is EcgReading => r.kind === 'ecg');
const samplesOf = (rs: Reading[]): number[] => ecgOf(rs).flatMap((r) => Array.from(r.samples));
const infoOf = (rs: Reading[]): DeviceInfoReading[] => rs.filter((r): r is DeviceInfoReading => r.kind === 'deviceInfo');
const cat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One packet written out from Cyton_Data_Format.md ("Binary Format", footer 0xC0), not from our encoder. */
const HAND_BUILT = Uint8Array.from([
  0xa0, 0x05, //          header, sample number 5
  0x00, 0x00, 0x01, //    ch1  1
  0xff, 0xff, 0xff, //    ch2  −1
  0x7f, 0xff, 0xff, //    ch3  +full scale 8388607 (railed)
  0x80, 0x00, 0x00, //    ch4  −full scale −8388608 (railed)
  0x12, 0x34, 0x56, //    ch5  1193046
  0xed, 0xcb, 0xaa, //    ch6  −1193046
  0x00, 0x01, 0x00, //    ch7  256
  0x01, 0x00, 0x00, //    ch8  65536
  0x00, 0x10, 0xff, 0xf0, 0x1f, 0x40, // accel X 16, Y −16, Z 8000 (int16 MSB first)
  0xc0, //                footer: standard with accel
]);
const HAND_VALUES = [1, -1, 8388607, -8388608, 1193046, -1193046, 256, 65536];

function frames(counters: number[], footer = 0xc0): Uint8Array[] {
  return counters.map((c) => encodeCytonFrame(c, Array.from({ length: 8 }, (_, ch) => c * 1000 + ch - 4), footer));
}

t.test('a hand-built packet decodes to the documented values', async (t) => {
  t.same(encodeCytonFrame(5, HAND_VALUES, 0xc0, [0x00, 0x10, 0xff, 0xf0, 0x1f, 0x40]), HAND_BUILT, 'our encoder writes the documented layout');
  const f = parseCytonFrame(HAND_BUILT);
  t.equal(f.counter, 5);
  t.same(Array.from(f.channels), HAND_VALUES);
  t.same(decodeCytonAux(f.footer, f.aux), { kind: 'accel', x: 16, y: -16, z: 8000 });
  const [ecg] = ecgOf(new OpenBciCytonDecoder().push(HAND_BUILT));
  t.same(Array.from(ecg!.samples), HAND_VALUES, 'raw counts, lossless');
  t.same(ecg!.leads, ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  t.same(ecg!.leadOff, ['V1', 'V2'], 'a channel at full scale is an electrode off');
  t.equal(ecg!.samplingFrequency, 250);
  t.equal(ecg!.baseline, 0);
  // 4.5 V / 24 / (2^23 − 1) = 0.02235 µV per count (Cyton_Data_Format.md).
  t.ok(Math.abs(1000 / ecg!.unitsPerMv - 0.0223517) < 1e-7, `µV per count ${1000 / ecg!.unitsPerMv}`);
  t.equal(cytonUnitsPerMv(12), ecg!.unitsPerMv / 2, 'gain 12 halves the counts per mV');
  const renamed = new OpenBciCytonDecoder({ channelNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], gain: 12 });
  t.same(ecgOf(renamed.push(HAND_BUILT))[0]!.leads, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 'the port config may rename channels');
  t.throws(() => new OpenBciCytonDecoder({ channelNames: ['I', 'II'] }), { code: 'CHASQUI_ERR_CONFIG' });
});

t.test('footers 0xC0–0xC6: same channels, aux read as the footer says', async (t) => {
  const aux = [0x58, 0x12, 0x00, 0x01, 0x02, 0x03]; // 'X', 0x12, time 0x00010203 ms
  const expected = {
    0xc0: { kind: 'accel', x: 0x5812, y: 0x0001, z: 0x0203 },
    0xc1: { kind: 'raw', bytes: Uint8Array.from(aux) },
    0xc2: { kind: 'raw', bytes: Uint8Array.from(aux) },
    0xc3: { kind: 'timestamp', syncSet: true, boardMs: 0x00010203, accelCode: 'X', accelByte: 0x12 },
    0xc4: { kind: 'timestamp', syncSet: false, boardMs: 0x00010203, accelCode: 'X', accelByte: 0x12 },
    0xc5: { kind: 'timestamp', syncSet: true, boardMs: 0x00010203, rawAux: Uint8Array.of(0x58, 0x12) },
    0xc6: { kind: 'timestamp', syncSet: false, boardMs: 0x00010203, rawAux: Uint8Array.of(0x58, 0x12) },
  } as const;
  for (const [footer, want] of Object.entries(expected)) {
    const p = encodeCytonFrame(9, HAND_VALUES, Number(footer), aux);
    t.same(decodeCytonAux(p[32]!, parseCytonFrame(p).aux), want, `footer 0x${Number(footer).toString(16)}`);
    const d = new OpenBciCytonDecoder();
    t.same(samplesOf(d.push(p)), HAND_VALUES);
    t.equal(d.stats().frames, 1);
  }
  for (const bad of [0xb0, 0xd0, 0x00, 0x7f]) {
    const d = new OpenBciCytonDecoder();
    t.same(samplesOf(d.push(cat([encodeCytonFrame(1, HAND_VALUES, bad), ...frames([2, 3])]))), samplesOf(new OpenBciCytonDecoder().push(cat(frames([2, 3])))));
    t.equal(d.stats().badFrames, 1, `footer 0x${bad.toString(16)} rejects the frame`);
  }
});

t.test('a skipped sample counter gives gapFrames', async (t) => {
  const d = new OpenBciCytonDecoder();
  const rs = ecgOf(d.push(cat(frames([0, 1, 2, 5, 6, 254, 255, 0, 1, 4]))));
  t.same(rs.map((r) => [r.samples.length / 8, r.gapFrames]), [[3, 0], [2, 2], [4, 247]], 'gaps of 2 and 247 (counting across the wrap at 255)');
  t.same(
    ecgOf(d.push(cat(frames([5])))).map((r) => [r.samples.length / 8, r.gapFrames]),
    [[2, 2]],
    'the frame after a gap (4) waits for the next header to vouch for it, then 5 follows on',
  );
  d.reset();
  t.same(ecgOf(d.push(cat(frames([100])))).map((r) => r.gapFrames), [0], 'after reset() the next counter starts afresh');
});

t.test('split at every offset, garbage between frames, joined mid-frame', async (t) => {
  const stream = cat(frames([10, 11, 12]));
  const whole = samplesOf(new OpenBciCytonDecoder().push(stream));
  t.equal(whole.length, 24);
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new OpenBciCytonDecoder();
    const got = [...samplesOf(d.push(stream.subarray(0, cut))), ...samplesOf(d.push(stream.subarray(cut)))];
    if (got.join() !== whole.join()) t.fail(`split at ${cut}`);
    const s = d.stats();
    if (s.frames !== 3 || s.droppedBytes !== 0 || s.resyncs !== 0) t.fail(`split at ${cut}: ${JSON.stringify(s)}`);
  }
  t.pass(`${stream.length + 1} splits decode the same`);

  const random = mulberry32(11);
  const junk = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const parts = frames([1, 2, 3, 4, 5]);
  const gaps = [junk(7), Uint8Array.of(0xa0, 0xa0, 0xa0), junk(33), Uint8Array.of(0xa0), junk(2)];
  const d = new OpenBciCytonDecoder();
  const rs = d.push(cat(parts.flatMap((p, i) => [gaps[i] as Uint8Array, p])));
  t.same(samplesOf(rs), samplesOf(new OpenBciCytonDecoder().push(cat(parts))));
  t.same(ecgOf(rs).map((r) => r.gapFrames), [0], 'no frame lost, so no gap');
  t.equal(d.stats().frames, 5);
  t.equal(d.stats().droppedBytes, gaps.reduce((n, g) => n + g.length, 0));
  t.equal(d.stats().resyncs, 4);

  const late = new OpenBciCytonDecoder();
  t.same(samplesOf(late.push(stream.subarray(20))), whole.slice(8), 'joined mid-frame');
  t.same(late.stats(), { frames: 2, droppedBytes: CYTON_FRAME_LENGTH - 20, resyncs: 0, badFrames: 0 });
});

t.test('the banner after v is read as device info, even split and between frames', async (t) => {
  const banner = 'OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$';
  const d = new OpenBciCytonDecoder();
  const bytes = cat([...frames([1]), text(banner), ...frames([2])]);
  const out: Reading[] = [];
  for (let at = 0; at < bytes.length; at += 5) out.push(...d.push(bytes.subarray(at, at + 5)));
  t.same(infoOf(out), [{ kind: 'deviceInfo', info: { board: 'OpenBCI Cyton', ready: true, banner: banner.slice(0, -4), firmware: 'v3.1.2' } }]);
  t.equal(d.stats().frames, 2);
  t.equal(d.stats().droppedBytes, 0, 'the banner is read, not dropped');
  const failure = infoOf(new OpenBciCytonDecoder().push(text('Failure: Communications timeout - Device failed to poll Host$$$')));
  t.equal(failure[0]?.info.ready, false, 'the dongle answering for a board that is off');
  const stray = new OpenBciCytonDecoder();
  stray.push(cat([text('hello'), ...frames([1, 2])]));
  t.equal(stray.stats().droppedBytes, 5, 'text that never ends in $$$ is counted as dropped');
});

t.test('seeded fuzz: 2000 mutated streams never throw, resync, account for bytes', async (t) => {
  const random = mulberry32(4242);
  const int = (n: number) => Math.floor(random() * n);
  const tail = frames([200, 201, 202]);
  const tailSamples = samplesOf(new OpenBciCytonDecoder().push(cat(tail)));
  for (let run = 0; run < 2000; run++) {
    const bytes = Array.from(cat(frames(Array.from({ length: 8 }, (_, i) => (run + i) & 0xff), 0xc0 + (run % 7))));
    for (let m = 1 + int(4); m > 0; m--) {
      const at = int(bytes.length);
      const op = int(4);
      if (op === 0) bytes[at] = int(256);
      else if (op === 1) bytes.splice(at, 1 + int(50));
      else if (op === 2) bytes.splice(at, 0, ...Array.from({ length: 1 + int(40) }, () => (int(3) === 0 ? 0xa0 : int(256))));
      else bytes.splice(at, 0, ...bytes.slice(int(bytes.length), int(bytes.length)));
    }
    const stream = cat([Uint8Array.from(bytes), ...tail]);
    const d = new OpenBciCytonDecoder();
    const out: Reading[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = 1 + int(80);
      out.push(...d.push(stream.subarray(at, at + n)));
      at += n;
    }
    if (samplesOf(out).slice(-24).join() !== tailSamples.join()) t.fail(`run ${run}: not in sync for the clean tail`);
    const s = d.stats();
    const accounted = s.frames * CYTON_FRAME_LENGTH + s.droppedBytes;
    if (infoOf(out).length === 0 ? accounted !== stream.length : accounted > stream.length) t.fail(`run ${run}: ${JSON.stringify(s)} for ${stream.length} bytes`);
  }
  t.pass('2000 runs');
});

t.test('session: v, wait for $$$ (retrying), b; stall restarts; close sends s', async (t) => {
  const s = new OpenBciCytonSession({ bannerTimeoutMs: 2000, stallMs: 3000 });
  const str = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('|');
  t.equal(str(s.open()), 'v');
  t.equal(str(s.tick(1000)), '', 'the wait starts at the first tick');
  t.equal(str(s.tick(2999)), '');
  t.equal(str(s.tick(3000)), 'v', 'no banner in 2 s: reset again');
  t.equal(str(s.onReadings(s.decoder.push(text('Failure: Communications timeout - Device failed to poll Host$$$')))), '', 'board off: keep waiting');
  t.equal(str(s.tick(5000)), 'v');
  t.equal(str(s.onReadings(s.decoder.push(text('OpenBCI V3 8-16 channel\nFirmware: v3.1.2\n$$$')))), 'b');
  t.equal(str(s.tick(5100)), '');
  s.onReadings(s.decoder.push(cat(frames([0, 1]))));
  t.equal(str(s.tick(6000)), '', 'frames arriving');
  t.equal(str(s.tick(8999)), '');
  t.equal(str(s.tick(9000)), 'v', 'no frame for 3 s: start over');
  t.equal(str(s.onReadings(s.decoder.push(text('OpenBCI V3\n$$$')))), 'b');
  t.equal(str(s.close()), 's');
  t.equal(str(s.onReadings(s.decoder.push(text('OpenBCI V3\n$$$')))), '', 'closed: nothing more');
  t.equal(openBciCytonProtocol.id, 'openbci-cyton');
  t.same(openBciCytonProtocol.serial, { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 });
});

t.test('emulator → session → decoder: LUDB record 1 comes back exactly', async (t) => {
  const record = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const emu = cytonEmulatorFromWfdb(record, { seed: 5 });
  const k = OPENBCI_EMULATOR_COUNTS_PER_UNIT;
  t.equal(k, 45, 'round(44 739 counts/mV ÷ 1000 LUDB units/mV)');
  t.equal(emu.advance(1000).length, 0, 'silent until told to stream');
  const session = new OpenBciCytonSession();
  const out: Reading[] = [];
  const feed = (bytes: Uint8Array) => {
    const rs = session.decoder.push(bytes);
    out.push(...rs);
    for (const reply of session.onReadings(rs)) feed(emu.receive(reply));
  };
  for (const c of session.open()) feed(emu.receive(c));
  t.ok(emu.isStreaming, 'v → banner → b');
  for (let ms = 0; ms < 6000; ms += 20) feed(emu.advance(20));
  const ecg = ecgOf(out);
  t.same(ecg[0]!.leads, CYTON_DEFAULT_MONTAGE);
  const samples = samplesOf(out);
  t.equal(samples.length, 1500 * 8, '6 s at 250 Hz');
  let mismatches = 0;
  for (let f = 0; f < 1500; f++) {
    const src = emu.source.frame(f);
    for (let ch = 0; ch < 8; ch++) {
      const v = samples[f * 8 + ch] as number;
      if (v % k !== 0 || v / k !== src[ch]) mismatches++;
    }
  }
  t.equal(mismatches, 0, 'every decoded sample ÷ k is the LUDB sample');
  const ii = record.signals[1] as Int16Array;
  t.equal(emu.source.frame(7)[1], ii[14], 'every other sample of the 500 Hz record');
  t.same(ecg.map((r) => r.gapFrames).filter((g) => g > 0), [], 'no gaps');

  // The capture is a 12-lead ECG: III from the Cyton's I and II equals LUDB's own iii.
  const capture = { samplingFrequency: 250, leads: CYTON_DEFAULT_MONTAGE.map((name, ch) => ({ name, unitsPerMv: ecg[0]!.unitsPerMv, baseline: 0, samples: Int32Array.from({ length: 1500 }, (_, f) => samples[f * 8 + ch] as number) })) };
  const iii = twelveLeads(capture).leads.find((l) => l.name === 'III')!.mv;
  const recIii = record.signals[2] as Int16Array;
  let worst = 0;
  for (let f = 0; f < 1500; f++) worst = Math.max(worst, Math.abs((iii[f] as number) * ecg[0]!.unitsPerMv / k - (recIii[f * 2] as number)));
  t.ok(worst < 1e-6, `derived III = recorded iii in source units (worst ${worst})`);

  emu.inject({ kind: 'leadOff' });
  const off = ecgOf(session.decoder.push(emu.advance(200)));
  t.ok(off.length > 0 && off.every((r) => r.leadOff.length === 8), 'all electrodes off: every channel railed');
  emu.inject({ kind: 'leadOn' });
  t.same(ecgOf(session.decoder.push(emu.advance(200))).flatMap((r) => r.leadOff), []);

  emu.inject({ kind: 'noise', bytes: 40 });
  const noisy = ecgOf(session.decoder.push(emu.advance(400)));
  const got = noisy.reduce((n, r) => n + r.samples.length / 8, 0);
  const gaps = noisy.reduce((n, r) => n + r.gapFrames, 0);
  t.equal(got + gaps, 100, `frames lost to the noise (${gaps}) are reported as the gap`);
  t.ok(gaps <= 2);

  for (const c of session.close()) emu.receive(c);
  t.notOk(emu.isStreaming, 's stops the stream');
  t.equal(emu.advance(500).length, 0);

  const mitdb = await readWfdbRecord(join(SHARED_DATA, 'ecg/mitdb/100s.hea'));
  t.throws(() => cytonEmulatorFromWfdb(mitdb), { code: 'CHASQUI_ERR_ECG_FORMAT', message: /lacks I, II, V1, V2, V3, V4, V6/ }, 'a two-lead record is refused plainly');
});
