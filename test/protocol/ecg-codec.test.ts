import t, { type Test } from 'tap';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { decodeEcg, encodeEcg } from '../../protocol/ecg-codec.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { isChasquiError } from '../../lib/errors.js';
import { mulberry32 } from '../link/prng.js';
import { SHARED_DATA } from '../support/paths.js';

const RECORDS = ['mitdb/100', 'mitdb/100s', 'mitdb/208', 'svdb/800', 'ptbdb/s0010_re', 'ludb/1'];

/** Deterministic, so failures reproduce. */
const rng = mulberry32;

function sameLeads(t: Test, got: Int16Array[], want: Int16Array[], what: string): void {
  t.equal(got.length, want.length, `${what}: lead count`);
  for (let l = 0; l < want.length; l++) {
    const a = want[l] as Int16Array;
    const b = got[l] as Int16Array;
    let firstBad = -1;
    if (a.length !== b.length) firstBad = Math.min(a.length, b.length);
    else for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { firstBad = i; break; }
    if (firstBad >= 0) t.fail(`${what}: lead ${l} differs at sample ${firstBad}`);
  }
  t.pass(`${what}: bit-exact`);
}

function roundTrip(t: Test, leads: Int16Array[], what: string, samplingFrequency = 500): Uint8Array {
  const bytes = encodeEcg({ samplingFrequency, leads });
  const back = decodeEcg(bytes);
  t.equal(back.samplingFrequency, samplingFrequency, `${what}: sampling frequency`);
  sameLeads(t, back.leads, leads, what);
  return bytes;
}

t.test('real records round-trip bit for bit and beat brotli q11', async (t) => {
  for (const name of RECORDS) {
    const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg', `${name}.hea`));
    const n = signals[0]?.length ?? 0;
    const total = n * signals.length;
    const t0 = performance.now();
    const bytes = encodeEcg({ samplingFrequency: header.samplingFrequency, leads: signals });
    const t1 = performance.now();
    const back = decodeEcg(bytes);
    const t2 = performance.now();
    t.equal(back.samplingFrequency, header.samplingFrequency);
    sameLeads(t, back.leads, signals, name);
    // brotli q11 takes ~10 s on a 30-minute record, so long records are
    // compared on their first 5 minutes (ours is re-encoded on the same slice).
    const m = Math.min(n, Math.round(300 * header.samplingFrequency));
    const slice = m === n ? signals : signals.map((s) => s.subarray(0, m));
    const oursSlice = m === n ? bytes.length : encodeEcg({ samplingFrequency: header.samplingFrequency, leads: slice }).length;
    // Raw little-endian int16, interleaved by instant as in a WFDB format-16 file.
    const raw = Buffer.alloc(m * signals.length * 2);
    for (let i = 0, o = 0; i < m; i++) for (const s of slice) { raw.writeInt16LE(s[i] as number, o); o += 2; }
    const brotli = brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }).length;
    const sliceSamples = m * signals.length;
    t.comment(
      `${name}: ${signals.length} leads × ${n} @ ${header.samplingFrequency} Hz: ` +
        `${((bytes.length * 8) / total).toFixed(3)} bits/sample, ${((total * 2) / bytes.length).toFixed(2)}× vs raw int16; ` +
        `encode ${(t1 - t0).toFixed(1)} ms, decode ${(t2 - t1).toFixed(1)} ms; ` +
        `${m === n ? 'whole record' : `first ${m} samples`}: ours ${((oursSlice * 8) / sliceSamples).toFixed(3)} vs ` +
        `brotli q11 ${((brotli * 8) / sliceSamples).toFixed(3)} bits/sample (ours ${((100 * oursSlice) / brotli).toFixed(1)}% of it)`,
    );
    t.ok(oursSlice < brotli, `${name}: ${oursSlice} bytes < brotli q11 ${brotli} bytes`);
  }
});

t.test('synthetic signals round-trip bit for bit', async (t) => {
  const rand = rng(1);
  const noise = (n: number): Int16Array => Int16Array.from({ length: n }, () => Math.floor(rand() * 65536) - 32768);
  roundTrip(t, [noise(10_000)], 'white noise, full int16 range');
  roundTrip(t, [noise(5003), noise(5003)], 'white noise, 2 leads, length not a block multiple');
  roundTrip(t, [new Int16Array(4097).fill(1234)], 'constant');
  roundTrip(t, [new Int16Array(3000).fill(-32768), new Int16Array(3000).fill(32767)], 'constant extremes');
  roundTrip(t, [Int16Array.from({ length: 2000 }, (_, i) => (i % 2 ? 32767 : -32768))], 'alternating ±32768 extremes (worst residuals)');
  roundTrip(t, [Int16Array.from({ length: 2000 }, (_, i) => ((i >> 2) % 2 ? 32767 : -32768))], 'square wave between extremes');
  roundTrip(t, [Int16Array.from({ length: 1500 }, (_, i) => (Math.floor(i / 97) % 5) * 1000 - 2000)], 'steps');
  roundTrip(t, [Int16Array.of(-32768)], 'a single sample');
  roundTrip(t, [Int16Array.of(32767), Int16Array.of(-1)], 'a single sample, 2 leads');
  roundTrip(t, [new Int16Array(0), new Int16Array(0)], 'zero samples');
  roundTrip(t, [], 'zero leads');
  const sixteen = Array.from({ length: 16 }, (_, l) =>
    Int16Array.from({ length: 777 }, (_, i) => Math.round(800 * Math.sin((i + l * 13) / 20) + (rand() - 0.5) * 20)),
  );
  roundTrip(t, sixteen, '16 leads, 777 samples');
  roundTrip(t, [Int16Array.from({ length: 3001 }, (_, i) => 2 * Math.round(300 * Math.sin(i / 30)) + 1)], 'odd samples (shift with offset)');
  roundTrip(t, [Int16Array.from({ length: 3001 }, (_, i) => (i < 1500 ? 8 * i - 12000 : 3 * i))], 'shift changes between blocks');
  for (const blockSize of [1, 7, 256, 4096, 65535]) {
    const leads = [noise(1000), Int16Array.from({ length: 1000 }, (_, i) => i * 7)];
    const back = decodeEcg(encodeEcg({ samplingFrequency: 360, leads }, { blockSize }));
    sameLeads(t, back.leads, leads, `block size ${blockSize}`);
  }
  roundTrip(t, [Int16Array.of(1, 2, 3)], 'fractional sampling frequency', 257.123456789);
});

t.test('encoder refuses what it cannot represent', async (t) => {
  const bad = (rec: Parameters<typeof encodeEcg>[0], what: string): void => {
    t.throws(() => encodeEcg(rec), { code: 'CHASQUI_ERR_ECG_FORMAT' }, what);
  };
  bad({ samplingFrequency: 500, leads: [new Int16Array(3), new Int16Array(4)] }, 'leads of different lengths');
  bad({ samplingFrequency: 500, leads: Array.from({ length: 65 }, () => new Int16Array(1)) }, '65 leads');
  bad({ samplingFrequency: Number.NaN, leads: [new Int16Array(1)] }, 'NaN sampling frequency');
  bad({ samplingFrequency: 0, leads: [new Int16Array(1)] }, 'zero sampling frequency');
});

t.test('malformed input only ever throws CHASQUI_ERR_ECG_FORMAT', async (t) => {
  const rand = rng(7);
  const base = [
    encodeEcg({ samplingFrequency: 500, leads: [Int16Array.from({ length: 700 }, (_, i) => Math.round(500 * Math.sin(i / 10)))] }),
    encodeEcg({ samplingFrequency: 360, leads: [Int16Array.from({ length: 600 }, () => Math.floor(rand() * 65536) - 32768), new Int16Array(600).fill(5)] }),
    encodeEcg({ samplingFrequency: 128, leads: Array.from({ length: 3 }, () => Int16Array.from({ length: 300 }, (_, i) => 2 * i + 1)) }),
  ];
  let rejected = 0;
  let decoded = 0;
  const attempt = (bytes: Uint8Array): void => {
    try {
      decodeEcg(bytes);
      decoded++;
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT')) {
        t.fail(`unexpected ${String(err)} for ${Buffer.from(bytes).toString('hex').slice(0, 80)}…`);
        throw err;
      }
      rejected++;
    }
  };
  for (let iter = 0; iter < 2000; iter++) {
    const src = base[iter % base.length] as Uint8Array;
    const kind = iter % 5;
    let bytes: Uint8Array;
    if (kind === 0) bytes = src.slice(0, Math.floor(rand() * src.length)); // truncated
    else if (kind === 1 || kind === 2) {
      bytes = src.slice(); // a few bytes flipped, header included
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) {
        const at = kind === 1 ? Math.floor(rand() * Math.min(20, bytes.length)) : Math.floor(rand() * bytes.length);
        bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rand() * 8));
      }
    } else if (kind === 3) {
      // Valid magic and version, random rest: absurd counts and sizes.
      bytes = Uint8Array.from({ length: 20 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      bytes.set([0x43, 0x51, 0x45, 0x31, 1]);
    } else bytes = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
    attempt(bytes);
  }
  // Absurd counts with a tiny body must be refused before allocating.
  const huge = new Uint8Array(64);
  huge.set([0x43, 0x51, 0x45, 0x31, 1]);
  const v = new DataView(huge.buffer);
  v.setFloat64(5, 500, true);
  v.setUint8(13, 64);
  v.setUint32(14, 0xffffffff, true);
  v.setUint16(18, 65535, true);
  attempt(huge);
  v.setUint32(14, 4_000_000, true);
  attempt(huge);
  attempt(new Uint8Array(0));
  t.equal(rejected + decoded, 2003);
  t.comment(`fuzz: ${rejected} rejected, ${decoded} decoded`);
});
