/**
 * Case contents from the real recordings and photographs in ../shared/data:
 * a cycle of ECG records and, every fifth case, a photo.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { join } from 'node:path';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { prepareAttachments } from '../../node/photos/photo-attachments.js';
import { encodeEcg } from '../../protocol/ecg-codec.js';
import { SHARED_DATA, sharedFile } from './paths.js';

const ECGS = [
  ['ecg/mitdb/100s.hea', 'ecg/mitdb/100s.dat'],
  ['ecg/ludb/1.hea', 'ecg/ludb/1.dat'],
  ['ecg/svdb/800.hea', 'ecg/svdb/800.dat'],
  ['ecg/ptbdb/s0010_re.hea', 'ecg/ptbdb/s0010_re.xyz'],
];
const PHOTOS = ['photos/canon_hdr_NO.jpg', 'photos/Sumo_Museum.jpg', 'photos/iphone_hdr_YES.jpg', 'photos/T-45A_Goshawk_03.jpg', 'photos/HMD_Nokia_8.3_5G.jpg'];

export type SampleFile = { name: string; mediaType: string; bytes: Buffer; sha256: string };

const cache = new Map<string, SampleFile>();
function file(rel: string): SampleFile {
  let f = cache.get(rel);
  if (!f) {
    const bytes = sharedFile(rel);
    const mediaType = rel.endsWith('.jpg') ? 'image/jpeg' : rel.endsWith('.hea') ? 'text/plain' : 'application/x-wfdb-signal';
    f = { name: basename(rel), mediaType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    cache.set(rel, f);
  }
  return f;
}

export function sampleCase(i: number, opts: { photos?: boolean } = {}): { caseId: string; priority: 'urgent' | 'routine'; body: Record<string, unknown>; files: SampleFile[] } {
  const files = ECGS[i % ECGS.length]!.map(file);
  if (opts.photos !== false && i % 5 === 0) files.push(file(PHOTOS[(i / 5) % PHOTOS.length]!));
  return {
    caseId: `case-${String(i).padStart(3, '0')}`,
    priority: i % 7 === 3 ? 'urgent' : 'routine',
    body: { reason: `Consulta ${i}`, vitals: { pulse: 60 + (i % 40), spo2: 90 + (i % 9) } },
    files,
  };
}

export function submitBody(c: ReturnType<typeof sampleCase>): string {
  return JSON.stringify({
    caseId: c.caseId, priority: c.priority, body: c.body,
    attachments: c.files.map((f) => ({ name: f.name, mediaType: f.mediaType, dataBase64: f.bytes.toString('base64') })),
  });
}

/** The files as the post bundles them: its photo pipeline replaces each image by a clean JPEG (deterministically). */
export async function asSent(files: SampleFile[]): Promise<SampleFile[]> {
  const sent = await prepareAttachments(files);
  return sent.map((a) => ({ ...a, sha256: createHash('sha256').update(a.bytes).digest('hex') }));
}

/** A skin lesion case with one photo, for the dermatologist's tests: what post.cases.submit takes. */
export function skinCase(caseId: string, photo: Buffer) {
  return {
    caseId, priority: 'routine' as const,
    body: {
      reason: 'Mancha que crece en el antebrazo', history: 'Agricultora, 45 años.', specialty: 'dermatology',
      patient: { names: 'Elena', surnames: 'Ríos Tuanama', document: { kind: 'DNI', number: '45678912' }, ageYears: 45, sex: 'F', community: 'Iparia' },
      vitals: {},
    },
    attachments: [{ name: 'foto-1.jpg', mediaType: 'image/jpeg', bytes: photo }],
  };
}

/** LUDB record 1 (12 leads, 500 Hz) in our ECG format, as a post attaches it after a capture. */
export async function ludbEcg(): Promise<Buffer> {
  const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const leads = header.signals.map((s, i) => ({ name: s.description.replace(/^avr$/i, 'aVR').replace(/^avl$/i, 'aVL').replace(/^avf$/i, 'aVF').replace(/^(i+|v\d)$/i, (m) => m.toUpperCase()), unitsPerMv: 1000, baseline: 0, samples: Int32Array.from(signals[i]!) }));
  return Buffer.from(encodeEcg({ samplingFrequency: header.samplingFrequency, leads, source: 'LUDB 1' }));
}
