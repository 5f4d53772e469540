/**
 * End-to-end trust for a bundle, whatever carries it (README.md#trust): the
 * origin signs it with its Ed25519 key and seals it to its destination's
 * X25519 key, so a broker, a relay or a USB stick carries bytes it can
 * neither read nor alter undetected. The shape follows BPSec (RFC 9172/9173):
 * one integrity block and one confidentiality block per bundle, end to end.
 *
 *   "CHQS" | version u8 (1) | sender len u8 | sender | recipient len u8 | recipient
 *   | ephemeral X25519 public key (32) | AES-256-GCM ciphertext | tag (16) | Ed25519 signature (64)
 *
 * The signature covers everything before it; the header is the AEAD's
 * associated data, so a sealed bundle cannot be re-addressed or re-signed by
 * someone else without failing. Sealing is deterministic (the ephemeral key
 * is derived from the sender's key and the bundle's hash): the same bundle
 * sealed twice is the same bytes, so content addressing, resume and
 * de-duplication work on the sealed bytes as they did on the plain ones.
 */
import { createCipheriv, createDecipheriv, createHash, diffieHellman, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import { ChasquiError } from '../lib/errors.js';
import { keyPairFromSeed, publicKeyFromRaw, type Identity, type PublicIdentity } from './identity.js';
import { statusSignedBytes, type StatusMessage } from './messages.js';

const MAGIC = Buffer.from('CHQS', 'ascii');
const VERSION = 1;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const SIG_BYTES = 64;
const MAX_NAME = 64;

/** Bytes sealing adds to a bundle, for names of this length. */
export function sealOverhead(sender: string, recipient: string): number {
  return MAGIC.length + 1 + 2 + Buffer.byteLength(sender) + Buffer.byteLength(recipient) + KEY_BYTES + TAG_BYTES + SIG_BYTES;
}

export type SealParties = { sender: Identity; recipient: PublicIdentity };
export type OpenParties = { recipient: Identity; sender: PublicIdentity };

export function seal(plain: Buffer, p: SealParties): Buffer {
  const eph = ephemeralFor(plain, p);
  const header = encodeHeader(p.sender.name, p.recipient.name, eph.publicRaw);
  const { key, iv } = sessionKey(diffieHellman({ privateKey: eph.privateKey, publicKey: p.recipient.seal }), header);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const body = Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([body, sign(null, body, p.sender.signPrivate)]);
}

/**
 * Verifies the sender's signature, then opens the seal. The caller names who
 * it expects on both ends; a bundle addressed to anyone else, signed by
 * anyone else or altered by one bit throws, and nothing of it is returned.
 */
export function open(sealed: Buffer, p: OpenParties): Buffer {
  const h = decodeHeader(sealed);
  if (h.sender !== p.sender.name || h.recipient !== p.recipient.name) {
    throw new ChasquiError('CHASQUI_ERR_SEAL', `sealed by "${h.sender}" for "${h.recipient}", expected "${p.sender.name}" for "${p.recipient.name}"`);
  }
  if (sealed.length < h.end + TAG_BYTES + SIG_BYTES) throw new ChasquiError('CHASQUI_ERR_SEAL', 'sealed bundle is truncated');
  const body = sealed.subarray(0, sealed.length - SIG_BYTES);
  if (!verify(null, body, p.sender.sign, sealed.subarray(body.length))) {
    throw new ChasquiError('CHASQUI_ERR_SIGNATURE', `bundle is not signed by ${p.sender.name}'s key`);
  }
  const header = sealed.subarray(0, h.end);
  const { key, iv } = sessionKey(diffieHellman({ privateKey: p.recipient.sealPrivate, publicKey: publicKeyFromRaw('x25519', h.ephemeral) }), header);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(header);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(h.end, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // Only reachable if the signer itself sealed garbage: the signature already covered these bytes.
    throw new ChasquiError('CHASQUI_ERR_SEAL', 'sealed content does not open with this post\'s key');
  }
}

/**
 * The ephemeral key is a function of the sender's sealing secret, the
 * recipient and the bundle: never reused for different content, and the same
 * for the same content, which is what keeps sealed bundles content-addressed.
 */
function ephemeralFor(plain: Buffer, p: SealParties): { privateKey: KeyObject; publicRaw: Buffer } {
  const info = Buffer.concat([Buffer.from('chasqui/v1/ephemeral\0'), p.recipient.sealRaw]);
  const seed = Buffer.from(hkdfSync('sha256', p.sender.sealSeed, createHash('sha256').update(plain).digest(), info, KEY_BYTES));
  return keyPairFromSeed('x25519', seed);
}

function sessionKey(shared: Buffer, header: Buffer): { key: Buffer; iv: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', shared, header, 'chasqui/v1/seal', KEY_BYTES + 12));
  return { key: okm.subarray(0, KEY_BYTES), iv: okm.subarray(KEY_BYTES) };
}

function encodeHeader(sender: string, recipient: string, ephemeral: Buffer): Buffer {
  const s = name(sender);
  const r = name(recipient);
  return Buffer.concat([MAGIC, Buffer.from([VERSION, s.length]), s, Buffer.from([r.length]), r, ephemeral]);
}

function name(n: string): Buffer {
  const b = Buffer.from(n, 'utf8');
  if (b.length === 0 || b.length > MAX_NAME) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `party name "${n}" must be 1-${MAX_NAME} bytes`);
  return b;
}

function decodeHeader(sealed: Buffer): { sender: string; recipient: string; ephemeral: Buffer; end: number } {
  const bad = (why: string) => new ChasquiError('CHASQUI_ERR_SEAL', why);
  if (sealed.length < MAGIC.length + 2 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw bad('not a sealed Chasqui bundle');
  if (sealed[MAGIC.length] !== VERSION) throw bad(`unsupported seal version ${sealed[MAGIC.length]}`);
  let o = MAGIC.length + 1;
  const read = (n: number) => {
    if (o + n > sealed.length) throw bad('sealed header is truncated');
    const b = sealed.subarray(o, o + n);
    o += n;
    return b;
  };
  const sender = read(read(1)[0]!).toString('utf8');
  const recipient = read(read(1)[0]!).toString('utf8');
  const ephemeral = Buffer.from(read(KEY_BYTES));
  return { sender, recipient, ephemeral, end: o };
}

const STATUS_DOMAIN = Buffer.from('chasqui/v1/status\0');

/**
 * "Complete" and "rejected" end a transfer: the sender stops sending and
 * tells the nurse. Forged by whoever carries the link, either would lose a
 * case, so the receiver signs them and the sender believes only a signed one.
 */
export function signStatus(m: StatusMessage, signer: Identity): StatusMessage {
  if (m.state !== 'complete' && m.state !== 'rejected') return m;
  return { ...m, signature: sign(null, Buffer.concat([STATUS_DOMAIN, statusSignedBytes(m)]), signer.signPrivate) };
}

export function statusSignedBy(m: StatusMessage, signer: PublicIdentity): boolean {
  if (m.state !== 'complete' && m.state !== 'rejected') return true;
  return !!m.signature && verify(null, Buffer.concat([STATUS_DOMAIN, statusSignedBytes(m)]), signer.sign, m.signature);
}
