/** Which attachment bytes the hub shows inline: the declared type must be a raster image and the bytes must agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { attachmentHeaders, inlineImage } from '../../../hub/app/photo-media.js';
import { SHARED_DATA } from '../../support/paths.js';

const JPEG = readFileSync(join(SHARED_DATA, 'photos/canon_hdr_NO.jpg'));
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

t.test('a real camera JPEG declared as one is shown inline', async (t) => {
  t.same(inlineImage('image/jpeg', JPEG), { mediaType: 'image/jpeg', ext: 'jpg' });
  t.same(inlineImage('IMAGE/JPEG; charset=binary', JPEG), { mediaType: 'image/jpeg', ext: 'jpg' }, 'parameters and case do not matter');
  t.same(inlineImage('image/png', PNG), { mediaType: 'image/png', ext: 'png' });
  const h = attachmentHeaders('image/jpeg', JPEG, 'c-1-2');
  t.equal(h['content-type'], 'image/jpeg');
  t.equal(h['content-disposition'], 'inline; filename="c-1-2.jpg"');
  t.equal(h['x-content-type-options'], 'nosniff');
  t.match(h['content-security-policy'], /sandbox/);
});

t.test('active content or a mismatch is never inline', async (t) => {
  t.equal(inlineImage('image/svg+xml', SVG), null, 'SVG can carry script');
  t.equal(inlineImage('image/jpeg', SVG), null, 'markup dressed as a JPEG');
  t.equal(inlineImage('image/png', JPEG), null, 'declared PNG, bytes JPEG');
  t.equal(inlineImage('', JPEG), null, 'no declared type');
  const h = attachmentHeaders('image/svg+xml', SVG, 'x"; evil');
  t.equal(h['content-type'], 'application/octet-stream');
  t.equal(h['content-disposition'], 'attachment; filename="x___evil.bin"', 'the name cannot break out of its quotes');
  t.equal(h['x-content-type-options'], 'nosniff');
});
