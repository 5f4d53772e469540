import t from 'tap';
import { buildBundle, parseBundle, sha256Hex, type BundleInput } from '../../protocol/bundle.js';
import { sharedFile } from '../support/paths.js';

function input(over: Partial<BundleInput> = {}): BundleInput {
  return {
    kind: 'case', id: 'case-1', origin: 'post-a', createdAt: '2026-11-23T10:00:00.000Z', priority: 'urgent',
    body: { reason: 'dolor torácico', vitals: { pulse: 92 } },
    attachments: [
      { name: '100s.hea', mediaType: 'text/plain', bytes: sharedFile('ecg/mitdb/100s.hea') },
      { name: '100s.dat', mediaType: 'application/x-wfdb-signal', bytes: sharedFile('ecg/mitdb/100s.dat') },
      { name: 'foto.jpg', mediaType: 'image/jpeg', bytes: sharedFile('photos/canon_hdr_NO.jpg') },
    ],
    ...over,
  };
}

const LIMIT = { maxBytes: 64 * 1024 * 1024 };

t.test('a real case round-trips byte for byte and is content-addressed', async (t) => {
  const b = buildBundle(input(), LIMIT);
  t.equal(b.id, sha256Hex(b.bytes));
  const parsed = parseBundle(b.bytes, { expectedId: b.id, maxRawBytes: LIMIT.maxBytes });
  t.same(parsed.manifest.body, input().body);
  input().attachments.forEach((a, i) => t.ok(parsed.attachments[i]!.bytes.equals(a.bytes), a.name));
  t.equal(parsed.manifest.attachments[2]!.encoding, 'identity', 'JPEG is not recompressed');
  t.equal(parsed.manifest.attachments[1]!.encoding, 'br', 'ECG samples are compressed');
});

t.test('the same case always makes the same bundle', async (t) => {
  const a = buildBundle(input(), LIMIT);
  const b = buildBundle(input({ body: { vitals: { pulse: 92 }, reason: 'dolor torácico' } }), LIMIT);
  t.equal(a.id, b.id, 'key order does not change the address');
});

t.test('tampering is caught', async (t) => {
  const b = buildBundle(input(), LIMIT);
  const flipped = Buffer.from(b.bytes);
  flipped[flipped.length - 10]! ^= 0xff;
  t.throws(() => parseBundle(flipped, { expectedId: b.id, maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_HASH_MISMATCH' });
  t.throws(() => parseBundle(flipped, { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_ATTACHMENT_HASH' });
  t.throws(() => parseBundle(b.bytes.subarray(0, 100), { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_MALFORMED' });
  t.throws(() => parseBundle(Buffer.from('not a bundle at all'), { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_MALFORMED' });
  t.throws(() => parseBundle(Buffer.concat([b.bytes, Buffer.from([1])]), { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_MALFORMED' });
});

t.test('an oversize bundle is refused with its size and the limit', async (t) => {
  t.throws(() => buildBundle(input(), { maxBytes: 100_000 }), { code: 'CHASQUI_ERR_BUNDLE_TOO_LARGE' });
});

t.test('a manifest that could never be stored is refused, not retried forever', async (t) => {
  const twice = buildBundle(input({ attachments: [input().attachments[0]!, input().attachments[0]!] }), LIMIT);
  t.throws(() => parseBundle(twice.bytes, { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_MALFORMED', message: /share a name/ });
  const noPriority = buildBundle(input({ priority: 'soon' as 'urgent' }), LIMIT);
  t.throws(() => parseBundle(noPriority.bytes, { maxRawBytes: LIMIT.maxBytes }), { code: 'CHASQUI_ERR_BUNDLE_MALFORMED' });
});
