import t from 'tap';
import { join } from 'node:path';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { encodeOpenViewPacket, OPENVIEW_PACKET_LENGTH, type OpenViewSample } from '../../../firmware-bridge/devices/openview-packet.js';
import { HEALTHYPI_ECG_UNITS_PER_MV, OpenViewDecoder, openViewProtocol } from '../../../firmware-bridge/devices/openview.js';
import type { EcgReading, Reading, VitalsReading } from '../../../firmware-bridge/devices/readings.js';
import { openViewEmulatorFromWfdb } from '../../../firmware-bridge/emulators/openview-emulator.js';
import { mulberry32 } from '../../link/prng.js';
import { SHARED_DATA } from '../../support/paths.js';

const ecgOf = (rs: Reading[]): number[] => rs.flatMap((r) => (r.kind === 'ecg' ? Array.from(r.samples) : []));
const vitalsOf = (rs: Reading[]): VitalsReading[] => rs.filter((r): r is VitalsReading => r.kind === 'vitals');
const cat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/**
 * One packet written out byte by byte from the layout in
 * healthypi3_streaming.ino loop() (DataPacket[0..26]), not from our encoder.
 */
const HAND_BUILT = Uint8Array.from([
  0x0a, 0xfa, 0x14, 0x00, 0x02, // start, payload length 20 LE, type 2 (data)
  0x34, 0x12, //                   ECG 0x1234 = 4660
  0xfe, 0xff, //                   respiration −2
  0x78, 0x56, 0x34, 0x12, //       PPG IR 0x12345678
  0x00, 0x00, 0x01, 0x00, //       PPG red 65536
  0x4c, 0x0e, //                   temperature 0x0E4C = 3660 → 36.60 °C
  0x0e, //                         respiration rate 14
  0x61, //                         SpO2 97
  0x48, //                         heart rate 72
  0x50, 0x00, //                   "BP" placeholder: 80, 0
  0x00, //                         lead status: all on
  0x00, 0x0b, //                   end of frame
]);
const HAND_FIELDS: OpenViewSample = {
  ecg: 4660, respiration: -2, ppgIr: 0x12345678, ppgRed: 65536, temperatureCenti: 3660, respirationRate: 14, spo2: 97, heartRate: 72, leadStatus: 0,
};

/** Packets with recognisable, distinct ECG values. */
function packets(n: number, from = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => encodeOpenViewPacket({ ...HAND_FIELDS, ecg: ((from + i) * 37) % 30000 - 15000 }));
}

t.test('a hand-built packet decodes to the documented values', async (t) => {
  t.same(encodeOpenViewPacket(HAND_FIELDS), HAND_BUILT, 'our encoder writes the firmware layout');
  const d = new OpenViewDecoder();
  const rs = d.push(HAND_BUILT);
  const ecg = rs.find((r) => r.kind === 'ecg') as EcgReading;
  t.same(Array.from(ecg.samples), [4660]);
  t.same(ecg.leads, ['I']);
  t.equal(ecg.samplingFrequency, 125);
  t.equal(ecg.baseline, 0);
  t.same(ecg.leadOff, []);
  t.equal(ecg.gapFrames, 0);
  t.ok(Math.abs(ecg.unitsPerMv - 24.375) < 0.001, `unitsPerMv ${ecg.unitsPerMv}`);
  t.same(rs.find((r) => r.kind === 'respiration'), { kind: 'respiration', samplingFrequency: 125, values: [-2] });
  t.same(rs.find((r) => r.kind === 'pleth'), { kind: 'pleth', samplingFrequency: 125, values: [0x12345678] });
  t.same(vitalsOf(rs), [{ kind: 'vitals', heartRateBpm: 72, respirationRate: 14, temperatureC: 36.6, spo2: 97 }]);
  t.same(d.stats(), { frames: 1, droppedBytes: 0, resyncs: 0, badFrames: 0 });
  t.equal(HEALTHYPI_ECG_UNITS_PER_MV, (12 * 2 ** 23) / 4.033 / 1000 / 1024, "gain 12, VREF 4.033 V, 1024 codes per unit");
  t.same(new OpenViewDecoder({ lead: 'MCL1' }).push(HAND_BUILT).find((r) => r.kind === 'ecg')?.leads, ['MCL1'], 'the lead name comes from the port config');
});

t.test('invalid numerics become null; lead-off is reported', async (t) => {
  const vitals = (s: Partial<OpenViewSample>) => vitalsOf(new OpenViewDecoder().push(encodeOpenViewPacket({ ...HAND_FIELDS, ...s })))[0];
  t.equal(vitals({ spo2: 25 })?.spo2, null, '25 is −999 cut to a byte');
  t.equal(vitals({ spo2: 101 })?.spo2, null);
  t.equal(vitals({ leadStatus: 2 })?.spo2, null, 'SpO2 probe off');
  t.equal(vitals({ leadStatus: 2 })?.heartRateBpm, 72, 'the ECG numerics stay with the probe off');
  t.same(vitals({ leadStatus: 1 }), { kind: 'vitals', heartRateBpm: null, respirationRate: null, temperatureC: 36.6, spo2: 97 });
  t.equal(vitals({ heartRate: 0 })?.heartRateBpm, null);
  t.equal(vitals({ respirationRate: 0 })?.respirationRate, null);
  t.equal(vitals({ temperatureCenti: 0 })?.temperatureC, null);
  const off = new OpenViewDecoder().push(cat([...packets(2), encodeOpenViewPacket({ ...HAND_FIELDS, ecg: 0, leadStatus: 1 }), ...packets(1)]));
  const ecg = off.filter((r): r is EcgReading => r.kind === 'ecg');
  t.same(ecg.map((r) => [r.samples.length, r.leadOff]), [[2, []], [1, ['I']], [1, []]], 'a reading is cut where lead-off changes');
});

t.test('vitals are sent on change and once a second', async (t) => {
  const d = new OpenViewDecoder();
  const same = d.push(cat(packets(300)));
  t.equal(vitalsOf(same).length, 3, 'frames 0, 125, 250');
  const changed = d.push(cat([encodeOpenViewPacket({ ...HAND_FIELDS, heartRate: 73 }), encodeOpenViewPacket({ ...HAND_FIELDS, heartRate: 73 })]));
  t.same(vitalsOf(changed).map((v) => v.heartRateBpm), [73]);
});

t.test('split at every offset, one byte at a time, garbage between frames, joined mid-frame', async (t) => {
  const stream = cat(packets(4));
  const whole = ecgOf(new OpenViewDecoder().push(stream));
  t.equal(whole.length, 4);
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new OpenViewDecoder();
    const got = [...ecgOf(d.push(stream.subarray(0, cut))), ...ecgOf(d.push(stream.subarray(cut)))];
    if (got.join() !== whole.join()) t.fail(`split at ${cut}: ${got.join()}`);
    t.same(d.stats(), { frames: 4, droppedBytes: 0, resyncs: 0, badFrames: 0 }, `split at ${cut}`);
  }
  const bytewise = new OpenViewDecoder();
  t.same(Array.from(stream).flatMap((b) => ecgOf(bytewise.push(Uint8Array.of(b)))), whole, 'one byte at a time');

  const random = mulberry32(7);
  const junk = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  // Junk full of start bytes is the hard case: every 0x0A, 0xFA begins a false frame.
  const tricky = Uint8Array.from([0x0a, 0x0a, 0xfa, 0x14, 0x00, 0x0a, 0xfa, 0x14, 0x00, 0x02, 0x01, 0x0a]);
  const parts = packets(6);
  const gaps = [junk(5), tricky, junk(40), Uint8Array.of(0x0a, 0xfa), junk(1), tricky];
  const mixed = cat(parts.flatMap((p, i) => [gaps[i] as Uint8Array, p]));
  const d = new OpenViewDecoder();
  t.same(ecgOf(d.push(mixed)), ecgOf(new OpenViewDecoder().push(cat(parts))), 'every frame found between the garbage');
  const s = d.stats();
  t.equal(s.frames, 6);
  t.equal(s.droppedBytes, gaps.reduce((n, g) => n + g.length, 0), 'every junk byte counted');
  t.equal(s.resyncs, 5, 'one per gap after the first frame; the leading junk came before any sync');
  t.ok(s.badFrames >= 2, `false starts past 0x0A 0xFA counted as bad frames: ${s.badFrames}`);

  const late = new OpenViewDecoder();
  t.same(ecgOf(late.push(stream.subarray(13))), whole.slice(1), 'joined mid-frame: the first whole frame is the next one');
  t.same(late.stats(), { frames: 3, droppedBytes: OPENVIEW_PACKET_LENGTH - 13, resyncs: 0, badFrames: 0 });
  late.push(stream.subarray(0, 10));
  late.reset();
  t.same(ecgOf(late.push(stream)), whole, 'reset() forgets a partial frame');
});

t.test('seeded fuzz: 2000 mutated streams never throw, resync within a frame, account for every byte', async (t) => {
  const random = mulberry32(20261123);
  const int = (n: number) => Math.floor(random() * n);
  const tail = packets(3, 900);
  const tailEcg = ecgOf(new OpenViewDecoder().push(cat(tail)));
  let worstLoss = 0;
  for (let run = 0; run < 2000; run++) {
    const bytes = Array.from(cat(packets(10, run)));
    for (let m = 1 + int(4); m > 0; m--) {
      const at = int(bytes.length);
      const op = int(4);
      if (op === 0) bytes[at] = int(256);
      else if (op === 1) bytes.splice(at, 1 + int(40));
      else if (op === 2) bytes.splice(at, 0, ...Array.from({ length: 1 + int(30) }, () => int(256)));
      else bytes.splice(at, 0, ...bytes.slice(int(bytes.length), int(bytes.length)));
    }
    const stream = cat([Uint8Array.from(bytes), ...tail]);
    const d = new OpenViewDecoder();
    const out: Reading[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = 1 + int(60);
      out.push(...d.push(stream.subarray(at, at + n)));
      at += n;
    }
    const ecg = ecgOf(out);
    const s = d.stats();
    if (ecg.slice(-3).join() !== tailEcg.join()) t.fail(`run ${run}: not back in sync for the clean tail`);
    if (s.frames * OPENVIEW_PACKET_LENGTH + s.droppedBytes !== stream.length) t.fail(`run ${run}: bytes unaccounted ${JSON.stringify(s)}`);
    worstLoss = Math.max(worstLoss, 13 - s.frames);
  }
  t.pass(`2000 runs; at most ${worstLoss} of 13 frames lost in one run`);
});

t.test('emulator → decoder: LUDB lead I at 125 Hz, vitals warming up, faults', async (t) => {
  const record = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const emu = openViewEmulatorFromWfdb(record, { seed: 3 });
  t.equal(emu.source.samplingFrequency, 125);
  t.equal(emu.receive(Uint8Array.of(0x76)).length, 0, 'the HAT reads nothing');
  const d = new OpenViewDecoder();
  const out: Reading[] = [];
  for (let ms = 0; ms < 6000; ms += 20) out.push(...d.push(emu.advance(20)));
  const ecg = ecgOf(out);
  t.equal(ecg.length, 750, '6 s at 125 Hz');
  const expected = Array.from({ length: 750 }, (_, i) => emu.ecgUnits(emu.source.frame(i)[0] as number));
  t.same(ecg, expected, 'every sample is the source scaled to HAT units');
  const i = record.signals[0] as Int16Array;
  t.equal(emu.source.frame(3)[0], i[12], 'decimated by 4, exactly');
  t.ok(Math.max(...ecg) >= 35 && Math.max(...ecg) <= 40, `R wave ≈ 1.53 mV ≈ 37 units: ${Math.max(...ecg)}`);
  const v = vitalsOf(out);
  t.same(v[0], { kind: 'vitals', heartRateBpm: null, respirationRate: null, temperatureC: 36.6, spo2: null }, 'nothing computed yet');
  t.same(v.at(-1), { kind: 'vitals', heartRateBpm: 46, respirationRate: 14, temperatureC: 36.6, spo2: 97 });
  const resp = out.flatMap((r) => (r.kind === 'respiration' ? r.values : []));
  t.ok(Math.max(...resp) > 1000 && Math.min(...resp) < -1000, 'respiration swings');
  t.equal(out.flatMap((r) => (r.kind === 'pleth' ? r.values : [])).length, 750);

  emu.inject({ kind: 'leadOff' });
  const off = d.push(emu.advance(400));
  t.ok(off.filter((r) => r.kind === 'ecg').every((r) => (r as EcgReading).leadOff.includes('I')), 'lead-off bit set');
  t.ok(ecgOf(off).every((x) => x === 0), 'flat while off');
  t.equal(vitalsOf(off)[0]?.heartRateBpm, null);
  emu.inject({ kind: 'leadOn' });
  t.ok(ecgOf(d.push(emu.advance(400))).some((x) => x !== 0), 'signal back');

  const before = d.stats();
  emu.inject({ kind: 'noise', bytes: 64 });
  const noisy = ecgOf(d.push(emu.advance(400)));
  const after = d.stats();
  t.ok(noisy.length >= 48 && noisy.length <= 50, `50 packets sent, at most 2 lost to the noise: ${noisy.length}`);
  t.ok(after.droppedBytes - before.droppedBytes >= 64, 'the noise was dropped');
});

t.test('protocol: 115200 8N1, a session that writes nothing', async (t) => {
  t.equal(openViewProtocol.id, 'openview');
  t.same(openViewProtocol.serial, { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 });
  const s = openViewProtocol.createSession();
  t.same([s.open(), s.tick(0), s.onReadings([]), s.close()], [[], [], [], []]);
  t.ok(s.decoder instanceof OpenViewDecoder);
});
