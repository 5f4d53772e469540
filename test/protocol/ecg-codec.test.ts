import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { brotliCompressSync, constants, crc32 } from 'node:zlib';
import { decodeEcg, ecgInfo, encodeEcg } from '../../protocol/ecg-codec.js';
import { MAX_TOTAL_SAMPLES } from '../../protocol/ecg-header.js';
import { ECG_SAMPLE_MAX, ECG_SAMPLE_MIN, type EcgRecording } from '../../protocol/ecg-recording.js';
import { isChasquiError } from '../../lib/errors.js';
import { ECG_RECORDS, FLAC_BIN, flacBest, loadSharedEcg } from '../bench/ecg-bench.js';
import { mulberry32 } from '../link/prng.js';

/** Deterministic, so failures reproduce. */
const rng = mulberry32;

function rec(leads: Int32Array[], samplingFrequency = 500): EcgRecording {
  return { samplingFrequency, leads: leads.map((samples, i) => ({ name: `L${i}`, unitsPerMv: 200, baseline: 0, samples })) };
}

function sameRecording(t: Test, got: EcgRecording, want: EcgRecording, what: string): void {
  t.equal(got.samplingFrequency, want.samplingFrequency, `${what}: sampling frequency`);
  t.equal(got.startedAt, want.startedAt, `${what}: startedAt`);
  t.equal(got.source, want.source, `${what}: source`);
  t.equal(got.leads.length, want.leads.length, `${what}: lead count`);
  for (let l = 0; l < want.leads.length; l++) {
    const a = want.leads[l]!;
    const b = got.leads[l]!;
    t.same([b.name, b.unitsPerMv, b.baseline], [a.name, a.unitsPerMv, a.baseline], `${what}: lead ${l} calibration`);
    let firstBad = -1;
    if (a.samples.length !== b.samples.length) firstBad = Math.min(a.samples.length, b.samples.length);
    else for (let i = 0; i < a.samples.length; i++) if (a.samples[i] !== b.samples[i]) { firstBad = i; break; }
    if (firstBad >= 0) t.fail(`${what}: lead ${l} differs at sample ${firstBad}`);
  }
  t.pass(`${what}: bit-exact`);
}

function roundTrip(t: Test, leads: Int32Array[], what: string, samplingFrequency = 500): Uint8Array {
  const r = rec(leads, samplingFrequency);
  const bytes = encodeEcg(r);
  sameRecording(t, decodeEcg(bytes), r, what);
  return bytes;
}

t.test('real records round-trip bit for bit and beat FLAC -8 and brotli q11', async (t) => {
  const haveFlac = existsSync(FLAC_BIN);
  for (const name of ECG_RECORDS) {
    const r = await loadSharedEcg(name);
    const bytes = encodeEcg(r);
    sameRecording(t, decodeEcg(bytes), r, name);
    // brotli q11 takes ~10 s on a 30-minute record, so long records are
    // compared on their first minute (ours is re-encoded on the same slice);
    // `npm run bench` compares whole records.
    const n = r.leads[0]!.samples.length;
    const m = Math.min(n, Math.round(60 * r.samplingFrequency));
    const slice: EcgRecording = { ...r, leads: r.leads.map((l) => ({ ...l, samples: l.samples.subarray(0, m) })) };
    const ours = m === n ? bytes.length : encodeEcg(slice).length;
    const raw = Buffer.alloc(m * r.leads.length * 2);
    for (let i = 0, o = 0; i < m; i++) for (const l of slice.leads) { raw.writeInt16LE(l.samples[i]!, o); o += 2; }
    const brotli = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length;
    t.ok(ours <= brotli, `${name}: ${ours} bytes ≤ brotli q11 ${brotli} bytes (${m} samples per lead)`);
    if (!haveFlac) continue;
    const flac = flacBest(slice.leads.map((l) => l.samples), r.samplingFrequency);
    t.ok(ours <= flac, `${name}: ${ours} bytes ≤ FLAC -8 ${flac} bytes (${m} samples per lead)`);
  }
  if (!haveFlac) t.comment(`${FLAC_BIN} missing: FLAC comparison skipped`);
});

t.test('the header describes the recording and ecgInfo reads only it', async (t) => {
  const r: EcgRecording = {
    samplingFrequency: 257.123456789,
    startedAt: '2026-11-23T08:15:00-05:00',
    source: 'OpenBCI Cyton en /dev/ttyUSB0 — posta Ñuñoa',
    leads: [
      { name: 'I', unitsPerMv: 1716.5, baseline: -120, samples: Int32Array.of(1, 2, 3) },
      { name: 'aVR', unitsPerMv: 2000, baseline: 1024.25, samples: Int32Array.of(-1, -2, ECG_SAMPLE_MIN) },
    ],
  };
  const bytes = encodeEcg(r);
  sameRecording(t, decodeEcg(bytes), r, 'calibrated, named, dated');
  const info = ecgInfo(bytes);
  t.same(info, {
    samplingFrequency: r.samplingFrequency, samplesPerLead: 3, durationSeconds: 3 / r.samplingFrequency, bytes: bytes.length,
    startedAt: r.startedAt, source: r.source,
    leads: [{ name: 'I', unitsPerMv: 1716.5, baseline: -120 }, { name: 'aVR', unitsPerMv: 2000, baseline: 1024.25 }],
  });
  // The header alone is enough for ecgInfo, so a listing need not read the samples.
  const headerOnly = bytes.subarray(0, bytes.length - 1);
  t.equal(ecgInfo(headerOnly).samplesPerLead, 3);
  const bare = decodeEcg(encodeEcg(rec([Int32Array.of(5)])));
  t.notOk('startedAt' in bare || 'source' in bare, 'absent startedAt and source stay absent');
  const empty = { ...rec([]), startedAt: '', source: '' };
  sameRecording(t, decodeEcg(encodeEcg(empty)), empty, 'empty strings are kept, not dropped');
});

t.test('synthetic signals round-trip bit for bit', async (t) => {
  const rand = rng(1);
  const noise = (n: number, bits = 16): Int32Array => Int32Array.from({ length: n }, () => Math.floor(rand() * 2 ** bits) - 2 ** (bits - 1));
  roundTrip(t, [noise(10_000)], 'white noise, full int16 range');
  roundTrip(t, [noise(10_000, 24), noise(10_000, 24)], 'white noise, full 24-bit range');
  roundTrip(t, [noise(5003), noise(5003)], 'white noise, 2 leads, length not a block multiple');
  roundTrip(t, [new Int32Array(4097).fill(1234)], 'constant');
  // The cheapest stream there is: the decoder's minimum-size check must still accept it.
  roundTrip(t, [new Int32Array(300_000).fill(-7), new Int32Array(300_000)], 'constant, 300 000 samples');
  roundTrip(t, [new Int32Array(3000).fill(ECG_SAMPLE_MIN), new Int32Array(3000).fill(ECG_SAMPLE_MAX)], 'constant 24-bit extremes');
  roundTrip(t, [Int32Array.from({ length: 2000 }, (_, i) => (i % 2 ? ECG_SAMPLE_MAX : ECG_SAMPLE_MIN))], 'alternating ±2^23 (worst residuals)');
  roundTrip(t, [Int32Array.from({ length: 2000 }, (_, i) => ((i >> 2) % 2 ? 32767 : -32768))], 'square wave between int16 extremes');
  roundTrip(t, [Int32Array.from({ length: 1500 }, (_, i) => (Math.floor(i / 97) % 5) * 1000 - 2000)], 'steps');
  roundTrip(t, [Int32Array.of(ECG_SAMPLE_MIN)], 'a single sample');
  roundTrip(t, [Int32Array.of(ECG_SAMPLE_MAX), Int32Array.of(-1)], 'a single sample, 2 leads');
  roundTrip(t, [new Int32Array(0), new Int32Array(0)], 'zero samples');
  roundTrip(t, [], 'zero leads');
  const sixteen = Array.from({ length: 16 }, (_, l) =>
    Int32Array.from({ length: 777 }, (_, i) => Math.round(800 * Math.sin((i + l * 13) / 20) + (rand() - 0.5) * 20)),
  );
  roundTrip(t, sixteen, '16 leads, 777 samples');
  // A 24-bit front end (ADS1299-class): µV-scale signal on a large offset, full-scale spikes.
  roundTrip(t, [Int32Array.from({ length: 4000 }, (_, i) => 3_000_000 + Math.round(40_000 * Math.sin(i / 25) + (rand() - 0.5) * 300) + (i % 997 === 0 ? 5_000_000 : 0))], '24-bit ECG-like with spikes');
  const i1 = Int32Array.from({ length: 3000 }, (_, i) => Math.round(900 * Math.sin(i / 40) + (rand() - 0.5) * 30));
  const i2 = Int32Array.from({ length: 3000 }, (_, i) => Math.round(1200 * Math.sin(i / 40 + 0.5) + (rand() - 0.5) * 30));
  roundTrip(t, [i1, i2, i2.map((v, i) => v - i1[i]!), i1.map((v, i) => -((v + i2[i]!) >> 1))], 'derived leads (III = II − I, aVR)');
  roundTrip(t, [Int32Array.from({ length: 3001 }, (_, i) => 2 * Math.round(300 * Math.sin(i / 30)) + 1)], 'odd samples (shift with offset)');
  roundTrip(t, [Int32Array.from({ length: 3001 }, (_, i) => (i < 1500 ? 8 * i - 12000 : 3 * i))], 'shift changes between blocks');
  roundTrip(t, [Int32Array.of(1, 2, 3)], 'fractional sampling frequency', 257.123456789);
});

t.test('the encoding of a fixed signal does not drift', async (t) => {
  // Posts and the hub may run different builds: the same samples must give the
  // same bytes. If this changes on purpose, bump VERSION in ecg-header.ts.
  const rand = rng(11);
  const leads = [0, 1, 2].map((l) => Int32Array.from({ length: 2000 }, (_, i) => Math.round(700 * Math.sin((i + 40 * l) / 15) + (rand() - 0.5) * 50)));
  const bytes = encodeEcg(rec(leads));
  t.equal(bytes.length, 4766);
  t.equal(createHash('sha256').update(bytes).digest('hex'), '657e0ff423a119b3810ac6bc86690e166d094180b96313ad583d06632f0b2fa3');
});

t.test('block sizes from 1 to 65535 round-trip', async (t) => {
  const rand = rng(3);
  const leads = [
    Int32Array.from({ length: 300 }, () => Math.floor(rand() * 2 ** 24) - 2 ** 23),
    Int32Array.from({ length: 300 }, (_, i) => i * 7 - 1000),
    Int32Array.from({ length: 300 }, (_, i) => Math.round(400 * Math.sin(i / 9))),
  ];
  for (const blockSize of [1, 7, 256, 65535]) sameRecording(t, decodeEcg(encodeEcg(rec(leads), { blockSize })), rec(leads), `block size ${blockSize}`);
  for (const blockSize of [0, 65536, 1.5]) t.throws(() => encodeEcg(rec(leads), { blockSize }), { code: 'CHASQUI_ERR_ECG_FORMAT' }, `block size ${blockSize} refused`);
});

t.test('leads derived from others cost little (inter-lead prediction)', async (t) => {
  const rand = rng(5);
  const beat = (i: number, phase: number) => Math.round(900 * Math.exp(-(((i % 400) - 200 - phase) ** 2) / 50) + 100 * Math.sin(i / 60) + (rand() - 0.5) * 40);
  const lI = Int32Array.from({ length: 5000 }, (_, i) => beat(i, 0));
  const lII = Int32Array.from({ length: 5000 }, (_, i) => beat(i, 3));
  // Einthoven and Goldberger: III = II − I, aVR = −(I + II)/2, rounded as a recorder would.
  const derived = [lII.map((v, i) => v - lI[i]!), lI.map((v, i) => Math.round(-(v + lII[i]!) / 2))];
  const two = encodeEcg(rec([lI, lII])).length;
  const four = encodeEcg(rec([lI, lII, ...derived])).length;
  t.ok(four < two * 1.25, `I, II, III, aVR: ${four} bytes vs I, II alone: ${two} bytes`);
});

t.test('encoder refuses what it cannot represent', async (t) => {
  const bad = (r: EcgRecording, what: string): void => {
    t.throws(() => encodeEcg(r), { code: 'CHASQUI_ERR_ECG_FORMAT' }, what);
  };
  bad(rec([new Int32Array(3), new Int32Array(4)]), 'leads of different lengths');
  bad(rec(Array.from({ length: 65 }, () => new Int32Array(1))), '65 leads');
  bad(rec([new Int32Array(1)], Number.NaN), 'NaN sampling frequency');
  bad(rec([new Int32Array(1)], 0), 'zero sampling frequency');
  bad(rec([Int32Array.of(0, ECG_SAMPLE_MAX + 1)]), 'sample above 2^23 − 1');
  bad(rec([Int32Array.of(ECG_SAMPLE_MIN - 1)]), 'sample below −2^23');
  bad({ ...rec([]), leads: [{ name: 'I', unitsPerMv: 200, baseline: 0, samples: new Int16Array(2) as unknown as Int32Array }] }, 'Int16Array samples');
  bad({ ...rec([]), leads: [{ name: 'x'.repeat(65), unitsPerMv: 200, baseline: 0, samples: new Int32Array(1) }] }, 'lead name too long');
  bad({ ...rec([]), leads: [{ name: 'I', unitsPerMv: 0, baseline: 0, samples: new Int32Array(1) }] }, 'zero unitsPerMv');
  bad({ ...rec([]), leads: [{ name: 'I', unitsPerMv: 200, baseline: Number.NaN, samples: new Int32Array(1) }] }, 'NaN baseline');
  bad({ ...rec([]), source: 'x'.repeat(1025) }, 'source too long');
  // One 4 MiB array shared by 64 leads: over the sample limit without allocating it.
  const shared = new Int32Array(MAX_TOTAL_SAMPLES / 64 + 1);
  bad(rec(Array.from({ length: 64 }, () => shared)), 'more than the maximum total samples');
});

/** Rewrite the trailing CRC-32 to match whatever precedes it. */
function withCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

t.test('malformed input only ever throws CHASQUI_ERR_ECG_FORMAT', async (t) => {
  const rand = rng(7);
  const base = [
    encodeEcg(rec([Int32Array.from({ length: 700 }, (_, i) => Math.round(500 * Math.sin(i / 10)))])),
    encodeEcg(rec([Int32Array.from({ length: 600 }, () => Math.floor(rand() * 2 ** 24) - 2 ** 23), new Int32Array(600).fill(5)], 360)),
    encodeEcg({ ...rec(Array.from({ length: 3 }, () => Int32Array.from({ length: 300 }, (_, i) => 2 * i + 1)), 128), source: 'fuzz', startedAt: 'now' }),
  ];
  let rejected = 0;
  let decoded = 0;
  let flippedDecoded = 0;
  const attempt = (bytes: Uint8Array, flipped = false): void => {
    for (const f of [decodeEcg, ecgInfo]) {
      try {
        f(bytes);
        decoded++;
        if (flipped && f === decodeEcg) flippedDecoded++;
      } catch (err) {
        if (!isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT')) {
          t.fail(`unexpected ${String(err)} for ${Buffer.from(bytes).toString('hex').slice(0, 80)}…`);
          throw err;
        }
        rejected++;
      }
    }
  };
  for (let iter = 0; iter < 2000; iter++) {
    const src = base[iter % base.length]!;
    const kind = iter % 5;
    let bytes: Uint8Array;
    if (kind === 0) bytes = src.slice(0, Math.floor(rand() * src.length)); // truncated
    else if (kind === 1 || kind === 2) {
      bytes = src.slice(); // a few bits flipped, header included
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * (bytes.length - 4));
        bytes[at] = bytes[at]! ^ (1 << Math.floor(rand() * 8));
      }
      // Kind 2 as a hostile peer would send it: damaged, yet with a matching
      // CRC, so the header checks and the range decoder meet the damage.
      if (kind === 2) withCrc(bytes);
    } else if (kind === 3) {
      // Valid magic, version and CRC, random rest: absurd counts and sizes.
      bytes = Uint8Array.from({ length: 20 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      bytes.set([0x43, 0x51, 0x45, 0x32, 2]);
      withCrc(bytes);
    } else bytes = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
    attempt(bytes, kind === 1);
  }
  t.equal(flippedDecoded, 0, 'the CRC-32 catches every flipped bit');
  // Absurd counts with a tiny body must be refused before allocating.
  const one = encodeEcg(rec([new Int32Array(1)]));
  for (const [leads, samples] of [[1, 0xffffffff], [64, 0xffffffff], [1, MAX_TOTAL_SAMPLES], [0, 5]] as const) {
    const huge = one.slice();
    const v = new DataView(huge.buffer);
    v.setUint32(13, samples, true);
    v.setUint8(17, leads);
    withCrc(huge);
    t.throws(() => decodeEcg(huge), { code: 'CHASQUI_ERR_ECG_FORMAT' }, `${leads} leads × ${samples} samples in ${huge.length} bytes`);
  }
  attempt(new Uint8Array(0));
  t.equal(rejected + decoded, 2 * 2001);
  t.comment(`fuzz: ${rejected} rejected, ${decoded} decoded`);
});
