/**
 * Prepared photos kept at the post until a case carries them. The JPEG and
 * its thumbnail are content-addressed blobs (lib/blob-store.ts), so a photo
 * added twice costs its bytes once; this table holds what the UI lists and
 * what the preparation measured. Only prepared photos come in: the original,
 * with its GPS and camera metadata, is never written to disk.
 */
import { randomUUID } from 'node:crypto';
import { BlobStore } from '../../lib/blob-store.js';
import { fromStoreError } from '../../lib/errors.js';
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import type { PreparedPhoto } from './photo-pipeline.js';

export interface PhotoView {
  id: string;
  /** SHA-256 of the prepared JPEG: the attachment's content address. */
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  ssim: number;
  quality: number;
  name: string;
  takenBy: string | null;
  /** What preparePhoto said it could not meet (empty when every target was met). */
  warnings: string[];
  createdAt: string;
}

export type PhotoMeta = { name: string; takenBy?: string; now: Date };

const MIGRATIONS = [
  `CREATE TABLE post_photos (
     id TEXT PRIMARY KEY,
     sha256 TEXT NOT NULL REFERENCES blobs (sha256),
     thumb_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
     name TEXT NOT NULL, taken_by TEXT,
     bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, ssim REAL NOT NULL, quality INTEGER NOT NULL,
     original_bytes INTEGER NOT NULL, original_width INTEGER NOT NULL, original_height INTEGER NOT NULL,
     warnings TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE INDEX post_photos_created ON post_photos (created_at);`,
];

type Row = {
  id: string; sha256: string; thumb_sha256: string; name: string; taken_by: string | null; bytes: number; width: number;
  height: number; ssim: number; quality: number; warnings: string; created_at: string;
};

function toView(r: Row): PhotoView {
  return {
    id: r.id, sha256: r.sha256, bytes: r.bytes, width: r.width, height: r.height, ssim: r.ssim, quality: r.quality,
    name: r.name, takenBy: r.taken_by, warnings: JSON.parse(r.warnings) as string[], createdAt: r.created_at,
  };
}

export class PhotoStore {
  private readonly db: Db;
  private readonly blobs: BlobStore;
  private readonly q;

  constructor(db: Db) {
    this.db = db;
    try {
      // The blobs table must exist before ours refers to it.
      this.blobs = new BlobStore(db);
      migrate(db, 'post-photos', MIGRATIONS);
      this.q = {
        insert: db.prepare(`INSERT INTO post_photos (id, sha256, thumb_sha256, name, taken_by, bytes, width, height, ssim, quality,
          original_bytes, original_width, original_height, warnings, created_at)
          VALUES (@id, @sha256, @thumb_sha256, @name, @taken_by, @bytes, @width, @height, @ssim, @quality,
          @original_bytes, @original_width, @original_height, @warnings, @created_at)`),
        get: db.prepare('SELECT * FROM post_photos WHERE id = ?'),
      };
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  /** Stores the JPEG, its thumbnail and the row in one transaction: all three or none. */
  add(prepared: PreparedPhoto, meta: PhotoMeta): PhotoView {
    const row = {
      id: randomUUID(), name: meta.name, taken_by: meta.takenBy ?? null, bytes: prepared.jpeg.length, width: prepared.width,
      height: prepared.height, ssim: prepared.ssim, quality: prepared.quality, original_bytes: prepared.originalBytes,
      original_width: prepared.originalWidth, original_height: prepared.originalHeight,
      warnings: JSON.stringify(prepared.warnings), created_at: meta.now.toISOString(),
    };
    try {
      return this.db.transaction(() => {
        const sha256 = this.blobs.put(prepared.jpeg);
        const thumb = this.blobs.put(prepared.thumbnail);
        this.q.insert.run({ ...row, sha256, thumb_sha256: thumb });
        return toView({ ...row, sha256, thumb_sha256: thumb });
      })();
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  get(id: string): PhotoView | undefined {
    const r = this.row(id);
    return r && toView(r);
  }

  jpeg(id: string): Buffer | undefined {
    const r = this.row(id);
    return r && this.blob(r.sha256);
  }

  thumbnail(id: string): Buffer | undefined {
    const r = this.row(id);
    return r && this.blob(r.thumb_sha256);
  }

  private row(id: string): Row | undefined {
    try {
      return this.q.get.get(id) as Row | undefined;
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  private blob(sha256: string): Buffer | undefined {
    try {
      return this.blobs.get(sha256);
    } catch (err) {
      throw fromStoreError(err);
    }
  }
}
