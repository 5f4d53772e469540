/**
 * The wire format of every Chasqui message (README.md#wire-format). Binary,
 * big-endian, fixed headers: on a 64 kbit/s link every byte of framing is
 * paid for by the nurse's waiting time.
 *
 *   0      1      2                 34
 *   +------+------+-----------------+------------------ ... 
 *   | 0xC1 | type | transfer id (32 bytes, SHA-256 of the bundle) | body
 *
 * A chunk's CRC-32 covers everything before it and its payload.
 *
 * A message that does not decode raises CHASQUI_ERR_MALFORMED_MESSAGE; the
 * caller logs it and drops it.
 */
import { crc32 } from 'node:zlib';
import { ChasquiError } from '../lib/errors.js';

export const MAGIC = 0xc1;
export const ID_BYTES = 32;
const HEAD = 2 + ID_BYTES;

export const MessageType = { chunk: 1, ack: 2, statusRequest: 3, status: 4 } as const;

/** One slice of a bundle. Each chunk repeats the transfer's shape so a receiver can start from any chunk. */
export type ChunkMessage = {
  type: 'chunk';
  transferId: Buffer;
  kind: number;
  priority: number;
  totalSize: number;
  chunkSize: number;
  index: number;
  payload: Buffer;
};
/** The receiver has persisted these chunks. */
export type AckMessage = { type: 'ack'; transferId: Buffer; indices: number[] };
/** "What do you hold of this transfer?" Sent after a reconnect or a timeout. */
export type StatusRequestMessage = { type: 'statusRequest'; transferId: Buffer };
export type TransferState =
  | { state: 'unknown' }
  | { state: 'partial'; chunkCount: number; have: Uint8Array }
  | { state: 'complete'; receipt: string; signature?: Buffer }
  | { state: 'rejected'; code: string; reason: string; signature?: Buffer };
export type StatusMessage = { type: 'status'; transferId: Buffer } & TransferState;
export type Message = ChunkMessage | AckMessage | StatusRequestMessage | StatusMessage;

const CHUNK_FIXED = HEAD + 1 + 1 + 4 + 4 + 4 + 4;
/** Framing bytes a chunk adds to its payload (the MQTT header comes on top). */
export const CHUNK_OVERHEAD = CHUNK_FIXED;
const STATE_CODES = ['unknown', 'partial', 'complete', 'rejected'] as const;

export function encode(msg: Message): Buffer {
  switch (msg.type) {
    case 'chunk':
      return encodeChunk(msg);
    case 'ack':
      return encodeAck(msg);
    case 'statusRequest':
      return head(MessageType.statusRequest, msg.transferId, 0);
    case 'status':
      return encodeStatus(msg);
  }
}

function head(type: number, id: Buffer, bodyLen: number): Buffer {
  if (id.length !== ID_BYTES) throw new TypeError('transfer id must be 32 bytes');
  const buf = Buffer.allocUnsafe(HEAD + bodyLen);
  buf[0] = MAGIC;
  buf[1] = type;
  id.copy(buf, 2);
  return buf;
}

function encodeChunk(m: ChunkMessage): Buffer {
  const buf = head(MessageType.chunk, m.transferId, CHUNK_FIXED - HEAD + m.payload.length);
  let o = HEAD;
  buf[o++] = m.kind;
  buf[o++] = m.priority;
  o = buf.writeUInt32BE(m.totalSize, o);
  o = buf.writeUInt32BE(m.chunkSize, o);
  o = buf.writeUInt32BE(m.index, o);
  o = buf.writeUInt32BE(chunkCrc(buf.subarray(0, o), m.payload), o);
  m.payload.copy(buf, o);
  return buf;
}

/** CRC-32 over the header before it and the payload: a damaged size or index must not pass as a shape. */
function chunkCrc(header: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(header));
}

function encodeAck(m: AckMessage): Buffer {
  const buf = head(MessageType.ack, m.transferId, 2 + 4 * m.indices.length);
  let o = buf.writeUInt16BE(m.indices.length, HEAD);
  for (const i of m.indices) o = buf.writeUInt32BE(i, o);
  return buf;
}

function encodeStatus(m: StatusMessage): Buffer {
  const body = statusBody(m);
  const buf = head(MessageType.status, m.transferId, 1 + body.length);
  buf[HEAD] = STATE_CODES.indexOf(m.state);
  body.copy(buf, HEAD + 1);
  return buf;
}

function statusBody(m: TransferState): Buffer {
  switch (m.state) {
    case 'unknown':
      return Buffer.alloc(0);
    case 'partial': {
      const b = Buffer.allocUnsafe(4 + m.have.length);
      b.writeUInt32BE(m.chunkCount, 0);
      b.set(m.have, 4);
      return b;
    }
    case 'complete':
      return Buffer.concat([lenString(m.receipt), m.signature ?? Buffer.alloc(0)]);
    case 'rejected':
      return Buffer.concat([lenString(m.code), lenString(m.reason), m.signature ?? Buffer.alloc(0)]);
  }
}

/** A terminal status ends a transfer for good, so the receiver signs it (protocol/sealing.ts): 64 bytes of Ed25519. */
export const STATUS_SIGNATURE_BYTES = 64;

/** The bytes a terminal status's signature covers: the whole message without its signature. */
export function statusSignedBytes(m: StatusMessage): Buffer {
  const { signature: _unsigned, ...rest } = m as StatusMessage & { signature?: Buffer };
  return encode(rest as StatusMessage);
}

function lenString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8').subarray(0, 0xffff);
  const b = Buffer.allocUnsafe(2 + bytes.length);
  b.writeUInt16BE(bytes.length, 0);
  bytes.copy(b, 2);
  return b;
}

function malformed(why: string): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_MALFORMED_MESSAGE', why);
}

export function decode(buf: Buffer): Message {
  if (buf.length < HEAD) throw malformed(`${buf.length} bytes is shorter than a header`);
  if (buf[0] !== MAGIC) throw malformed(`bad magic byte 0x${(buf[0] ?? 0).toString(16)}`);
  const transferId = Buffer.from(buf.subarray(2, HEAD));
  const r = new Reader(buf, HEAD);
  switch (buf[1]) {
    case MessageType.chunk:
      return decodeChunk(transferId, r);
    case MessageType.ack: {
      const n = r.u16();
      const indices = Array.from({ length: n }, () => r.u32());
      r.end();
      return { type: 'ack', transferId, indices };
    }
    case MessageType.statusRequest:
      r.end();
      return { type: 'statusRequest', transferId };
    case MessageType.status:
      return { type: 'status', transferId, ...decodeState(r) };
    default:
      throw malformed(`unknown message type ${buf[1]}`);
  }
}

function decodeChunk(transferId: Buffer, r: Reader): ChunkMessage {
  const header = r.peekFromStart(CHUNK_FIXED - 4);
  const kind = r.u8();
  const priority = r.u8();
  const totalSize = r.u32();
  const chunkSize = r.u32();
  const index = r.u32();
  const crc = r.u32();
  const payload = r.rest();
  if (chunkCrc(header, payload) !== crc) {
    throw new ChasquiError('CHASQUI_ERR_CHUNK_CORRUPT', `chunk ${index} fails its CRC-32`);
  }
  return { type: 'chunk', transferId, kind, priority, totalSize, chunkSize, index, payload };
}

function decodeState(r: Reader): TransferState {
  const state = STATE_CODES[r.u8()];
  let result: TransferState;
  switch (state) {
    case 'unknown':
      result = { state };
      break;
    case 'partial': {
      const chunkCount = r.u32();
      const have = new Uint8Array(r.take(Math.ceil(chunkCount / 8)));
      result = { state, chunkCount, have };
      break;
    }
    case 'complete':
      result = { state, receipt: r.str(), ...signatureOf(r) };
      break;
    case 'rejected':
      result = { state, code: r.str(), reason: r.str(), ...signatureOf(r) };
      break;
    default:
      throw malformed('unknown transfer state');
  }
  r.end();
  return result;
}

function signatureOf(r: Reader): { signature?: Buffer } {
  const rest = r.rest();
  if (rest.length === 0) return {};
  if (rest.length !== STATUS_SIGNATURE_BYTES) throw malformed(`${rest.length} bytes after a status`);
  return { signature: Buffer.from(rest) };
}

/** A bounds-checked cursor: every short read is a malformed message, never a RangeError. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    private o: number,
  ) {}
  private need(n: number): void {
    if (this.o + n > this.buf.length) throw malformed(`truncated at byte ${this.o}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.o++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.o);
    this.o += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.o);
    this.o += 4;
    return v;
  }
  peekFromStart(n: number): Buffer {
    if (n > this.buf.length) throw malformed('truncated header');
    return this.buf.subarray(0, n);
  }
  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.o, this.o + n);
    this.o += n;
    return b;
  }
  str(): string {
    return this.take(this.u16()).toString('utf8');
  }
  rest(): Buffer {
    const b = Buffer.from(this.buf.subarray(this.o));
    this.o = this.buf.length;
    return b;
  }
  end(): void {
    if (this.o !== this.buf.length) throw malformed(`${this.buf.length - this.o} trailing bytes`);
  }
}
