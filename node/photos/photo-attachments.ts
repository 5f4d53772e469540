/**
 * The gate every attachment passes at the post before it is bundled, whatever
 * brought it (the JSON API, `chasqui post submit`, the demo): an image goes
 * through the photo pipeline (oriented, metadata stripped, resized), so GPS
 * and camera metadata never leave the post. Anything that is not an image
 * (ECG records, PDFs) passes unchanged.
 *
 * An image is recognised by its declared media type OR by its bytes: a client
 * that calls a camera JPEG application/octet-stream must not slip its EXIF
 * past the gate. An image the pipeline refuses is refused here too (typed
 * CHASQUI_ERR_BAD_REQUEST naming the file): sending it as it came would send
 * its metadata.
 */
import { extname } from 'node:path';
import type { AttachmentInput } from '../../protocol/bundle.js';
import { looksLikeImage, preparePhoto } from './photo-pipeline.js';

export function isImageAttachment(a: AttachmentInput): boolean {
  return a.mediaType.toLowerCase().startsWith('image/') || looksLikeImage(a.bytes);
}

/** photo.png → photo.jpg: the bytes are a JPEG now, and the hub names its downloads by it. */
export function jpegName(name: string): string {
  const ext = extname(name).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return name;
  return `${ext ? name.slice(0, -ext.length) : name}.jpg`;
}

/** The attachments in the same order, every image replaced by its prepared JPEG. */
export async function prepareAttachments(attachments: AttachmentInput[]): Promise<AttachmentInput[]> {
  const out: AttachmentInput[] = [];
  // One at a time: each photo decodes to tens of MB, and a Raspberry Pi has little to spare.
  for (const a of attachments) {
    if (!isImageAttachment(a)) {
      out.push(a);
      continue;
    }
    const prepared = await preparePhoto(a.bytes, { name: a.name });
    out.push({ name: jpegName(a.name), mediaType: 'image/jpeg', bytes: prepared.jpeg });
  }
  return out;
}
