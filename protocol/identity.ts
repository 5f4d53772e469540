/**
 * The long-term keys of a post or a hub: Ed25519 to sign, X25519 to be sealed
 * to. A party's public half travels as one line of text,
 * `chasqui-id-1.<name>.<sign key>.<seal key>` (base64url), short enough to
 * copy from a provisioning laptop and to compare by its fingerprint over the
 * phone. Pure: reading and writing the key file is lib/identity-file.ts.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { ChasquiError } from '../lib/errors.js';

type Curve = 'ed25519' | 'x25519';

// RFC 8410 DER prefixes: node:crypto imports raw 32-byte keys only wrapped in PKCS#8 / SPKI.
const PKCS8_PREFIX: Record<Curve, string> = { ed25519: '302e020100300506032b657004220420', x25519: '302e020100300506032b656e04220420' };
const SPKI_PREFIX: Record<Curve, string> = { ed25519: '302a300506032b6570032100', x25519: '302a300506032b656e032100' };
const PREFIX = 'chasqui-id-1';
/** For config schemas: the shape of a formatted public identity. */
export const PUBLIC_IDENTITY_PATTERN = '^chasqui-id-1\\.[a-z0-9][a-z0-9-]{0,62}\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}$';

export type PublicIdentity = { name: string; sign: KeyObject; seal: KeyObject; signRaw: Buffer; sealRaw: Buffer };
export type Identity = PublicIdentity & { signPrivate: KeyObject; sealPrivate: KeyObject; signSeed: Buffer; sealSeed: Buffer };

export function keyPairFromSeed(curve: Curve, seed: Buffer): { privateKey: KeyObject; publicKey: KeyObject; publicRaw: Buffer } {
  if (seed.length !== 32) throw new ChasquiError('CHASQUI_ERR_CONFIG', `a ${curve} private key is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from(PKCS8_PREFIX[curve], 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicRaw: rawPublic(publicKey) };
}

export function publicKeyFromRaw(curve: Curve, raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new ChasquiError('CHASQUI_ERR_SEAL', `a ${curve} public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([Buffer.from(SPKI_PREFIX[curve], 'hex'), raw]), format: 'der', type: 'spki' });
}

function rawPublic(k: KeyObject): Buffer {
  return k.export({ format: 'der', type: 'spki' }).subarray(-32);
}

export function identityFromSeeds(name: string, signSeed: Buffer, sealSeed: Buffer): Identity {
  const s = keyPairFromSeed('ed25519', signSeed);
  const x = keyPairFromSeed('x25519', sealSeed);
  return { name, sign: s.publicKey, seal: x.publicKey, signRaw: s.publicRaw, sealRaw: x.publicRaw, signPrivate: s.privateKey, sealPrivate: x.privateKey, signSeed, sealSeed };
}

export function generateIdentity(name: string): Identity {
  return identityFromSeeds(checkName(name), randomBytes(32), randomBytes(32));
}

export function formatPublicIdentity(id: PublicIdentity): string {
  return [PREFIX, id.name, id.signRaw.toString('base64url'), id.sealRaw.toString('base64url')].join('.');
}

export function parsePublicIdentity(text: string): PublicIdentity {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) {
    throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `a public identity looks like ${PREFIX}.NAME.SIGNKEY.SEALKEY`);
  }
  const [, name, signB64, sealB64] = parts as [string, string, string, string];
  try {
    const signRaw = Buffer.from(signB64, 'base64url');
    const sealRaw = Buffer.from(sealB64, 'base64url');
    return { name: checkName(name), sign: publicKeyFromRaw('ed25519', signRaw), seal: publicKeyFromRaw('x25519', sealRaw), signRaw, sealRaw };
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `public identity of ${name} does not hold two 32-byte keys`, undefined, { cause: err });
  }
}

/** What `chasqui hub identity` and `chasqui post identity` print: the line to copy, then what to read aloud. */
export function identityText(id: PublicIdentity): string {
  return `${formatPublicIdentity(id)}\nfingerprint ${fingerprint(id)}\n`;
}

/** Sixteen hex digits in groups of four: what two people read to each other to check a key. */
export function fingerprint(id: PublicIdentity): string {
  const hex = createHash('sha256').update(id.signRaw).update(id.sealRaw).digest('hex').slice(0, 16);
  return hex.match(/.{4}/g)!.join(' ');
}

function checkName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `identity name "${name}" must be lowercase letters, digits and dashes`);
  return name;
}
