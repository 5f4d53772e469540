import t from 'tap';
import { EcgCapture } from '../../../firmware-bridge/capture/ecg-capture.js';
import type { EcgReading } from '../../../firmware-bridge/devices/readings.js';

const LEADS = ['I', 'II'];
function reading(first: number, frames: number, over: Partial<EcgReading> = {}): EcgReading {
  const samples = new Int32Array(frames * 2);
  for (let f = 0; f < frames; f++) {
    samples[2 * f] = first + f;
    samples[2 * f + 1] = -(first + f);
  }
  return { kind: 'ecg', samplingFrequency: 250, leads: LEADS, unitsPerMv: 1000, baseline: 0, samples, gapFrames: 0, leadOff: [], ...over };
}

t.test('collects exactly N seconds, de-interleaved per lead, and ignores what comes after', async (t) => {
  const c = new EcgCapture(1);
  let p = c.add(reading(0, 100));
  t.same(p, { state: 'collecting', frames: 100, needed: 250 });
  p = c.add(reading(100, 100));
  p = c.add(reading(200, 100)); // 50 frames too many
  t.equal(p.state, 'done');
  c.add(reading(300, 10));
  const rec = c.recording({ source: 'test' });
  t.equal(rec.samplingFrequency, 250);
  t.same(rec.leads.map((l) => l.name), LEADS);
  t.equal(rec.leads[0]!.samples.length, 250);
  t.same(Array.from(rec.leads[0]!.samples.subarray(0, 3)), [0, 1, 2]);
  t.equal(rec.leads[0]!.samples[249], 249);
  t.equal(rec.leads[1]!.samples[249], -249);
  t.equal(rec.source, 'test');
});

t.test('a gap in the device stream fails the capture rather than stitching it', async (t) => {
  const c = new EcgCapture(1);
  c.add(reading(0, 100));
  const p = c.add(reading(105, 100, { gapFrames: 5 }));
  t.same(p, { state: 'failed', reason: 'the device lost 5 sample(s) during the capture' });
  t.throws(() => c.recording({}));
});

t.test('a change of rate or leads mid-way fails; lead-off reports are collected', async (t) => {
  const c = new EcgCapture(1);
  c.add(reading(0, 10, { leadOff: ['V3'] }));
  c.add(reading(10, 10, { leadOff: ['V3', 'II'] }));
  t.same(c.leadsOff().sort(), ['II', 'V3']);
  t.equal(c.add(reading(20, 10, { samplingFrequency: 500 })).state, 'failed');
  const d = new EcgCapture(1);
  d.add(reading(0, 10));
  t.equal(d.add({ ...reading(10, 10), leads: ['I', 'III'] }).state, 'failed');
});

t.test('abort before completion fails; after completion changes nothing', async (t) => {
  const c = new EcgCapture(0.1);
  c.add(reading(0, 10));
  t.same(c.abort('unplugged'), { state: 'failed', reason: 'unplugged' });
  const d = new EcgCapture(0.1);
  d.add(reading(0, 30));
  t.same(d.abort('unplugged'), { state: 'done' });
  t.throws(() => new EcgCapture(0));
  t.throws(() => new EcgCapture(301));
});
