/**
 * Everything at the post that reads or writes clinical data, built on the
 * post's connection once clinical.sqlite is attached (the vault is open).
 * migrateClinical runs the same stores' migrations on the encrypted file's
 * own connection first, so their tables are made there and never in the
 * plain post.sqlite.
 */
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/sqlite.js';
import type { Relay } from '../relay/relay.js';
import type { PostConfig } from './config.js';
import { CaseService } from './cases/case-service.js';
import { PostCaseStore } from './cases/case-store.js';
import { CaseDrafts, migrateCaseDrafts } from './cases/case-drafts.js';
import { PatientStore } from './patients/patient-store.js';
import { PhotoStore } from './photos/photo-store.js';
import { EcgRecordingStore } from './ecg/ecg-recordings.js';
import { ThreadService } from './messages/thread-service.js';
import { ThreadStore } from './messages/thread-store.js';
import { acceptFromHub } from './inbox-handler.js';
import type { AcceptBundle } from '../relay/inbound.js';

export type ClinicalServices = {
  store: PostCaseStore;
  recordings: EcgRecordingStore;
  cases: CaseService;
  threads: ThreadService;
  patients: PatientStore;
  photos: PhotoStore;
  drafts: CaseDrafts;
  /** What the hub sends, opened: into the thread or the notices. */
  accept: AcceptBundle;
};

export function migrateClinical(own: Db): void {
  new PostCaseStore(own);
  new EcgRecordingStore(own);
  new ThreadStore(own);
  new PatientStore(own);
  new PhotoStore(own);
  migrateCaseDrafts(own);
}

export function buildClinical(d: { db: Db; relay: Relay; clock: Clock; config: PostConfig }): ClinicalServices {
  const { db, relay, clock, config } = d;
  const store = new PostCaseStore(db);
  const recordings = new EcgRecordingStore(db);
  const cases = new CaseService({ db, store, relay, clock, postId: config.postId, maxBundleBytes: config.maxBundleBytes });
  const threads = new ThreadService({ db, threads: new ThreadStore(db), cases: store, relay, clock, postId: config.postId, maxBundleBytes: config.maxBundleBytes });
  const patients = new PatientStore(db);
  const photos = new PhotoStore(db);
  const drafts = new CaseDrafts({ db, patients, photos, recordings, cases, clock });
  const accept = acceptFromHub(store, { counterReference: (id, body, at) => threads.receive(id, body, at), seen: (id, body) => threads.seen(id, body) },
    { maxRawBytes: config.maxBundleBytes, maxAgeMs: config.hub.maxMessageAgeDays * 86_400_000 }, clock);
  return { store, recordings, cases, threads, patients, photos, drafts, accept };
}
