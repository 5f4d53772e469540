/**
 * ECG recordings kept at the post between capture and case: a nurse records
 * the ECG first and writes the case around it. The recording is stored in the
 * lossless codec's form, content-addressed, and becomes a case attachment by
 * id, so the bytes that travel are the bytes the bridge captured.
 */
import { randomUUID } from 'node:crypto';
import { BlobStore } from '../../lib/blob-store.js';
import { fromStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import { sha256Hex } from '../../protocol/bundle.js';
import { ecgInfo } from '../../protocol/ecg-codec.js';

export const ECG_MEDIA_TYPE = 'application/vnd.chasqui.ecg';

export interface EcgRecordingView {
  id: string;
  sha256: string;
  size: number;
  createdAt: string;
  source: string;
  samplingFrequency: number;
  leads: string[];
  durationS: number;
  startedAt: string | null;
  quality: unknown;
}

const MIGRATIONS = [
  `CREATE TABLE ecg_recordings (
     id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL,
     source TEXT NOT NULL, summary TEXT NOT NULL, quality TEXT NOT NULL);`,
];

type Row = { id: string; sha256: string; size: number; created_at: string; source: string; summary: string; quality: string };

export class EcgRecordingStore {
  private readonly blobs: BlobStore;
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'post-ecg-recordings', MIGRATIONS);
    this.blobs = new BlobStore(db);
    this.q = {
      insert: db.prepare('INSERT INTO ecg_recordings (id, sha256, size, created_at, source, summary, quality) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM ecg_recordings WHERE id = ?'),
      list: db.prepare<[number], Row>('SELECT * FROM ecg_recordings ORDER BY created_at DESC LIMIT ?'),
    };
    this.insertTx = db.transaction((row: Row, bytes: Buffer) => {
      this.blobs.put(bytes, row.sha256);
      this.q.insert.run(row.id, row.sha256, row.size, row.created_at, row.source, row.summary, row.quality);
    });
  }

  private readonly insertTx;

  /** Stores encoded ECG bytes (already checked by the caller to decode) and returns the new recording. */
  add(bytes: Buffer, meta: { source: string; quality: unknown; now: Date }): EcgRecordingView {
    const info = ecgInfo(bytes);
    const summary = { samplingFrequency: info.samplingFrequency, leads: info.leads.map((l) => l.name), durationS: info.durationSeconds, startedAt: info.startedAt ?? null };
    const row: Row = {
      id: randomUUID(), sha256: sha256Hex(bytes), size: bytes.length, created_at: meta.now.toISOString(),
      source: meta.source, summary: JSON.stringify(summary), quality: JSON.stringify(meta.quality ?? null),
    };
    try {
      this.insertTx(row, bytes);
    } catch (err) {
      throw fromStoreError(err);
    }
    return view(row);
  }

  get(id: string): EcgRecordingView | undefined {
    const row = this.q.get.get(id);
    return row && view(row);
  }

  bytes(id: string): Buffer | undefined {
    const row = this.q.get.get(id);
    return row && this.blobs.get(row.sha256);
  }

  list(limit = 50): EcgRecordingView[] {
    return this.q.list.all(limit).map(view);
  }
}

function view(r: Row): EcgRecordingView {
  const s = JSON.parse(r.summary) as Pick<EcgRecordingView, 'samplingFrequency' | 'leads' | 'durationS' | 'startedAt'>;
  return { id: r.id, sha256: r.sha256, size: r.size, createdAt: r.created_at, source: r.source, ...s, quality: JSON.parse(r.quality) as unknown };
}
