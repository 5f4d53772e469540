import t from 'tap';
import { randomBytes } from 'node:crypto';
import { isChasquiError } from '../../lib/errors.js';
import { decode, encode, type Message } from '../../protocol/messages.js';

const id = randomBytes(32);
const samples: Message[] = [
  { type: 'chunk', transferId: id, kind: 1, priority: 0, totalSize: 100_000, chunkSize: 8192, index: 3, payload: randomBytes(8192) },
  { type: 'ack', transferId: id, indices: [0, 1, 7, 4_000_000] },
  { type: 'statusRequest', transferId: id },
  { type: 'status', transferId: id, state: 'unknown' },
  { type: 'status', transferId: id, state: 'partial', chunkCount: 13, have: new Uint8Array([0xff, 0x03]) },
  { type: 'status', transferId: id, state: 'complete', receipt: 'hub-case-42' },
  { type: 'status', transferId: id, state: 'rejected', code: 'CHASQUI_ERR_CASE_CONFLICT', reason: 'caso ya recibido' },
];

t.test('every message type round-trips', async (t) => {
  for (const m of samples) t.same(decode(encode(m)), m, m.type);
});

t.test('a chunk header costs 52 bytes', async (t) => {
  const m = samples[0] as Extract<Message, { type: 'chunk' }>;
  t.equal(encode(m).length - m.payload.length, 52);
});

t.test('a flipped payload bit fails the CRC', async (t) => {
  const buf = encode(samples[0]!);
  buf[buf.length - 1]! ^= 0x01;
  t.throws(() => decode(buf), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' });
});

t.test('a damaged header byte fails the CRC too', async (t) => {
  const buf = encode(samples[0]!);
  buf[2 + 32 + 2 + 3]! ^= 0x10;
  t.throws(() => decode(buf), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' }, 'total size damaged');
});

t.test('truncations, bad magic and trailing bytes are malformed, never a crash', async (t) => {
  for (const m of samples.slice(1)) {
    const buf = encode(m);
    const outcomes = Array.from({ length: buf.length }, (_, n) => {
      try {
        decode(buf.subarray(0, n));
        return `decoded at ${n}`;
      } catch (e) {
        return isChasquiError(e) ? 'refused' : `foreign error at ${n}: ${String(e)}`;
      }
    });
    t.same(outcomes.filter((o) => o !== 'refused'), [], `${m.type}: every truncation is refused`);
    t.throws(() => decode(Buffer.concat([buf, Buffer.from([0])])), { code: 'CHASQUI_ERR_MALFORMED_MESSAGE' });
  }
  const bad = encode(samples[2]!);
  bad[0] = 0x00;
  t.throws(() => decode(bad), { code: 'CHASQUI_ERR_MALFORMED_MESSAGE' });
  bad[0] = 0xc1;
  bad[1] = 99;
  t.throws(() => decode(bad), { code: 'CHASQUI_ERR_MALFORMED_MESSAGE' });
});

t.test('fuzz: random and mutated bytes either decode or throw a ChasquiError', async (t) => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const foreign: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const base = encode(samples[Math.floor(rnd() * samples.length)]!);
    const buf = Buffer.from(base.subarray(0, Math.floor(rnd() * (base.length + 1))));
    for (let k = 0; k < 3 && buf.length; k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
    try {
      decode(buf);
    } catch (e) {
      if (!isChasquiError(e)) foreign.push(String(e));
    }
  }
  t.same(foreign, [], 'no error escapes the catalogue');
});
