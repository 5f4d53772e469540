import t from 'tap';
import { Bitmap } from '../../protocol/bitmap.js';

t.test('set, has, count and missing', async (t) => {
  const b = new Bitmap(13);
  t.equal(b.set(0), true);
  t.equal(b.set(0), false, 'setting twice is not new');
  t.equal(b.set(12), true);
  t.equal(b.set(13), false, 'out of range is ignored');
  t.equal(b.count, 2);
  t.same([...b.missing()], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  t.equal(b.complete, false);
});

t.test('round-trips through bytes and ignores bits past the end', async (t) => {
  const b = Bitmap.full(10);
  const bytes = b.toBytes();
  t.equal(bytes.length, 2);
  const again = new Bitmap(10, new Uint8Array([0xff, 0xff, 0xff]));
  t.equal(again.count, 10, 'tail bits and extra bytes do not count');
  t.equal(again.complete, true);
});
