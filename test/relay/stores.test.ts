/** The outbox and inbox on a real SQLite file, reopened as after a power cut. */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '../../lib/sqlite.js';
import { Bitmap } from '../../protocol/bitmap.js';
import { sha256Hex } from '../../protocol/bundle.js';
import { InboxStore } from '../../relay/inbox-store.js';
import { OutboxStore } from '../../relay/outbox-store.js';
import { tempDir } from '../support/paths.js';

t.test('outbox: idempotent enqueue, acks and delivery survive reopening', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const file = join(dir, 'o.sqlite');
  const bytes = randomBytes(20_000);
  const id = sha256Hex(bytes);
  let db = openDatabase(file);
  let out = new OutboxStore(db);
  const first = out.enqueue({ peer: 'hub', id, kind: 1, priority: 1, bytes, chunkSize: 8192, now: 1 });
  t.equal(first.created, true);
  t.equal(out.enqueue({ peer: 'hub', id, kind: 1, priority: 1, bytes, chunkSize: 8192, now: 2 }).created, false, 'same bundle, same transfer');
  const acked = new Bitmap(3);
  acked.set(1);
  out.saveAcked(first.row.seq, acked);
  out.markStarted(first.row.seq);
  db.close();

  db = openDatabase(file);
  out = new OutboxStore(db);
  const [row] = out.queued();
  t.equal(row?.started, true);
  t.same([...row!.acked.missing()], [0, 2]);
  t.ok(Buffer.concat([0, 1, 2].map((i) => out.chunk(row!.seq, i)!)).equals(bytes), 'chunks reassemble');
  t.equal(out.finish('hub', id, { state: 'delivered', receipt: 'r' }, 3), true);
  t.equal(out.finish('hub', id, { state: 'delivered', receipt: 'r' }, 4), false, 'finishing twice changes nothing');
  t.equal(out.chunk(row!.seq, 0), undefined, 'chunks dropped once delivered');
  t.equal(out.queued().length, 0);
  db.close();
});

t.test('inbox: chunks stored once, assembled in order, reset and refusal remembered', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const db = openDatabase(join(dir, 'i.sqlite'));
  t.teardown(() => db.close());
  const inbox = new InboxStore(db);
  const shape = { kind: 1, priority: 0, totalSize: 10, chunkSize: 4 };
  inbox.putChunk('p', 'x', shape, 2, Buffer.from('89'), 1);
  inbox.putChunk('p', 'x', shape, 0, Buffer.from('0123'), 1);
  inbox.putChunk('p', 'x', shape, 0, Buffer.from('XXXX'), 1);
  const row = inbox.putChunk('p', 'x', shape, 1, Buffer.from('4567'), 1);
  t.equal(row.have.complete, true);
  t.equal(inbox.assemble('p', 'x').toString(), '0123456789', 'the first copy of a chunk wins, order by index');
  inbox.reset('p', 'x');
  t.equal(inbox.get('p', 'x')?.have.count, 0);
  inbox.refuse('p', 'y', shape, 'CHASQUI_ERR_BUNDLE_TOO_LARGE', 'too big', 2);
  t.match(inbox.get('p', 'y'), { state: 'rejected', rejectCode: 'CHASQUI_ERR_BUNDLE_TOO_LARGE' });
  t.equal(inbox.get('q', 'x'), undefined, 'transfers are per peer');
});
