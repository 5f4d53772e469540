/** The post's prepared photos in a real SQLite file: stored whole or not at all, found again after a restart. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isChasquiError } from '../../../lib/errors.js';
import { openDatabase } from '../../../lib/sqlite.js';
import { preparePhoto, type PreparedPhoto } from '../../../node/photos/photo-pipeline.js';
import { PhotoStore } from '../../../node/photos/photo-store.js';
import { sharedFile, tempDir } from '../../support/paths.js';

const NOW = new Date('2026-11-23T14:05:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let photo: PreparedPhoto;
t.before(async () => {
  photo = await preparePhoto(sharedFile('photos/canon_hdr_NO.jpg'), { name: 'lesion.jpg' });
});

function store(t: Test, opts: { maxPageCount?: number } = {}) {
  const { dir, cleanup } = tempDir('chasqui-photos-');
  const file = join(dir, 'post.db');
  const db = openDatabase(file, opts);
  t.teardown(() => {
    db.close();
    cleanup();
  });
  return { db, file, photos: new PhotoStore(db) };
}

t.test('add returns a view; get, jpeg and thumbnail give back exactly what was stored', async (t) => {
  const { photos } = store(t);
  const view = photos.add(photo, { name: 'lesion.jpg', takenBy: 'enf.rosa', now: NOW });
  t.match(view.id, UUID);
  t.same(view, {
    id: view.id, sha256: sha256(photo.jpeg), bytes: photo.jpeg.length, width: photo.width, height: photo.height, ssim: photo.ssim,
    quality: photo.quality, name: 'lesion.jpg', takenBy: 'enf.rosa', warnings: [], createdAt: '2026-11-23T14:05:00.000Z',
  });
  t.same(photos.get(view.id), view);
  t.ok(photos.jpeg(view.id)?.equals(photo.jpeg), 'the prepared JPEG, byte for byte');
  t.ok(photos.thumbnail(view.id)?.equals(photo.thumbnail), 'the thumbnail, byte for byte');
  t.equal(photos.get('no-such-photo'), undefined);
  t.equal(photos.jpeg('no-such-photo'), undefined);
  t.equal(photos.thumbnail('no-such-photo'), undefined);
});

t.test('the same photo added twice is two entries sharing one blob', async (t) => {
  const { db, photos } = store(t);
  const a = photos.add(photo, { name: 'a.jpg', now: NOW });
  const b = photos.add(photo, { name: 'b.jpg', now: NOW });
  t.not(a.id, b.id);
  t.equal(a.sha256, b.sha256);
  t.equal(b.takenBy, null);
  t.equal(db.prepare('SELECT count(*) FROM blobs').pluck().get(), 2, 'one JPEG and one thumbnail');
});

t.test('photos are still there after the post restarts', async (t) => {
  const { db, file, photos } = store(t);
  const view = photos.add(photo, { name: 'lesion.jpg', now: NOW });
  db.close();
  const again = openDatabase(file);
  t.teardown(() => again.close());
  const reopened = new PhotoStore(again);
  t.same(reopened.get(view.id), view, 'migrations run once; the row is intact');
  t.ok(reopened.jpeg(view.id)?.equals(photo.jpeg));
});

t.test('a failed insert leaves nothing behind: blobs and row go together', async (t) => {
  const { db, photos } = store(t);
  // The row's NOT NULL name fails after both blobs were written in the transaction.
  const err = (() => {
    try {
      photos.add(photo, { name: null as unknown as string, now: NOW });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(isChasquiError(err, 'CHASQUI_ERR_STORE'), 'a SQLite error becomes CHASQUI_ERR_STORE');
  t.equal(db.prepare('SELECT count(*) FROM blobs').pluck().get(), 0, 'no orphan blob');
  t.equal(db.prepare('SELECT count(*) FROM post_photos').pluck().get(), 0);
});

t.test('a full disk is reported as such', async (t) => {
  // 40 pages of 4 KiB hold the schema but not a 150 KiB photo.
  const { db, photos } = store(t, { maxPageCount: 40 });
  t.throws(() => photos.add(photo, { name: 'lesion.jpg', now: NOW }), { code: 'CHASQUI_ERR_DISK_FULL' });
  t.equal(db.prepare('SELECT count(*) FROM post_photos').pluck().get(), 0);
});
