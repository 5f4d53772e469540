/**
 * The post's own record of its cases: what the nurse entered and attached,
 * and which bundle carries it. Where the bundle is on its way lives in the
 * relay's outbox; this store joins the two for people.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import { BlobStore } from '../../lib/blob-store.js';
import type { Manifest } from '../../protocol/bundle.js';

export type CaseRecord = {
  caseId: string;
  createdAt: string;
  priority: Manifest['priority'];
  body: unknown;
  bundleId: string;
  bundleSize: number;
  rawSize: number;
  attachments: Array<{ name: string; mediaType: string; sha256: string; size: number }>;
};

const MIGRATIONS = [
  `CREATE TABLE cases (
     case_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, priority TEXT NOT NULL, body TEXT NOT NULL,
     bundle_id TEXT NOT NULL, bundle_size INTEGER NOT NULL, raw_size INTEGER NOT NULL);
   CREATE TABLE case_attachments (
     case_id TEXT NOT NULL REFERENCES cases (case_id), name TEXT NOT NULL, media_type TEXT NOT NULL,
     sha256 TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (case_id, name));
   CREATE TABLE inbox_messages (
     bundle_id TEXT PRIMARY KEY, kind TEXT NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL);`,
];

type Row = { case_id: string; created_at: string; priority: CaseRecord['priority']; body: string; bundle_id: string; bundle_size: number; raw_size: number };

export class PostCaseStore {
  readonly blobs: BlobStore;
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'post-cases', MIGRATIONS);
    this.blobs = new BlobStore(db);
    this.q = {
      insert: db.prepare(
        `INSERT INTO cases (case_id, created_at, priority, body, bundle_id, bundle_size, raw_size)
         VALUES (@caseId, @createdAt, @priority, @body, @bundleId, @bundleSize, @rawSize)`,
      ),
      attach: db.prepare('INSERT INTO case_attachments (case_id, name, media_type, sha256, size) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM cases WHERE case_id = ?'),
      list: db.prepare('SELECT * FROM cases ORDER BY created_at DESC, case_id LIMIT ?'),
      attachments: db.prepare('SELECT name, media_type AS mediaType, sha256, size FROM case_attachments WHERE case_id = ? ORDER BY name'),
      message: db.prepare('INSERT OR IGNORE INTO inbox_messages (bundle_id, kind, message_id, body, received_at) VALUES (?, ?, ?, ?, ?)'),
      messages: db.prepare('SELECT bundle_id AS bundleId, kind, message_id AS messageId, body, received_at AS receivedAt FROM inbox_messages ORDER BY received_at DESC LIMIT ?'),
    };
  }

  /** Call inside the transaction that also queues the bundle. */
  insert(rec: CaseRecord, attachmentBytes: Buffer[]): void {
    this.q.insert.run({ ...rec, body: JSON.stringify(rec.body) });
    rec.attachments.forEach((a, i) => {
      this.blobs.put(attachmentBytes[i]!, a.sha256);
      this.q.attach.run(rec.caseId, a.name, a.mediaType, a.sha256, a.size);
    });
  }

  get(caseId: string): CaseRecord | undefined {
    const r = this.q.get.get(caseId) as Row | undefined;
    return r && this.toRecord(r);
  }

  list(limit = 200): CaseRecord[] {
    return (this.q.list.all(limit) as Row[]).map((r) => this.toRecord(r));
  }

  saveMessage(bundleId: string, kind: string, messageId: string, body: unknown, receivedAt: string): void {
    this.q.message.run(bundleId, kind, messageId, JSON.stringify(body), receivedAt);
  }

  messages(limit = 100): Array<{ bundleId: string; kind: string; messageId: string; body: unknown; receivedAt: string }> {
    return (this.q.messages.all(limit) as Array<{ bundleId: string; kind: string; messageId: string; body: string; receivedAt: string }>)
      .map((m) => ({ ...m, body: JSON.parse(m.body) as unknown }));
  }

  private toRecord(r: Row): CaseRecord {
    return {
      caseId: r.case_id, createdAt: r.created_at, priority: r.priority, body: JSON.parse(r.body) as unknown,
      bundleId: r.bundle_id, bundleSize: r.bundle_size, rawSize: r.raw_size,
      attachments: this.q.attachments.all(r.case_id) as CaseRecord['attachments'],
    };
  }
}
