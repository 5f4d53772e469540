/**
 * Photos and ECG files added to a draft. Multipart is registered in this
 * scope only, with per-file limits. The upload buttons belong to the draft's
 * form, so a multipart request carries the typed fields first (they precede
 * the file inputs in the page) and they are saved before any file is
 * handled; one request may carry photos and ECG files both. Each photo is
 * kept as soon as it is ready, so when the third of five is refused (too
 * big, not an image) the first two are already in the draft and the page
 * names the refused file and what to do. ECG files land in a temporary
 * folder because a WFDB record is a header plus signal files that
 * readEcgFile opens by name. The form's idempotency key makes a double tap
 * one upload.
 */
import { recordAccess } from '../../auth/access-record.js';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isChasquiError } from '../../../lib/errors.js';
import { readEcgFile } from '../../../firmware-bridge/ecg/ecg-files.js';
import { encodeEcg } from '../../../protocol/ecg-codec.js';
import type { PhotoSource } from '../../cases/case-drafts.js';
import { preparePhoto } from '../../photos/photo-pipeline.js';
import type { CasePagesDeps } from './case-pages.js';
import { MAX_FILE_MB, MAX_FILES, renderCase } from './case-views.js';
import { formKey } from '../../../lib/web/submission-keys.js';
import { saveTyped } from './draft-form.js';
import { formBody } from './form-fields.js';
import { notFound } from './patient-pages.js';

export type PreparedPhoto = Awaited<ReturnType<typeof preparePhoto>>;

/** What the pages need of node/photos/photo-store.ts. */
export interface PhotoLibrary extends PhotoSource {
  add(prepared: PreparedPhoto, meta: { name: string; takenBy?: string; now: Date }): { id: string; name: string };
  thumbnail(id: string): Buffer | undefined;
}

type IdParams = { Params: { id: string } };

/** preparePhoto's details.reason → what the nurse reads (and what to do). */
const PHOTO_REFUSALS: Record<string, string> = {
  notAnImage: 'cases.photo.notImage', unsupportedFormat: 'cases.photo.unsupported', undecodable: 'cases.photo.damaged',
  tooManyPixels: 'cases.photo.tooManyPixels', tooSmall: 'cases.photo.tooSmall',
};

/** A file name as the nurse will recognise it, and safe as a path part: no folders, no control characters. */
export function cleanName(name: string | undefined): string {
  const base = basename((name ?? '').replace(/\\/g, '/')).replace(/[\p{Cc}]/gu, '').trim();
  // "." and ".." would name the temporary folder or its parent, not a file in it.
  return /^\.*$/.test(base) ? 'archivo' : base.slice(-100);
}

async function photoFromPart(req: FastifyRequest, d: CasePagesDeps, caseId: string, part: MultipartFile): Promise<string | undefined> {
  const t = req.t;
  const name = cleanName(part.filename);
  const bytes = await part.toBuffer();
  if (part.file.truncated) return t('cases.photo.tooLarge', { name, mb: MAX_FILE_MB });
  if (bytes.length === 0) return t('cases.photo.empty', { name });
  let prepared: PreparedPhoto;
  try {
    prepared = await preparePhoto(bytes, { name });
  } catch (err) {
    if (isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST')) return t(PHOTO_REFUSALS[String(err.details?.reason)] ?? 'cases.photo.notImage', { name });
    throw err;
  }
  const photo = d.photos.add(prepared, { name, takenBy: req.nurse!.username, now: new Date(d.clock.now()) });
  d.drafts.addPhoto(caseId, photo.id);
  recordAccess(req, { action: 'photo.add', target: caseId, detail: { photo: photo.id } });
  return undefined;
}

/** What one multipart submit of the draft page did. */
type Upload = { problems: string[]; photos: number; ecgNames: string[]; repeated: boolean };

/**
 * Reads the draft form as it streams in: fields are gathered and saved once,
 * just before the first file (and at the end if no file came); photos are
 * kept as they arrive; ECG files are written to `dir`. A limit reached ends
 * the loop with a message, keeping what was done.
 */
async function readDraftForm(req: FastifyRequest, d: CasePagesDeps, caseId: string, dir: string): Promise<Upload> {
  const up: Upload = { problems: [], photos: 0, ecgNames: [], repeated: false };
  const fields: Record<string, unknown> = {};
  let saved = false;
  let claimed = false;
  const save = (): void => {
    if (!saved && saveTyped(d.drafts, caseId, fields)) recordAccess(req, { action: 'case.update', target: caseId });
    saved = true;
  };
  try {
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = part.value;
        continue;
      }
      save();
      // An empty file input still sends a part, with no name; a repeated submit's files are dropped.
      if (!claimed && part.filename) {
        claimed = true;
        up.repeated = !d.submissions.once('case.upload', formKey(fields), () => caseId).created;
      }
      if (!part.filename || up.repeated || (part.fieldname !== 'photos' && part.fieldname !== 'ecg')) {
        await part.toBuffer();
        continue;
      }
      const problem = part.fieldname === 'photos' ? await photoFromPart(req, d, caseId, part) : await ecgFileFromPart(req, dir, part, up.ecgNames);
      if (problem) up.problems.push(problem);
      else if (part.fieldname === 'photos') up.photos++;
    }
  } catch (err) {
    if (!(err instanceof req.server.multipartErrors.FilesLimitError)) throw err;
    up.problems.push(req.t('cases.upload.tooMany', { max: MAX_FILES }));
  }
  save();
  return up;
}

function problemsPage(req: FastifyRequest, reply: FastifyReply, d: CasePagesDeps, id: string, problems: string[], okKey: string): FastifyReply | Promise<FastifyReply> {
  if (problems.length === 0) return reply.redirect(`/casos/${id}?ok=${okKey}`, 303);
  return renderCase(req, reply, d, id, { status: 400, flash: { kind: 'error', text: problems.join(' ') } });
}

/** Saves one uploaded ECG file in `dir`; returns a problem, or adds its name to `names`. */
async function ecgFileFromPart(req: FastifyRequest, dir: string, part: MultipartFile, names: string[]): Promise<string | undefined> {
  const name = cleanName(part.filename);
  await pipeline(part.file, createWriteStream(join(dir, name)));
  if (part.file.truncated) return req.t('cases.upload.tooLarge', { name, mb: MAX_FILE_MB });
  names.push(name);
  return undefined;
}

/** The file readEcgFile should open: the WFDB header if there is one, else the single file sent. */
function ecgEntry(names: string[]): string | undefined {
  return names.find((n) => extname(n).toLowerCase() === '.hea') ?? (names.length === 1 ? names[0] : undefined);
}

/** Reads the ECG files saved in `dir` as one recording and attaches it. */
async function importEcg(req: FastifyRequest, d: CasePagesDeps, caseId: string, dir: string, names: string[]): Promise<string[]> {
  const entry = ecgEntry(names);
  if (!entry) return [req.t('cases.ecg.which', { names: names.join(', ') || '—' })];
  let bytes: Buffer;
  let source: string;
  try {
    const rec = await readEcgFile(join(dir, entry));
    bytes = Buffer.from(encodeEcg(rec));
    source = rec.source ?? entry;
  } catch (err) {
    if (!isChasquiError(err)) throw err;
    req.log.info({ code: err.code, file: entry }, 'ECG file refused');
    return [req.t('cases.ecg.unreadable', { name: entry })];
  }
  const rec = d.recordings.add(bytes, { source, quality: null, now: new Date(d.clock.now()) });
  d.drafts.addEcg(caseId, rec.id);
  recordAccess(req, { action: 'ecg.attach', target: caseId, detail: { recording: rec.id, imported: entry } });
  return [];
}

/** Photo and ECG buttons alike: save the fields, keep every file chosen, say what was added. */
async function uploadToDraft(req: FastifyRequest, reply: FastifyReply, d: CasePagesDeps, caseId: string): Promise<FastifyReply> {
  const dir = await mkdtemp(join(tmpdir(), 'chasqui-ecg-'));
  try {
    const up = await readDraftForm(req, d, caseId, dir);
    const problems = up.problems.length === 0 && up.ecgNames.length > 0 ? await importEcg(req, d, caseId, dir, up.ecgNames) : up.problems;
    const ecg = up.ecgNames.length > 0;
    const okKey = up.repeated ? 'saved' : ecg && up.photos > 0 ? 'attached' : ecg ? 'ecg' : up.photos > 0 ? 'photos' : 'saved';
    return problemsPage(req, reply, d, caseId, problems, okKey);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function attachRecent(req: FastifyRequest, d: CasePagesDeps, caseId: string): string[] {
  saveTyped(d.drafts, caseId, formBody(req.body));
  const rid = formBody(req.body).recordingId;
  if (typeof rid !== 'string' || !d.recordings.get(rid)) return [req.t('cases.ecg.notFound')];
  d.drafts.addEcg(caseId, rid);
  recordAccess(req, { action: 'ecg.attach', target: caseId, detail: { recording: rid } });
  return [];
}

function servePhoto(reply: FastifyReply, bytes: Buffer | undefined, req: FastifyRequest<{ Params: { id: string } }>, action: string): FastifyReply {
  if (!bytes) return notFound(req, reply);
  recordAccess(req, { action, target: req.params.id });
  // Patient images are not kept by the browser: a shared laptop must not show them to the next person, and each look is one entry.
  return reply.type('image/jpeg').header('cache-control', 'private, no-store').send(bytes);
}

export async function caseUploads(app: FastifyInstance, d: CasePagesDeps): Promise<void> {
  await app.register(fastifyMultipart, { limits: { fileSize: MAX_FILE_MB * 1024 * 1024, files: MAX_FILES }, throwFileSizeLimit: false });
  const editable = (req: FastifyRequest<IdParams>, reply: FastifyReply): FastifyReply | undefined => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return notFound(req, reply);
    return draft.state === 'draft' ? undefined : reply.redirect(`/casos/${draft.id}`, 303);
  };

  app.post<IdParams>('/casos/:id/fotos', async (req, reply) => {
    const stop = editable(req, reply) ?? (req.isMultipart() ? undefined : reply.redirect(`/casos/${req.params.id}`, 303));
    if (stop) return stop;
    return uploadToDraft(req, reply, d, req.params.id);
  });

  app.post<{ Params: { id: string; photoId: string } }>('/casos/:id/fotos/:photoId/quitar', async (req, reply) => {
    const stop = editable(req, reply);
    if (stop) return stop;
    saveTyped(d.drafts, req.params.id, formBody(req.body));
    d.drafts.removePhoto(req.params.id, req.params.photoId);
    recordAccess(req, { action: 'photo.remove', target: req.params.id, detail: { photo: req.params.photoId } });
    return reply.redirect(`/casos/${req.params.id}?ok=photoRemoved`, 303);
  });

  app.post<IdParams>('/casos/:id/ecg', async (req, reply) => {
    const stop = editable(req, reply);
    if (stop) return stop;
    if (req.isMultipart()) return uploadToDraft(req, reply, d, req.params.id);
    return problemsPage(req, reply, d, req.params.id, attachRecent(req, d, req.params.id), 'ecg');
  });

  app.post<{ Params: { id: string; recId: string } }>('/casos/:id/ecg/:recId/quitar', async (req, reply) => {
    const stop = editable(req, reply);
    if (stop) return stop;
    saveTyped(d.drafts, req.params.id, formBody(req.body));
    d.drafts.removeEcg(req.params.id, req.params.recId);
    return reply.redirect(`/casos/${req.params.id}?ok=ecgRemoved`, 303);
  });

  app.get<{ Params: { id: string } }>('/fotos/:id', async (req, reply) => servePhoto(reply, d.photos.jpeg(req.params.id), req, 'photo.view'));
  app.get<{ Params: { id: string } }>('/fotos/:id/miniatura', async (req, reply) => servePhoto(reply, d.photos.thumbnail(req.params.id), req, 'photo.thumbnail'));
}
