/** `chasqui ecg info|encode|decode` on the real records, in its own process. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readEcgFile } from '../../firmware-bridge/ecg/ecg-files.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { decodeEcg, encodeEcg } from '../../protocol/ecg-codec.js';
import { runCli } from '../support/cli.js';
import { SHARED_DATA, tempDir } from '../support/paths.js';
import { systemClock } from '../../lib/clock.js';

const ecg = (rel: string) => join(SHARED_DATA, 'ecg', rel);

t.test('a WFDB record round-trips through encode and decode bit for bit', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const info = await runCli(['ecg', 'info', ecg('ludb/1.hea')]);
  t.equal(info.code, 0, info.stderr);
  t.match(info.stdout, /samplingFrequency\s+500 Hz/);
  t.match(info.stdout, /durationSeconds\s+10\b/);
  t.match(info.stdout, /leads\s+I II III aVR aVL aVF V1 V2 V3 V4 V5 V6/i);
  // One gain per lead, in order: LUDB's leads share gains, so a deduplicated list came out shorter than the leads.
  const gains = /unitsPerMv\s+(.+)/.exec(info.stdout)?.[1]?.trim().split(/\s+/) ?? [];
  const ludb = await readEcgFile(ecg('ludb/1.hea'));
  t.same(gains.map(Number), ludb.leads.map((l) => l.unitsPerMv), '12 leads, 12 unitsPerMv values');

  const cqe = join(dir, '100s.cqe');
  const enc = await runCli(['ecg', 'encode', ecg('mitdb/100s.hea'), cqe]);
  t.equal(enc.code, 0, enc.stderr);
  t.match(enc.stdout, /verified\s+decodes bit for bit/);
  const bits = Number(/bitsPerSample\s+([\d.]+)/.exec(enc.stdout)?.[1]);
  t.ok(bits > 2 && bits < 6, `${bits} bits per sample`);

  const packed = await runCli(['ecg', 'info', cqe]);
  t.match(packed.stdout, /format\s+Chasqui lossless ECG/);
  t.match(packed.stdout, /durationSeconds\s+60\b/);

  const dec = await runCli(['ecg', 'decode', cqe, join(dir, 'back')]);
  t.equal(dec.code, 0, dec.stderr);
  t.match(dec.stdout, /format\s+16/);
  const original = await readWfdbRecord(ecg('mitdb/100s.hea'));
  const back = await readWfdbRecord(join(dir, 'back.hea'));
  t.equal(back.header.samplingFrequency, 360);
  t.same(back.header.signals.map((s) => s.gain), original.header.signals.map((s) => s.gain));
  original.signals.forEach((s, i) => t.ok(Buffer.from(s.buffer).equals(Buffer.from(back.signals[i]!.buffer)), `lead ${i} identical`));
});

t.test('an SCP-ECG file encodes and decodes to the samples the importer reads', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const cqe = join(dir, 'scp.cqe');
  const enc = await runCli(['ecg', 'encode', ecg('scp/test.scp'), cqe]);
  t.equal(enc.code, 0, enc.stderr);
  const dec = await runCli(['ecg', 'decode', cqe, join(dir, 'scp')]);
  t.equal(dec.code, 0, dec.stderr);
  const fromScp = await readEcgFile(ecg('scp/test.scp'));
  const back = await readWfdbRecord(join(dir, 'scp.hea'));
  t.same(back.header.signals.map((s) => s.description), fromScp.leads.map((l) => l.name));
  fromScp.leads.forEach((l, i) => t.same(Array.from(back.signals[i]!), Array.from(l.samples), `lead ${l.name}`));
});

t.test('a 24-bit capture goes out as WFDB format 24 and comes back bit for bit', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const n = 2500;
  const lead = (name: string, k: number) => ({
    name, unitsPerMv: 44.7 * 1000, baseline: 0,
    samples: Int32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i / (7 + k)) * 3_000_000) + (i % 97) * k),
  });
  const original = { samplingFrequency: 250, leads: [lead('I', 1), lead('II', 2)], startedAt: new Date(systemClock.now()).toISOString(), source: 'test' };
  writeFileSync(join(dir, 'cap.cqe'), encodeEcg(original));
  const dec = await runCli(['ecg', 'decode', join(dir, 'cap.cqe'), join(dir, 'cap')]);
  t.equal(dec.code, 0, dec.stderr);
  t.match(dec.stdout, /format\s+24/);
  const enc = await runCli(['ecg', 'encode', join(dir, 'cap.hea'), join(dir, 'again.cqe')]);
  t.equal(enc.code, 0, enc.stderr);
  const again = decodeEcg(readFileSync(join(dir, 'again.cqe')));
  t.same(again.leads.map((l) => l.name), ['I', 'II']);
  again.leads.forEach((l, i) => t.same(Array.from(l.samples), Array.from(original.leads[i]!.samples)));
});

t.test('a file that is not an ECG gets a clear error and a non-zero exit', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const junk = join(dir, 'notes.txt');
  writeFileSync(junk, 'not an ECG\n');
  const r = await runCli(['ecg', 'info', junk]);
  t.equal(r.code, 1);
  t.match(r.stderr, /CHASQUI_ERR_ECG_FORMAT/);
  const missing = await runCli(['ecg', 'encode', join(dir, 'nope.hea'), join(dir, 'x.cqe')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /CHASQUI_ERR_NOT_FOUND|CHASQUI_ERR_ECG_FORMAT/);
  const usage = await runCli(['ecg', 'encode']);
  t.equal(usage.code, 1);
  t.match(usage.stderr, /CHASQUI_ERR_USAGE/);
});
