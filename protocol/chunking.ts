/**
 * How a bundle is cut for the link, and the checks a receiver applies to every
 * chunk before it stores a byte.
 */
import { ChasquiError } from '../lib/errors.js';
import type { ChunkMessage } from './messages.js';

export const MIN_CHUNK = 1024;
export const MAX_CHUNK = 256 * 1024;

export type TransferShape = { kind: number; priority: number; totalSize: number; chunkSize: number };

export function chunkCount(shape: { totalSize: number; chunkSize: number }): number {
  return Math.max(1, Math.ceil(shape.totalSize / shape.chunkSize));
}

export function chunkLength(shape: { totalSize: number; chunkSize: number }, index: number): number {
  const last = chunkCount(shape) - 1;
  if (index < last) return shape.chunkSize;
  return shape.totalSize - shape.chunkSize * last;
}

export function splitIntoChunks(bytes: Buffer, chunkSize: number): Buffer[] {
  const n = chunkCount({ totalSize: bytes.length, chunkSize });
  return Array.from({ length: n }, (_, i) => bytes.subarray(i * chunkSize, Math.min(bytes.length, (i + 1) * chunkSize)));
}

/**
 * About one second of link time per chunk: small enough that an urgent case
 * waits at most one chunk behind routine traffic, large enough that framing
 * stays near 1 %. 64 kbit/s gives 8 KiB; HF radio at 2.4 kbit/s gets the floor.
 */
export function chunkSizeForRate(rateBps: number): number {
  const oneSecond = rateBps / 8;
  const pow2 = 2 ** Math.round(Math.log2(Math.max(1, oneSecond)));
  return Math.min(32 * 1024, Math.max(2 * 1024, pow2));
}

/** Throws CHASQUI_ERR_CHUNK_CORRUPT or CHASQUI_ERR_BUNDLE_TOO_LARGE; never trusts a length it has not checked. */
export function checkChunk(msg: ChunkMessage, known: TransferShape | undefined, limits: { maxBundleBytes: number }): TransferShape {
  const shape = { kind: msg.kind, priority: msg.priority, totalSize: msg.totalSize, chunkSize: msg.chunkSize };
  if (shape.totalSize > limits.maxBundleBytes) {
    throw new ChasquiError('CHASQUI_ERR_BUNDLE_TOO_LARGE', `${shape.totalSize} bytes, limit ${limits.maxBundleBytes}`);
  }
  if (shape.totalSize < 1 || shape.chunkSize < MIN_CHUNK || shape.chunkSize > MAX_CHUNK) {
    throw new ChasquiError('CHASQUI_ERR_CHUNK_CORRUPT', `impossible shape ${shape.totalSize}/${shape.chunkSize}`);
  }
  if (known && (known.totalSize !== shape.totalSize || known.chunkSize !== shape.chunkSize || known.kind !== shape.kind)) {
    throw new ChasquiError('CHASQUI_ERR_CHUNK_CORRUPT', 'chunk disagrees with earlier chunks of its transfer');
  }
  if (msg.index >= chunkCount(shape)) throw new ChasquiError('CHASQUI_ERR_CHUNK_CORRUPT', `index ${msg.index} out of range`);
  if (msg.payload.length !== chunkLength(shape, msg.index)) {
    throw new ChasquiError('CHASQUI_ERR_CHUNK_CORRUPT', `chunk ${msg.index} has ${msg.payload.length} bytes`);
  }
  return known ?? shape;
}
