import t from 'tap';
import { beurerBm58, Bm58Decoder, Bm58Session } from '../../../firmware-bridge/devices/beurer-bm58.js';
import { encodeName, encodeRecord, parseRecord, type Bm58Measurement } from '../../../firmware-bridge/devices/beurer-bm58-frames.js';
import type { BloodPressureReading, Reading } from '../../../firmware-bridge/devices/readings.js';
import { Bm58Emulator } from '../../../firmware-bridge/emulators/beurer-bm58-emulator.js';
import { mulberry32 } from '../../link/prng.js';
import { limaWallTime } from '../../support/bedside.js';

// The cuff's memory as of the test's clock: the last few days' readings, whenever the suite runs.
const NOW = Date.now();
const DAY = 86_400_000;
const MEMORY: Bm58Measurement[] = [
  { systolicMmHg: 125, diastolicMmHg: 80, pulseBpm: 72, measuredAt: limaWallTime(NOW - 3 * DAY) },
  { systolicMmHg: 142, diastolicMmHg: 91, pulseBpm: 66, measuredAt: limaWallTime(NOW - 2 * DAY + 3_600_000) },
  { systolicMmHg: 118, diastolicMmHg: 76, pulseBpm: 81, measuredAt: limaWallTime(NOW - DAY) },
];
const EXPECTED = MEMORY.map((m, i): BloodPressureReading => ({ kind: 'bloodPressure', ...m, index: i + 1 }));
const pressures = (rs: readonly Reading[]): BloodPressureReading[] => rs.filter((r): r is BloodPressureReading => r.kind === 'bloodPressure');

t.test('a record: 0xAC, sys−25, dia−25, pulse, month, day, hour, minute, year−2000', async (t) => {
  // A fixed date on purpose: the record's bytes carry month, day and year, and this checks those bytes.
  const bytes = [0xac, 100, 55, 72, 5, 17, 8, 30, 24];
  const may17 = { systolicMmHg: 125, diastolicMmHg: 80, pulseBpm: 72, measuredAt: '2024-05-17T08:30' };
  t.same(parseRecord(bytes, 1), { kind: 'bloodPressure', ...may17, index: 1 });
  t.same([...encodeRecord(may17)], bytes);
  const bad = (i: number, v: number): number[] => bytes.map((b, j) => (j === i ? v : b));
  t.equal(parseRecord(bad(2, 100), 1), undefined, 'diastolic not below systolic');
  t.equal(parseRecord(bad(4, 13), 1), undefined, 'month 13');
  t.equal(parseRecord([0xac, 100, 55, 72, 2, 30, 8, 30, 24], 1), undefined, '30 February');
  t.equal(parseRecord(bad(7, 60), 1), undefined, 'minute 60');
  t.equal(parseRecord(bad(3, 9), 1), undefined, 'pulse 9');
  t.same(parseRecord([0xac, 100, 55, 72, 2, 29, 8, 30, 24], 1)?.measuredAt, '2024-02-29T08:30', 'a leap day is fine');
});

/** Host and device on one simulated clock; `lose` decides which device answers never reach the host. */
class Link {
  readonly readings: Reading[] = [];
  readonly sent: number[][] = [];
  now = 0;
  constructor(
    readonly emu: Bm58Emulator,
    readonly session = new Bm58Session(),
    readonly lose: (request: number[]) => boolean = () => false,
  ) {}
  write(chunks: Uint8Array[]): void {
    for (const c of chunks) {
      this.sent.push([...c]);
      const reply = this.emu.receive(c);
      this.feed(this.emu.advance()); // noise on the line lands before the answer
      if (!this.lose([...c])) this.feed(reply);
    }
  }
  feed(bytes: Uint8Array): void {
    const r = this.session.decoder.push(bytes);
    this.readings.push(...r);
    this.write(this.session.onReadings(r));
  }
  run(ms: number): void {
    for (let i = 0; i < ms; i += 50) {
      this.now += 50;
      this.write(this.session.tick(this.now));
    }
  }
}

t.test('session ↔ emulator: ping, name, count (asked twice), then every record', async (t) => {
  const link = new Link(new Bm58Emulator({ memory: MEMORY }));
  link.write(link.session.open());
  t.same(link.sent, [[0xaa], [0xa4], [0xa2], [0xa2], [0xa3, 1], [0xa3, 2], [0xa3, 3]]);
  t.same(pressures(link.readings), EXPECTED);
  t.same(
    link.readings.filter((r) => r.kind === 'deviceInfo').map((r) => (r.kind === 'deviceInfo' ? r.info : {})),
    [{ connected: true }, { model: 'Andon Blood Pressure Meter KD001' }, { storedMeasurements: 3 }, { storedMeasurements: 3 }],
  );
  link.run(5000);
  t.equal(link.sent.length, 7, 'nothing more to ask once the memory is read');
  t.same(link.session.decoder.stats(), { frames: 7, droppedBytes: 0, resyncs: 0, badFrames: 0 });
});

t.test('an empty memory ends after the count', async (t) => {
  const link = new Link(new Bm58Emulator({ memory: [] }));
  link.write(link.session.open());
  link.run(2000);
  t.same(link.sent, [[0xaa], [0xa4], [0xa2], [0xa2]]);
});

t.test('every answer split at every offset decodes the same', async (t) => {
  const answers = [
    { expect: { kind: 'record', index: 2 } as const, bytes: encodeRecord(MEMORY[1]!), want: [EXPECTED[1]] },
    { expect: { kind: 'name' } as const, bytes: encodeName('BM58'), want: [{ kind: 'deviceInfo', info: { model: 'BM58' } }] },
  ];
  for (const a of answers) {
    for (let cut = 0; cut <= a.bytes.length; cut++) {
      const d = new Bm58Decoder();
      d.expect(a.expect);
      t.same([...d.push(a.bytes.subarray(0, cut)), ...d.push(a.bytes.subarray(cut))], a.want, `${a.expect.kind} cut at ${cut}`);
    }
  }
});

t.test('junk before a record — even junk holding 0xAC — is dropped and the record found', async (t) => {
  const d = new Bm58Decoder();
  d.push(Uint8Array.of(0x13, 0x37));
  t.same(d.stats(), { frames: 0, droppedBytes: 2, resyncs: 0, badFrames: 0 }, 'bytes nobody asked for');
  d.expect({ kind: 'record', index: 1 });
  const junk = [0x13, 0xac, 0x00, 0xff, 0x01];
  t.same(d.push(Uint8Array.from([...junk, ...encodeRecord(MEMORY[0]!)])), [EXPECTED[0]]);
  t.same(d.stats(), { frames: 1, droppedBytes: 7, resyncs: 0, badFrames: 1 });
});

t.test('a cuff that is off is pinged until it answers', async (t) => {
  const emu = new Bm58Emulator({ memory: MEMORY });
  emu.inject({ kind: 'leadOff' });
  const link = new Link(emu);
  link.write(link.session.open());
  link.run(3000);
  t.ok(link.sent.length >= 5 && link.sent.every((c) => c[0] === 0xaa), `${link.sent.length} pings, nothing else`);
  t.equal(emu.heard.length, 0);
  emu.inject({ kind: 'leadOn' });
  link.run(1000);
  t.same(pressures(link.readings), EXPECTED);
});

t.test('a lost answer is asked for again; one that never comes is skipped after 3 tries', async (t) => {
  let lost = 0;
  const once = new Link(new Bm58Emulator({ memory: MEMORY }), undefined, (c) => c[0] === 0xa3 && c[1] === 2 && lost++ === 0);
  once.write(once.session.open());
  once.run(2000);
  t.same(pressures(once.readings), EXPECTED);
  const never = new Link(new Bm58Emulator({ memory: MEMORY }), new Bm58Session({ attempts: 3 }), (c) => c[0] === 0xa3 && c[1] === 2);
  never.write(never.session.open());
  never.run(3000);
  t.same(pressures(never.readings), [EXPECTED[0], EXPECTED[2]]);
  t.equal(never.sent.filter((c) => c[0] === 0xa3 && c[1] === 2).length, 3);
});

t.test('"no such record" (0xA9) is believed only when said twice', async (t) => {
  const s = new Bm58Session();
  const sent: number[][] = [];
  const feed = (...bytes: number[]): void => {
    for (const c of s.onReadings(s.decoder.push(Uint8Array.from(bytes)))) sent.push([...c]);
  };
  s.open();
  feed(0x55);
  feed(...encodeName('BM65'));
  feed(1);
  feed(1);
  feed(0xa9);
  t.same(sent.at(-1), [0xa3, 1], 'asked again');
  feed(0xa9);
  t.same(s.tick(0), [], 'then the download is over');
  t.equal(sent.length, 5);
});

t.test('fuzz: 2000 damaged record answers — no throw, the next answer decodes, damage counted', async (t) => {
  const rnd = mulberry32(58);
  let silent = 0;
  for (let run = 0; run < 2000; run++) {
    const m = MEMORY[run % 3]!;
    const bytes = [...encodeRecord(m)];
    for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
      const at = Math.floor(rnd() * bytes.length);
      const op = rnd();
      if (op < 0.4) bytes[at] = bytes[at]! ^ (1 << Math.floor(rnd() * 8));
      else if (op < 0.7) bytes.splice(at, 1);
      else bytes.splice(at, 0, Math.floor(rnd() * 256));
    }
    const d = new Bm58Decoder();
    d.expect({ kind: 'record', index: 1 });
    const first = d.push(Uint8Array.from(bytes));
    d.expect({ kind: 'record', index: 1 }); // the session's retry
    const second = d.push(encodeRecord(m));
    const s = d.stats();
    if (first.length === 0 && second.length === 0) t.fail(`run ${run}: the clean retry was not decoded`);
    if (first.length === 0 && s.droppedBytes + s.badFrames === 0) silent++;
  }
  t.equal(silent, 0, 'every answer that produced nothing shows up in the counters');
});

t.test('noise on the line during downloads (200 seeds): every record arrives intact', async (t) => {
  let failures = 0;
  let dropped = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = mulberry32(seed);
    const emu = new Bm58Emulator({ memory: MEMORY, seed });
    const session = new Bm58Session();
    const link = new Link(emu, session);
    const write = link.write.bind(link);
    link.write = (chunks) => {
      if (rnd() < 0.3) emu.inject({ kind: 'noise', bytes: 1 + Math.floor(rnd() * 4) });
      write(chunks);
    };
    link.write(session.open());
    link.run(10_000);
    dropped += session.decoder.stats().droppedBytes;
    if (JSON.stringify(pressures(link.readings)) !== JSON.stringify(EXPECTED)) failures++;
  }
  t.equal(failures, 0);
  t.ok(dropped > 100, `noise was there and counted (${dropped} bytes)`);
});

t.test('protocol descriptor: 4800 8N1', async (t) => {
  t.same(beurerBm58.serial, { baudRate: 4800, dataBits: 8, parity: 'none', stopBits: 1 });
  t.equal(beurerBm58.id, 'beurer-bm58');
  t.same(beurerBm58.createSession().open().map((c) => [...c]), [[0xaa]]);
});
