import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isChasquiError } from '../../../lib/errors.js';
import { checksum16, decodeSignals, encodeFormat16, parseHeader, physical, type WfdbHeader } from '../../../firmware-bridge/ecg/wfdb.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { SHARED_DATA } from '../../support/paths.js';
import { mulberry32 } from '../../../lib/prng.js';
import { expectEcgError } from './expect-ecg-error.js';

const ECG = join(SHARED_DATA, 'ecg');
const file = (rel: string): Buffer => readFileSync(join(ECG, rel));

/** What /work/shared/data/ecg/README.md says about each record. */
const RECORDS = [
  { path: 'mitdb/100', signals: 2, samples: 650000, fs: 360, first: [995, 1011] },
  { path: 'mitdb/100s', signals: 2, samples: 21600, fs: 360, first: [995, 1011] },
  { path: 'mitdb/208', signals: 2, samples: 650000, fs: 360, first: [1003, 1062] },
  { path: 'svdb/800', signals: 2, samples: 230400, fs: 128, first: [-101, 123] },
  { path: 'ptbdb/s0010_re', signals: 15, samples: 38400, fs: 1000, first: [-489, -458] },
  { path: 'ludb/1', signals: 12, samples: 5000, fs: 500, first: [-120, 25] },
] as const;

const rng = mulberry32;

/** Format 212 writer for tests only (signal(5)): the flat interleaved stream, two 12-bit values per 3 bytes. */
function encode212(signals: Int16Array[], offset: number): Uint8Array {
  const nsig = signals.length;
  const nsamp = signals[0]?.length ?? 0;
  const total = nsig * nsamp;
  const out = new Uint8Array(offset + Math.ceil((total * 3) / 2));
  for (let k = 0; k < total; k++) {
    const v = signals[k % nsig]![Math.floor(k / nsig)]! & 0xfff;
    const p = offset + Math.floor(k / 2) * 3;
    if (k % 2 === 0) {
      out[p] = v & 0xff;
      out[p + 1] = (out[p + 1]! & 0xf0) | (v >> 8);
    } else {
      out[p + 2] = v & 0xff;
      out[p + 1] = (out[p + 1]! & 0x0f) | ((v >> 8) << 4);
    }
  }
  return out;
}

t.test('every shared record reads, checksums verified, with the documented shape', async (t) => {
  for (const r of RECORDS) {
    const started = performance.now();
    const { header, signals } = await readWfdbRecord(join(ECG, `${r.path}.hea`));
    const ms = performance.now() - started;
    t.equal(header.signals.length, r.signals, `${r.path} signal count`);
    t.equal(signals.length, r.signals);
    t.equal(header.samplesPerSignal, r.samples, `${r.path} samples`);
    t.ok(signals.every((s) => s.length === r.samples));
    t.equal(header.samplingFrequency, r.fs, `${r.path} fs`);
    t.same([signals[0]![0], signals[1]![0]], r.first, `${r.path} first samples`);
    // The header's initial value is the first sample: an independent check of the decoder.
    header.signals.forEach((s, i) => t.equal(signals[i]![0], s.initialValue, `${r.path} signal ${i} initial value`));
    header.signals.forEach((s, i) => t.equal(checksum16(signals[i]!), s.checksum, `${r.path} signal ${i} checksum`));
    t.ok(ms < 1000, `${r.path} read and decoded in ${ms.toFixed(1)} ms`);
  }
});

t.test('gains, baselines, units and physical values', async (t) => {
  const mit = parseHeader(file('mitdb/100.hea').toString('latin1'));
  t.same(mit.signals.map((s) => s.description), ['MLII', 'V5']);
  t.equal(mit.signals[0]!.baseline, 1024);
  t.equal(mit.signals[0]!.units, 'mV');
  t.equal(physical(mit, 0, 995), (995 - 1024) / 200);

  const ludb = parseHeader(file('ludb/1.hea').toString('latin1'));
  t.same(ludb.signals.map((s) => s.description), ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  t.same([ludb.signals[0]!.gain, ludb.signals[0]!.baseline, ludb.signals[0]!.units], [1716, 6, 'mV']);
  t.equal(ludb.signals[2]!.baseline, -5);
  t.equal(physical(ludb, 0, 1722), 1, 'LUDB lead i: baseline 6, 1716 per mV');

  const ptb = parseHeader(file('ptbdb/s0010_re.hea').toString('latin1'));
  t.same([...new Set(ptb.signals.map((s) => s.fileName))], ['s0010_re.dat', 's0010_re.xyz']);
  t.equal(physical(ptb, 0, 2000), 1);
  t.match(ptb.info.join('\n'), /Myocardial infarction/);

  const zeroGain = parseHeader('r 1 100 2\nr.dat 16 0(10) 12 0 0\n');
  t.equal(physical(zeroGain, 0, 210), 1, 'gain 0 means 200 (header(5))');
  expectEcgError(t, () => physical(zeroGain, 3, 0), /no signal 3/);
});

t.test('header quirks: comments before the record line, blank lines, CRLF, optional fields', async (t) => {
  const mit = parseHeader(file('mitdb/100.hea').toString('latin1'));
  t.equal(mit.recordName, '100');
  t.same(mit.info, [' unnecessary comment', ' 69 M 1085 1629 x1', ' Aldomet, Inderal']);
  const sv = file('svdb/800.hea').toString('latin1');
  t.match(sv, /\r\n/, 'the svdb header really has CRLF');
  const h = parseHeader(sv);
  t.same(h.signals.map((s) => [s.fileName, s.description, s.adcZero]), [['800.dat', 'ECG', 0], ['800.dat', 'ECG', 0]]);

  const full = parseHeader(
    '  # lead comment  \r\n\r\nrec_1 2 360/1000(12) 10 12:30:00 25/12/2020   \r\n' +
      'rec_1.dat 212x1:0+6 100(3)/uV 12 0 7 123 0 lead two words\r\nrec_1.dat 212+6\r\n#tail',
  );
  t.same([full.samplingFrequency, full.counterFrequency, full.baseCounter], [360, 1000, 12]);
  t.same([full.baseTime, full.baseDate], ['12:30:00', '25/12/2020']);
  t.same(full.signals[0], {
    fileName: 'rec_1.dat', format: 212, byteOffset: 6, gain: 100, baseline: 3, units: 'uV', adcResolution: 12,
    adcZero: 0, initialValue: 7, checksum: 123, blockSize: 0, description: 'lead two words',
  });
  t.same([full.signals[1]!.gain, full.signals[1]!.baseline, full.signals[1]!.checksum], [200, 0, undefined]);
  t.same(full.info, [' lead comment', 'tail']);

  const minimal = parseHeader('r 0');
  t.same([minimal.samplingFrequency, minimal.samplesPerSignal, minimal.signals], [250, undefined, []]);
});

t.test('format 212 round trip on synthetic records (property)', async (t) => {
  const next = rng(212);
  for (let run = 0; run < 200; run++) {
    const nsig = 1 + Math.floor(next() * 4);
    const nsamp = Math.floor(next() * 40);
    const offset = next() < 0.3 ? Math.floor(next() * 10) : 0;
    const signals = Array.from({ length: nsig }, () => Int16Array.from({ length: nsamp }, () => Math.floor(next() * 4096) - 2048));
    const lines = [`syn ${nsig} 250 ${nsamp}`];
    signals.forEach((s, i) => lines.push(`syn.dat 212${offset ? `+${offset}` : ''} 200 12 0 ${s[0] ?? 0} ${checksum16(s)} 0 s${i}`));
    const header = parseHeader(lines.join('\n'));
    const decoded = decodeSignals(header, { 'syn.dat': encode212(signals, offset) });
    if (!decoded.every((d, i) => d.length === nsamp && d.every((v, j) => v === signals[i]![j]))) {
      t.fail(`run ${run}: ${nsig} signals × ${nsamp} samples, offset ${offset} did not round-trip`);
      return;
    }
  }
  t.pass('200 random records round-trip, extremes included');
  const edge = [new Int16Array([-2048, 2047, -1, 0, 1])];
  const h = parseHeader(`e 1 250 5\ne.dat 212 200 12 0 -2048 ${checksum16(edge[0]!)} 0`);
  t.same([...decodeSignals(h, { 'e.dat': encode212(edge, 0) })[0]!], [-2048, 2047, -1, 0, 1], 'sign extension at the 12-bit limits');
});

t.test('encodeFormat16 then parse + decode gives back every record unchanged', async (t) => {
  for (const r of RECORDS) {
    const { header, signals } = await readWfdbRecord(join(ECG, `${r.path}.hea`));
    const out = encodeFormat16(header, signals);
    const back = parseHeader(out.header);
    const decoded = decodeSignals(back, { [`${header.recordName}.dat`]: out.dat });
    t.ok(decoded.every((d, i) => d.length === signals[i]!.length && d.every((v, j) => v === signals[i]![j])), `${r.path} samples identical`);
    t.same(back.signals.map((s) => [s.gain, s.baseline, s.units, s.description, s.format]),
      header.signals.map((s) => [s.gain, s.baseline, s.units, s.description, 16]), `${r.path} calibration kept`);
    t.same([back.samplingFrequency, back.samplesPerSignal, back.info], [header.samplingFrequency, header.samplesPerSignal, header.info]);
  }
  expectEcgError(t, () => encodeFormat16(parseHeader('r 2 1 1\nr.dat 16\nr.dat 16'), [new Int16Array(1)]), /2 signals but 1/);
});

t.test('malformed records fail with CHASQUI_ERR_ECG_FORMAT naming the part', async (t) => {
  const hea = file('mitdb/100s.hea').toString('latin1');
  const dat = file('mitdb/100s.dat');
  expectEcgError(t, () => parseHeader(hea.replace(/212/g, '80')), /format 80/);
  expectEcgError(t, () => parseHeader(hea.replace('212', '212:3')), /skew 3/);
  expectEcgError(t, () => parseHeader(hea.replace('212', '212x4')), /4 samples per frame/);
  expectEcgError(t, () => parseHeader(hea.replace('100s 2', '100s/3 2')), /multi-segment/);
  expectEcgError(t, () => parseHeader(hea.replace('100s 2', '100s 3')), /declares 3 signals/);
  expectEcgError(t, () => parseHeader(hea.replace(' 360 ', ' fast ')), /sampling frequency/);
  expectEcgError(t, () => parseHeader(hea.replace(' 200 11', ' 200(x)/mV 11')), /baseline/);
  expectEcgError(t, () => parseHeader('# only a comment\n\n'), /no record line/);
  expectEcgError(t, () => parseHeader('<html><body>not found</body></html>'), /record name/);
  expectEcgError(t, () => parseHeader('\u0000\u0001\u00ff garbage'), /record name|number of signals/);

  const header = parseHeader(hea);
  expectEcgError(t, () => decodeSignals(header, { '100s.dat': dat.subarray(0, dat.length - 1) }), /100s\.dat is too short/);
  expectEcgError(t, () => decodeSignals(header, {}), /100s\.dat is missing/);
  expectEcgError(t, () => decodeSignals(parseHeader(hea.replace('21537', '21538')), { '100s.dat': dat }), /signal 0 \(MLII\) checksum/);
  const flipped = Uint8Array.from(dat);
  flipped[3000] = flipped[3000]! ^ 0x01;
  expectEcgError(t, () => decodeSignals(header, { '100s.dat': flipped }), /checksum/);

  await t.rejects(readWfdbRecord(join(ECG, 'mitdb/nope.hea')), { code: 'CHASQUI_ERR_NOT_FOUND' });
});

t.test('fuzzed headers and files never throw anything but ChasquiError', async (t) => {
  const next = rng(7);
  const sources = ['mitdb/100.hea', 'svdb/800.hea', 'ptbdb/s0010_re.hea', 'ludb/1.hea'].map((p) => file(p).toString('latin1'));
  const alphabet = ' \t\r\n#/()+:x0123456789-.abc\u0000';
  const dat = file('mitdb/100s.dat').subarray(0, 3000);
  let crashes = 0;
  for (let run = 0; run < 2000; run++) {
    const chars = [...sources[run % sources.length]!];
    for (let m = 0; m < 1 + Math.floor(next() * 4); m++) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)]!;
    try {
      const h: WfdbHeader = parseHeader(chars.join(''));
      const files = Object.fromEntries(h.signals.map((s) => [s.fileName, dat.subarray(0, Math.floor(next() * dat.length))]));
      decodeSignals(h, files);
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT')) {
        crashes++;
        t.fail(`run ${run}: ${String(err)}`);
      }
    }
  }
  t.equal(crashes, 0);
});
