import t from 'tap';
import { buildBundle, parseBundle } from '../../protocol/bundle.js';
import { fingerprint, formatPublicIdentity, generateIdentity, parsePublicIdentity } from '../../protocol/identity.js';
import { decode, encode, type StatusMessage } from '../../protocol/messages.js';
import { open, seal, sealOverhead, signStatus, statusSignedBy } from '../../protocol/sealing.js';
import { sharedFile } from '../support/paths.js';

const post = generateIdentity('yarinacocha-1');
const other = generateIdentity('masisea-2');
const hub = generateIdentity('hub');

const plain = buildBundle(
  {
    kind: 'case', id: 'case-1', origin: 'yarinacocha-1', createdAt: new Date().toISOString(), priority: 'urgent',
    body: { patient: { name: 'Rosa Huamán Tello', dni: '40123456', community: 'San Francisco' }, reason: 'dolor torácico' },
    attachments: [{ name: 'foto.jpg', mediaType: 'image/jpeg', bytes: sharedFile('photos/canon_hdr_NO.jpg') }],
  },
  { maxBytes: 64 << 20 },
).bytes;

t.test('a sealed bundle opens to the very bytes, only for its recipient and from its sender', async (t) => {
  const sealed = seal(plain, { sender: post, recipient: hub });
  t.ok(open(sealed, { recipient: hub, sender: post }).equals(plain), 'opens byte-identical');
  t.equal(sealed.length, plain.length + sealOverhead('yarinacocha-1', 'hub'), 'overhead is the header, tag and signature');
  t.ok(sealed.includes('yarinacocha-1') && sealed.subarray(0, 24).includes('hub'), 'who sent it and for whom are in the clear header');
  for (const needle of ['Rosa', '40123456', 'San Francisco', 'dolor']) t.equal(sealed.indexOf(needle), -1, `"${needle}" is not readable in the sealed bytes`);
  t.throws(() => open(sealed, { recipient: other, sender: post }), { code: 'CHASQUI_ERR_SEAL' }, 'another recipient cannot open it');
  t.throws(() => open(sealed, { recipient: hub, sender: other }), { code: 'CHASQUI_ERR_SEAL' }, 'it does not pass as another sender\'s');
});

t.test('sealing is deterministic, so the content address of the sealed bundle is stable', async (t) => {
  t.ok(seal(plain, { sender: post, recipient: hub }).equals(seal(plain, { sender: post, recipient: hub })), 'same bytes twice');
  const changed = Buffer.from(plain);
  changed[changed.length - 1]! ^= 1;
  t.not(seal(changed, { sender: post, recipient: hub }).subarray(20, 60).toString('hex'), seal(plain, { sender: post, recipient: hub }).subarray(20, 60).toString('hex'), 'other content, other ephemeral key');
  t.notOk(seal(plain, { sender: other, recipient: hub }).equals(seal(plain, { sender: post, recipient: hub })), 'other sender, other bytes');
});

t.test('any altered byte, a re-signature with the wrong key or a re-addressed header is refused', async (t) => {
  const sealed = seal(plain, { sender: post, recipient: hub });
  for (const at of [0, 6, 30, 60, Math.floor(sealed.length / 2), sealed.length - 70, sealed.length - 1]) {
    const flipped = Buffer.from(sealed);
    flipped[at]! ^= 0x20;
    t.throws(() => open(flipped, { recipient: hub, sender: post }), { code: /CHASQUI_ERR_(SEAL|SIGNATURE)/ }, `a flip at byte ${at}`);
  }
  // Someone who strips the signature and signs with a key of their own gets nowhere: the receiver checks the registered key.
  const forged = seal(plain, { sender: { ...other, name: 'yarinacocha-1' }, recipient: hub });
  t.throws(() => open(forged, { recipient: hub, sender: post }), { code: 'CHASQUI_ERR_SIGNATURE' });
  t.throws(() => open(sealed.subarray(0, 40), { recipient: hub, sender: post }), { code: 'CHASQUI_ERR_SEAL' }, 'truncated');
  t.throws(() => open(Buffer.from('CHQB not sealed'), { recipient: hub, sender: post }), { code: 'CHASQUI_ERR_SEAL' });
  t.ok(parseBundle(open(sealed, { recipient: hub, sender: post }), { maxRawBytes: 64 << 20 }), 'the original still opens');
});

t.test('the statuses that end a transfer are signed by the receiver', async (t) => {
  const complete: StatusMessage = { type: 'status', transferId: Buffer.alloc(32, 3), state: 'complete', receipt: 'hub-case-7' };
  const signed = signStatus(complete, hub);
  const wire = decode(encode(signed)) as StatusMessage;
  t.ok(statusSignedBy(wire, hub), 'survives the wire and verifies');
  t.notOk(statusSignedBy(complete, hub), 'unsigned "complete" is not believed');
  t.notOk(statusSignedBy(wire, post), 'nor one signed by someone else');
  t.notOk(statusSignedBy({ ...wire, receipt: 'hub-case-8' } as StatusMessage, hub), 'nor an altered receipt');
  t.notOk(statusSignedBy({ ...wire, transferId: Buffer.alloc(32, 4) }, hub), 'nor one moved to another transfer');
  const partial: StatusMessage = { type: 'status', transferId: Buffer.alloc(32, 3), state: 'partial', chunkCount: 3, have: new Uint8Array([5]) };
  t.ok(statusSignedBy(partial, hub), 'progress needs no signature: a forged one can only make the sender resend');
  t.throws(() => decode(Buffer.concat([encode(complete), Buffer.alloc(10)])), { code: 'CHASQUI_ERR_MALFORMED_MESSAGE' });
});

t.test('a public identity travels as one line and comes back the same', async (t) => {
  const line = formatPublicIdentity(post);
  t.match(line, /^chasqui-id-1\.yarinacocha-1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
  const back = parsePublicIdentity(line);
  t.equal(fingerprint(back), fingerprint(post));
  t.match(fingerprint(post), /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
  t.ok(open(seal(plain, { sender: hub, recipient: back }), { recipient: post, sender: parsePublicIdentity(formatPublicIdentity(hub)) }).equals(plain));
  t.throws(() => parsePublicIdentity('chasqui-id-1.x.AAAA.BBBB'), { code: 'CHASQUI_ERR_BAD_REQUEST' });
  t.throws(() => parsePublicIdentity('ssh-ed25519 AAAA'), { code: 'CHASQUI_ERR_BAD_REQUEST' });
});
