import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isChasquiError } from '../../../lib/errors.js';
import { crcCcitt } from '../../../firmware-bridge/ecg/crc-ccitt.js';
import { decodeScpEcg } from '../../../firmware-bridge/ecg/scp-ecg.js';
import { DEFAULT_TABLE, huffmanDecode, parseHuffmanTables, undifference, type HuffmanTable } from '../../../firmware-bridge/ecg/scp-huffman.js';
import { parseEncodedData, parseSection3, parseSection4, readSections } from '../../../firmware-bridge/ecg/scp-sections.js';
import { mulberry32 } from '../../link/prng.js';
import { sharedFile, SHARED_DATA, tempDir } from '../../support/paths.js';
import { anHourAgo } from '../../support/recent-time.js';
import { buildScp, difference, encodedSection, huffmanEncode, rawEncode, section1, section2, section3, section4 } from './scp-writer.js';
import { expectEcgError } from './expect-ecg-error.js';

const TEST_SCP = 'ecg/scp/test.scp';
const LEAD_NAMES = ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

/** A signal with ECG-like slow waves, sharp spikes and the odd big jump, so every Huffman code length gets used. */
function signal(random: () => number, n: number, amplitude = 400): number[] {
  const out: number[] = [];
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = Math.round(0.95 * x + (random() - 0.5) * 12 + (i % 97 === 0 ? amplitude * (random() - 0.3) : 0));
    out.push(x);
  }
  return out;
}

interface Spec {
  leads: number[][];
  codes?: number[];
  diff?: 0 | 1 | 2;
  nv?: number;
  us?: number;
  bimodal?: number;
  tables?: HuffmanTable[] | 'default' | 'none';
  extra?: [number, Uint8Array][];
  flags?: number;
}

// Files built here carry the date of an hour ago; test.scp keeps the 2004 date it was recorded with.
const ACQUIRED = anHourAgo();

/** An SCP-ECG file holding `leads` as rhythm data. */
function makeScp(spec: Spec): Uint8Array {
  const diff = spec.diff ?? 2;
  const tables = spec.tables ?? 'default';
  const n = spec.leads[0]!.length;
  const d = ACQUIRED.date;
  const y = d.getUTCFullYear();
  const encode = (x: number[]): Uint8Array => {
    const d = difference(x, diff);
    if (tables === 'none') return rawEncode(d);
    return huffmanEncode(d, tables === 'default' ? [DEFAULT_TABLE] : tables);
  };
  const sections = new Map<number, Uint8Array>([
    [1, section1([[2, 'P-123'], [25, [y & 0xff, y >> 8, d.getUTCMonth() + 1, d.getUTCDate()]], [26, [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]]])],
    [3, section3(spec.leads.map((_, i) => ({ code: spec.codes?.[i] ?? i + 1, start: 1, end: n })), spec.flags)],
    [6, encodedSection(spec.nv ?? 5000, spec.us ?? 2000, diff, spec.bimodal ?? 0, spec.leads.map(encode))],
  ]);
  if (tables !== 'none') sections.set(2, section2(tables));
  for (const [id, data] of spec.extra ?? []) sections.set(id, data);
  return buildScp(sections);
}

t.test('test.scp (Burdick, protocol 1.0, no "SCPECG" marker) decodes with its metadata', async (t) => {
  const { recording, patient, acquisition, encoding } = decodeScpEcg(sharedFile(TEST_SCP), 'test.scp');
  t.equal(recording.samplingFrequency, 500);
  t.same(recording.leads.map((l) => l.name), LEAD_NAMES);
  for (const lead of recording.leads) {
    t.equal(lead.samples.length, 5000, `${lead.name}: 10 s at 500 Hz`);
    t.equal(lead.unitsPerMv, 200, `${lead.name}: 5 µV per unit (Section 5 multiplier)`);
    t.equal(lead.baseline, 0);
  }
  t.equal(recording.startedAt, '2004-01-01T02:13:18');
  t.equal(recording.source, 'SCP-ECG file test.scp');
  t.same(patient, { lastName: 'xxxxxxx', firstName: 'xxxx', patientId: '0000000', age: { value: 49, unit: 'years' }, birthDate: '1954-01-01', sex: 'male' });
  t.same(acquisition, { startedAt: '2004-01-01T02:13:18', deviceModel: 'PLUSI', protocolRevision: 10 });
  t.same(encoding, { huffman: 'default', differenceMode: 2, referenceBeatSubtracted: true });
  // Pinned values (first samples of lead I and II), so a change in decoding shows up here.
  t.same(Array.from(recording.leads[0]!.samples.subarray(0, 4)), [-12, -12, -12, -16]);
  t.same(Array.from(recording.leads[1]!.samples.subarray(0, 4)), [8, 4, 4, 8]);
});

/**
 * Why the residual is scaled by 20000/5000 before the reference beat is
 * added: beats Burdick did not subtract from (types 1–4) then have the same
 * size as the reconstructed dominant beats, lead by lead; without the
 * scaling they would be about 4 times smaller. WFDB's parsescp (written for
 * these carts) scales the same way.
 */
t.test('test.scp: residual and reference beat are brought to one amplitude unit', async (t) => {
  const { recording } = decodeScpEcg(sharedFile(TEST_SCP));
  const s4 = parseSection4(readSections(sharedFile(TEST_SCP)).get(4)!.data);
  const pp = (x: Int32Array, c: number): number => {
    const w = x.subarray(c - 61, c + 60);
    return Math.max(...w) - Math.min(...w);
  };
  const median = (v: number[]): number => v.sort((a, b) => a - b)[v.length >> 1]!;
  const subtracted = s4.beats.filter((b) => b.type === 0).map((b) => b.fiducial);
  const others = s4.beats.filter((b) => b.type !== 0).map((b) => b.fiducial);
  t.equal(subtracted.length, 4);
  const ratio = median(recording.leads.flatMap((l) => others.map((c) => pp(l.samples, c)))) / median(recording.leads.flatMap((l) => subtracted.map((c) => pp(l.samples, c))));
  t.ok(ratio > 0.6 && ratio < 1.8, `other beats / reconstructed beats peak-to-peak ratio ${ratio.toFixed(2)}`);
});

const HAVE_BIOSIG = spawnSync('sh', ['-c', 'command -v save2gdf']).status === 0;
/** CI installs biosig-tools and must run the cross-check; elsewhere it is skipped when save2gdf is missing. */
const BIOSIG = { skip: !HAVE_BIOSIG && process.env.CI !== 'true' ? 'save2gdf (biosig-tools) is not installed' : false };

/** Run biosig's save2gdf (Debian biosig-tools) on test.scp; its BIN output is one int32 file per lead. */
function biosigLeads(t: Test): Int32Array[] | undefined {
  if (!HAVE_BIOSIG) {
    t.fail('save2gdf (biosig-tools) is required under CI=true');
    return undefined;
  }
  const { dir, cleanup } = tempDir('chasqui-scp-');
  t.teardown(cleanup);
  // biosig can hang or crash on odd input: always under timeout.
  const run = spawnSync('timeout', ['60', 'save2gdf', '-f=BIN', join(SHARED_DATA, TEST_SCP), join(dir, 'out.bin')], { encoding: 'utf8' });
  t.equal(run.status, 0, `save2gdf exit status (stderr: ${run.stderr.slice(0, 300)})`);
  return LEAD_NAMES.map((_, i) => {
    const b = readFileSync(join(dir, `out.s0${i + 1}`));
    return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  });
}

t.test('test.scp against biosig: Section 6 decodes sample for sample; reconstruction adds the beat exactly', BIOSIG, async (t) => {
  const theirs = biosigLeads(t);
  if (!theirs) return;
  const file = sharedFile(TEST_SCP);
  const sections = readSections(file);
  const s3 = parseSection3(sections.get(3)!.data);
  const tables = parseHuffmanTables(sections.get(2)!.data);
  const s4 = parseSection4(sections.get(4)!.data);
  const rhythm = parseEncodedData(sections.get(6)!, 8);
  const ref = parseEncodedData(sections.get(5)!, 8);
  const { recording } = decodeScpEcg(file);
  // biosig 2.5.0 (Debian bookworm) outputs the Section 6 residual as it is, without adding the
  // reference beat back; should a later biosig reconstruct, the first assertion says so.
  rhythm.leads.forEach((bytes, i) => {
    const residual = undifference(huffmanDecode(bytes, tables, 5000, 'lead'), 2, 'lead');
    t.same(Array.from(residual), Array.from(theirs[i]!), `${LEAD_NAMES[i]}: 5000 residual samples equal biosig's`);
    const beat = undifference(huffmanDecode(ref.leads[i]!, tables, (s4.referenceLengthMs * 1000) / ref.sampleIntervalMicros, 'beat'), 2, 'beat');
    const expected = Array.from(theirs[i]!, (v) => (v * rhythm.nanovoltsPerUnit) / ref.nanovoltsPerUnit);
    for (const z of s4.beats.filter((b) => b.type === 0)) {
      for (let s = z.start; s <= z.end; s++) expected[s - 1]! += beat[s4.referenceFiducial + s - z.fiducial - 1]!;
    }
    t.same(Array.from(recording.leads[i]!.samples), expected, `${LEAD_NAMES[i]}: 4 × residual + reference beat over the type-0 zones`);
  });
  t.equal(s3.leads.length, 8);
});

t.test("the standard's Huffman example (prEN 1064:2002 annex C) decodes to its 28 values", async (t) => {
  // Byte 6 is 0xF1, not the printed 0xF5 (erratum noted by PixelMed), and a final 0 byte holds the last bit.
  const bytes = Uint8Array.from([0xff, 0x83, 0x7f, 0xe0, 0xe6, 0xf1, 0x53, 0x65, 0x59, 0xb6, 0x5b, 0x96, 0x4b, 0x96, 0x00]);
  const values = undifference(huffmanDecode(bytes, [DEFAULT_TABLE], 28, 'example'), 2, 'example');
  t.same(Array.from(values), [13, 14, 15, 14, 16, 18, 19, 20, 22, 22, 23, 23, 23, 22, 22, 20, 17, 15, 12, 8, 6, 3, 1, 0, -2, -2, -3, -3]);
});

t.test('round trip through the test writer: every difference mode, default, custom and no Huffman table', async (t) => {
  const random = mulberry32(1064);
  const leads = [signal(random, 2500), signal(random, 2500, 30000), signal(random, 2500, 5)];
  const custom: HuffmanTable[] = [
    [
      { prefixBits: 1, totalBits: 1, modeSwitch: 1, baseValue: 0, code: 0b0 },
      { prefixBits: 2, totalBits: 2, modeSwitch: 1, baseValue: 1, code: 0b10 },
      { prefixBits: 3, totalBits: 3, modeSwitch: 0, baseValue: 2, code: 0b110 },
      { prefixBits: 4, totalBits: 8, modeSwitch: 1, baseValue: 50, code: 0b1110 }, // 42..57: base + 4 bits
      { prefixBits: 4, totalBits: 20, modeSwitch: 1, baseValue: 0, code: 0b1111 },
    ],
    [
      { prefixBits: 1, totalBits: 1, modeSwitch: 1, baseValue: -1, code: 0b1 },
      { prefixBits: 1, totalBits: 17, modeSwitch: 1, baseValue: 0, code: 0b0 },
    ],
  ];
  for (const diff of [0, 1, 2] as const) {
    for (const tables of ['default', 'none', custom] as const) {
      if (tables === 'none' && leads.some((l) => difference(l, diff).some((v) => v < -32768 || v > 32767))) continue;
      const { recording, encoding } = decodeScpEcg(makeScp({ leads, diff, tables }));
      const label = `diff ${diff}, ${typeof tables === 'string' ? tables : 'custom'} table`;
      t.same(recording.leads.map((l) => Array.from(l.samples)), leads, label);
      t.equal(encoding.huffman, typeof tables === 'string' ? tables : 'custom', label);
      t.equal(recording.startedAt, ACQUIRED.wall);
    }
  }
  // Base value + bits (47, 55), then a mode switch to table 2 mid-lead: the rest is read with table 2.
  const values = [0, 1, 0, 5, 47, 55, -1, -1, 300];
  const bytes = huffmanEncode(values, custom, { index: 6, code: 2, table: 2 });
  t.same(Array.from(huffmanDecode(bytes, custom, values.length, 'switch')), values);
  t.equal(bytes.length, 8, '1+2+1+20+8+8 bits, switch 3, then 1+1+17 bits: 62 bits');
  t.same(parseHuffmanTables(section2(custom)), custom, 'Section 2 tables read back (base codes bit-reversed on disk)');
  // A Section 2 declaring 0 tables means no Huffman coding, like no Section 2 at all.
  const zero = new Map<number, Uint8Array>([
    [2, section2([])],
    [3, section3([{ code: 1, start: 1, end: 3 }])],
    [6, encodedSection(5000, 2000, 0, 0, [rawEncode([5, -6, 7])])],
  ]);
  const plain = decodeScpEcg(buildScp(zero));
  t.same(Array.from(plain.recording.leads[0]!.samples), [5, -6, 7]);
  t.equal(plain.encoding.huffman, 'none');
});

t.test('reference-beat subtraction is undone exactly when the file allows it, refused when it cannot be', async (t) => {
  const random = mulberry32(91064);
  const n = 2000;
  // The residual is stored at 20 µV per unit and the beat at 5 µV, as Burdick does.
  const residual = [signal(random, n), signal(random, n)];
  const beat = [signal(random, 100, 900), signal(random, 100, 900)]; // 200 ms at 500 Hz
  const zones = [300, 1100].map((f) => ({ type: 0, start: f - 40, fiducial: f, end: f + 59 }));
  const fiducialInBeat = 41; // 1-based: each zone's first sample takes beat sample 1
  const expected = residual.map((x, lead) =>
    x.map((v, i) => {
      const z = zones.find((q) => i + 1 >= q.start && i + 1 <= q.end);
      return 4 * v + (z ? beat[lead]![fiducialInBeat + (i + 1 - z.fiducial) - 1]! : 0);
    }),
  );
  const refSection = (us: number): Uint8Array => encodedSection(5000, us, 2, 0, beat.map((b) => huffmanEncode(difference(b, 2))));
  const extra = (us = 2000): [number, Uint8Array][] => [
    // A type-1 beat has no zone (start = end = 0) and must be left alone.
    [4, section4(200, fiducialInBeat, [...zones, { type: 1, start: 0, fiducial: 1500, end: 0 }])],
    [5, refSection(us)],
  ];
  const ok = decodeScpEcg(makeScp({ leads: residual, nv: 20000, flags: 0x05, extra: extra() }));
  t.same(ok.recording.leads.map((l) => Array.from(l.samples)), expected);
  t.equal(ok.recording.leads[0]!.unitsPerMv, 200);
  expectEcgError(t, () => decodeScpEcg(makeScp({ leads: residual, nv: 20000, flags: 0x05, extra: extra(4000) })), /residual after reference-beat subtraction and its reference beat is sampled at a different rate; Chasqui cannot reconstruct/);
  expectEcgError(t, () => decodeScpEcg(makeScp({ leads: residual, flags: 0x05, extra: [extra()[0]!] })), /reference-beat subtraction and has no Section 5/);
  const wide = [[4, section4(200, fiducialInBeat, [{ type: 0, start: 200, fiducial: 300, end: 400 }])], [5, refSection(2000)]] as [number, Uint8Array][];
  expectEcgError(t, () => decodeScpEcg(makeScp({ leads: residual, flags: 0x05, extra: wide })), /subtraction zone \(samples 200\.\.400\) does not fit/);
});

t.test('bimodal compression, leads recorded one after another and impossible counts are refused with a reason', async (t) => {
  const leads = [signal(mulberry32(5), 500)];
  expectEcgError(t, () => decodeScpEcg(makeScp({ leads, bimodal: 1 })), /bimodal compression .* cannot reconstruct the samples exactly/);
  const s = new Map<number, Uint8Array>([
    [2, section2('default')],
    [3, section3([{ code: 1, start: 1, end: 250 }, { code: 2, start: 251, end: 500 }])],
    [6, encodedSection(5000, 2000, 0, 0, [huffmanEncode(leads[0]!.slice(0, 250)), huffmanEncode(leads[0]!.slice(250))])],
  ]);
  expectEcgError(t, () => decodeScpEcg(buildScp(s)), /different sample ranges/);
  expectEcgError(t, () => decodeScpEcg(makeScp({ leads, diff: 3 as 2 })), /unknown "difference data used" value 3/);
  // A lead that claims four billion samples is refused before anything is allocated for it.
  const huge = new Map<number, Uint8Array>([
    [2, section2('default')],
    [3, section3([{ code: 1, start: 1, end: 0xfffffff0 }])],
    [6, encodedSection(5000, 2000, 0, 0, [huffmanEncode([1, 2, 3])])],
  ]);
  expectEcgError(t, () => decodeScpEcg(buildScp(huge)), /2 bytes cannot hold 4294967280 samples/);
  expectEcgError(t, () => decodeScpEcg(buildScp(new Map([[3, section3([{ code: 1, start: 1, end: 9 }])]]))), /Section 6 is missing/);
});

t.test('lead codes map to standard names', async (t) => {
  const leads = Array.from({ length: 6 }, () => [1, 2, 3]);
  const { recording } = decodeScpEcg(makeScp({ leads, codes: [61, 62, 63, 64, 0, 200], diff: 0 }));
  t.same(recording.leads.map((l) => l.name), ['III', 'aVR', 'aVL', 'aVF', 'SCP lead 0', 'SCP lead 200']);
});

t.test('a corrupted byte fails the CRC that covers it, named', async (t) => {
  const file = Uint8Array.from(sharedFile(TEST_SCP));
  file[3000]! ^= 0x10; // inside Section 6 (bytes 2177..15470)
  expectEcgError(t, () => decodeScpEcg(file), /record CRC failed .* corrupted/);
  // With the record CRC made to match, the section's own CRC still catches it.
  file.set([crcCcitt(file, 2) & 0xff, crcCcitt(file, 2) >> 8], 0);
  expectEcgError(t, () => decodeScpEcg(file), /Section 6 CRC failed/);
  const s0 = Uint8Array.from(sharedFile(TEST_SCP));
  s0[40]! ^= 1; // a Section 0 pointer
  s0.set([crcCcitt(s0, 2) & 0xff, crcCcitt(s0, 2) >> 8], 0);
  expectEcgError(t, () => decodeScpEcg(s0), /Section 0 CRC failed/);
});

t.test('a truncated or padded file is refused', async (t) => {
  const file = sharedFile(TEST_SCP);
  expectEcgError(t, () => decodeScpEcg(file.subarray(0, 9000)), /record length field says 17494 bytes but the file has 9000 \(truncated or padded\)/);
  expectEcgError(t, () => decodeScpEcg(Buffer.concat([file, Buffer.alloc(2)])), /truncated or padded/);
  expectEcgError(t, () => decodeScpEcg(file.subarray(0, 10)), /too short/);
});

/** Rebuild test.scp from its sections with one section's bytes changed, so the CRCs pass and the parsers see the damage. */
function mutateSection(file: Uint8Array, random: () => number): Uint8Array {
  const sections = readSections(file);
  const ids = [...sections.keys()].filter((id) => id !== 0);
  const target = ids[Math.floor(random() * ids.length)]!;
  const data = new Map([...sections].filter(([id]) => id !== 0).map(([id, s]) => [id, Uint8Array.from(s.data)]));
  const bytes = data.get(target)!;
  const flips = 1 + Math.floor(random() * 4);
  for (let k = 0; k < flips && bytes.length > 0; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
  if (random() < 0.2) data.set(target, bytes.subarray(0, Math.floor(random() * bytes.length)));
  return buildScp(data);
}

t.test('fuzz: a few hundred seeded mutations never throw anything but CHASQUI_ERR_ECG_FORMAT', async (t) => {
  const random = mulberry32(20260323);
  const file = sharedFile(TEST_SCP);
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    let mutant: Uint8Array;
    if (i % 3 === 0) {
      mutant = Uint8Array.from(file);
      mutant[Math.floor(random() * mutant.length)] = Math.floor(random() * 256);
    } else {
      mutant = mutateSection(file, random);
    }
    try {
      decodeScpEcg(mutant);
      decoded++;
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT')) {
        t.fail(`mutation ${i} threw ${String(err)}`);
        return;
      }
      refused++;
    }
  }
  t.equal(decoded + refused, 300, `${decoded} decoded, ${refused} refused`);
  t.ok(refused > 50, 'most mutations are caught');
});
