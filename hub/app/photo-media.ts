/**
 * Which image a browser may be handed to show inline. The media type in the
 * bundle's manifest is what the post declared; the bytes must agree with it
 * (their magic number), and only raster formats that cannot carry script are
 * shown inline. Anything else (SVG, HTML dressed as a photo, a mismatch) goes
 * out as an opaque download, so a forged attachment never runs in the hub's
 * origin next to patient data.
 */
export type InlineImage = { mediaType: string; ext: string };

const SIGNATURES: ReadonlyArray<InlineImage & { test: (b: Buffer) => boolean }> = [
  // JPEG: SOI marker then the first segment's FF (ISO/IEC 10918-1, B.1.1.3).
  { mediaType: 'image/jpeg', ext: 'jpg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  // PNG: the 8-byte signature (RFC 2083, 3.1).
  { mediaType: 'image/png', ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  // WebP: a RIFF container of form type WEBP (RFC 9649, 2.5).
  { mediaType: 'image/webp', ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The type to serve the bytes inline as, or null when they must not be shown inline. */
export function inlineImage(declared: string, bytes: Buffer): InlineImage | null {
  const type = declared.split(';')[0]!.trim().toLowerCase();
  const sniffed = SIGNATURES.find((s) => s.test(bytes));
  return sniffed && sniffed.mediaType === type ? { mediaType: sniffed.mediaType, ext: sniffed.ext } : null;
}

/** The headers of an attachment served to a browser: inline for a checked image, a download otherwise; never sniffed. */
export function attachmentHeaders(declared: string, bytes: Buffer, baseName: string): Record<string, string> {
  const img = inlineImage(declared, bytes);
  const safe = baseName.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    'content-type': img ? img.mediaType : 'application/octet-stream',
    'content-disposition': img ? `inline; filename="${safe}.${img.ext}"` : `attachment; filename="${safe}.bin"`,
    'x-content-type-options': 'nosniff',
    // Even opened on its own, the file is inert: no script, no plugin, no frame.
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
  };
}
