/**
 * The patient and case pages on a real post (SQLite files, link down), in a
 * fastify app built as the post builds it, with a fake sign-in: every request
 * is by one test nurse, and the access log is a list the test reads.
 */
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { join } from 'node:path';
import { installErrorHandler } from '../../../lib/http-errors.js';
import { appPlugin } from '../../../node/app/app-plugin.js';
import { casePages } from '../../../node/app/pages/case-pages.js';
import { inboxPages } from '../../../node/app/pages/inbox-pages.js';
import { devicePages } from '../../../node/app/pages/device-pages.js';
import { BridgeClient } from '../../../node/devices/bridge-client.js';
import { patientPages } from '../../../node/app/pages/patient-pages.js';
import type { AuditEntry, Nurse } from '../../../node/auth/nurse.js';
import { CaseDrafts } from '../../../node/cases/case-drafts.js';
import { SendRate, type CaseFollowUp } from '../../../node/cases/case-journey.js';
import { PatientStore } from '../../../node/patients/patient-store.js';
import { PhotoStore } from '../../../node/photos/photo-store.js';
import { buildPost, type Post } from '../../../node/post.js';
import { quietLogger } from '../../support/logger.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { TEST_SCRYPT, openVault, postConfig } from '../../support/stack.js';

export const NURSE: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Condori', role: 'nurse' };

export interface NurseApp {
  app: FastifyInstance;
  post: Post;
  patients: PatientStore;
  photos: PhotoStore;
  drafts: CaseDrafts;
  audit: AuditEntry[];
  rate: SendRate;
  clock: { now(): number; advance(ms: number): void };
  followUps: Map<string, CaseFollowUp>;
}

/** `bridgeUrl`: the devices pages too, against a real bridge there. */
export async function nurseApp(t: { teardown(fn: () => Promise<void> | void): void }, o: { bridgeUrl?: string } = {}): Promise<NurseApp> {
  const { dir, cleanup } = tempDir();
  // Small chunks so a case with an ECG is many chunks, and progress has steps to show.
  // Each reading moves a second on, so "newest first" is well defined.
  let now = Date.parse('2026-11-23T10:00:00Z');
  const clock = { now: () => (now += 1000), advance: (ms: number) => void (now += ms) };
  const post = buildPost({ config: postConfig({ dir, postId: 'post-pages', url: 'mqtt://127.0.0.1:1', password: 'x', link: { chunkSize: 1024 } }), logger: quietLogger(), clock, scrypt: TEST_SCRYPT });
  await openVault(post);
  const patients = new PatientStore(post.db);
  const photos = new PhotoStore(post.db);
  const drafts = new CaseDrafts({ db: post.db, patients, photos, recordings: post.recordings, cases: post.cases, clock });
  const rate = new SendRate(clock);
  const followUps = new Map<string, CaseFollowUp>();
  const audit: AuditEntry[] = [];
  const app = Fastify();
  installErrorHandler(app);
  await app.register(appPlugin);
  app.decorate('requireNurse', async (req) => {
    req.nurse = NURSE;
  });
  // Every entry a web request makes says where it came from; the tests compare the rest.
  app.decorate('audit', {
    record: ({ from, ...e }: AuditEntry) => {
      if (!from) throw new Error(`audit entry ${e.action} without the client's address`);
      audit.push(e);
    },
  });
  const deps = { patients, drafts, photos, recordings: post.recordings, cases: post.cases, threads: post.threads, relay: post.relay, clock, rate, followUp: (id: string) => followUps.get(id), submissions: post.submissions };
  const bridge = o.bridgeUrl ? new BridgeClient(o.bridgeUrl) : undefined;
  await app.register(patientPages, deps);
  await app.register(casePages, { ...deps, ...(bridge ? { bridge } : {}) });
  await app.register(async (s) => inboxPages(s, deps));
  if (bridge) await app.register(async (s) => devicePages(s, { ...deps, bridge }));
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await post.app.close();
    post.db.close();
    cleanup();
  });
  return { app, post, patients, photos, drafts, audit, rate, clock, followUps };
}

export function form(method: 'POST', url: string, fields: Record<string, string>, headers: Record<string, string> = {}): InjectOptions {
  return { method, url, payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } };
}

/** A multipart body as a browser sends it, built by the platform's own FormData encoder. */
export async function multipart(url: string, files: Array<{ field: string; name: string; bytes: Buffer; type?: string }>): Promise<InjectOptions> {
  const fd = new FormData();
  for (const f of files) fd.append(f.field, new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }), f.name);
  const res = new Response(fd);
  return { method: 'POST', url, payload: Buffer.from(await res.arrayBuffer()), headers: { 'content-type': res.headers.get('content-type')! } };
}

export const ECG_DIR = join(SHARED_DATA, 'ecg/mitdb');

export const PATIENT = { names: 'María', surnames: 'Quispe Huamán', docKind: 'DNI', docNumber: '40123456', birthDate: '1987-03-14', sex: 'F', community: 'Ccapac' };

/** Registers a patient through the page and returns its id. */
export async function register(app: FastifyInstance, fields: Record<string, string> = PATIENT): Promise<string> {
  const res = await app.inject(form('POST', '/pacientes', fields));
  const m = /^\/pacientes\/([0-9a-f-]{36})\?ok=created$/.exec(String(res.headers.location));
  if (res.statusCode !== 303 || !m) throw new Error(`registering failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return m[1]!;
}
