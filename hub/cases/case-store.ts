/**
 * The hub's cases: one row per (post, case id), written once, inside the
 * relay's completion transaction. Attachments are content-addressed blobs.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import { BlobStore } from '../../lib/blob-store.js';
import type { Manifest } from '../../protocol/bundle.js';

export type HubCase = {
  seq: number;
  postId: string;
  caseId: string;
  bundleId: string;
  priority: string;
  createdAt: string;
  receivedAt: string;
  body: unknown;
  attachments: Array<{ name: string; mediaType: string; sha256: string; size: number }>;
};

const MIGRATIONS = [
  `CREATE TABLE cases (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, post_id TEXT NOT NULL, case_id TEXT NOT NULL, bundle_id TEXT NOT NULL UNIQUE,
     priority TEXT NOT NULL, created_at TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL,
     UNIQUE (post_id, case_id));
   CREATE TABLE case_attachments (
     case_seq INTEGER NOT NULL REFERENCES cases (seq), name TEXT NOT NULL, media_type TEXT NOT NULL,
     sha256 TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (case_seq, name));`,
];

type Row = { seq: number; post_id: string; case_id: string; bundle_id: string; priority: string; created_at: string; received_at: string; body: string };

export class HubCaseStore {
  readonly blobs: BlobStore;
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'hub-cases', MIGRATIONS);
    this.blobs = new BlobStore(db);
    this.q = {
      insert: db.prepare(
        `INSERT INTO cases (post_id, case_id, bundle_id, priority, created_at, received_at, body)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      attach: db.prepare('INSERT INTO case_attachments (case_seq, name, media_type, sha256, size) VALUES (?, ?, ?, ?, ?)'),
      byCase: db.prepare('SELECT * FROM cases WHERE post_id = ? AND case_id = ?'),
      list: db.prepare('SELECT * FROM cases ORDER BY seq DESC LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM cases').pluck(),
      attachments: db.prepare('SELECT name, media_type AS mediaType, sha256, size FROM case_attachments WHERE case_seq = ? ORDER BY name'),
      mediaType: db.prepare('SELECT media_type FROM case_attachments WHERE sha256 = ? LIMIT 1').pluck(),
    };
  }

  find(postId: string, caseId: string): HubCase | undefined {
    const r = this.q.byCase.get(postId, caseId) as Row | undefined;
    return r && this.toCase(r);
  }

  insert(postId: string, bundleId: string, m: Manifest, files: Array<{ bytes: Buffer; sha256: string }>, receivedAt: string): number {
    const { lastInsertRowid } = this.q.insert.run(postId, m.id, bundleId, m.priority, m.createdAt, receivedAt, JSON.stringify(m.body ?? null));
    const seq = Number(lastInsertRowid);
    m.attachments.forEach((a, i) => {
      this.blobs.put(files[i]!.bytes, a.sha256);
      this.q.attach.run(seq, a.name, a.mediaType, a.sha256, a.size);
    });
    return seq;
  }

  list(limit = 500): HubCase[] {
    return (this.q.list.all(limit) as Row[]).map((r) => this.toCase(r));
  }

  /** The media type a post declared for these bytes (the same bytes under two types is not expected; the first wins). */
  mediaTypeOf(sha256: string): string | undefined {
    return this.q.mediaType.get(sha256) as string | undefined;
  }

  count(): number {
    return this.q.count.get() as number;
  }

  private toCase(r: Row): HubCase {
    return {
      seq: r.seq, postId: r.post_id, caseId: r.case_id, bundleId: r.bundle_id, priority: r.priority,
      createdAt: r.created_at, receivedAt: r.received_at, body: JSON.parse(r.body) as unknown,
      attachments: this.q.attachments.all(r.seq) as HubCase['attachments'],
    };
  }
}
