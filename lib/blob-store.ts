/**
 * Content-addressed attachment storage (SHA-256 → bytes) in SQLite. The same
 * photo attached to two cases is stored once; a blob's name proves its bytes.
 */
import { createHash } from 'node:crypto';
import type { Db } from './sqlite.js';
import { migrate } from './sqlite.js';

export class BlobStore {
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'blobs', [`CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;`]);
    this.q = {
      put: db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT data FROM blobs WHERE sha256 = ?').pluck(),
    };
  }

  put(bytes: Buffer, sha256?: string): string {
    const hash = sha256 ?? createHash('sha256').update(bytes).digest('hex');
    this.q.put.run(hash, bytes.length, bytes);
    return hash;
  }

  get(sha256: string): Buffer | undefined {
    return this.q.get.get(sha256) as Buffer | undefined;
  }
}
