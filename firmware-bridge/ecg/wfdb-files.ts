/**
 * The disk side of the WFDB reader: read a .hea and the signal files it names
 * from the same folder, then hand them to the pure decoder in wfdb.ts.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';
import { decodeSignals, parseHeader, type WfdbHeader, type WfdbSamples } from './wfdb.js';

/** A missing header is "no such record"; a missing signal file makes the record unreadable. */
async function read(path: string, what: string, missing: 'CHASQUI_ERR_NOT_FOUND' | 'CHASQUI_ERR_ECG_FORMAT'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') throw new ChasquiError(missing, `${what} ${path} does not exist`, undefined, { cause: err });
    throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `cannot read ${what} ${path}: ${String(err)}`, undefined, { cause: err });
  }
}

/**
 * Read a WFDB record from its header path. Signal files must sit beside the
 * header: a name with a folder in it (or "-" for standard input, header(5)) is
 * refused rather than followed.
 */
export async function readWfdbRecord(headerPath: string): Promise<{ header: WfdbHeader; signals: WfdbSamples[] }> {
  // latin1 never fails to decode, and header(5) text is ASCII anyway.
  const header = parseHeader((await read(headerPath, 'WFDB header', 'CHASQUI_ERR_NOT_FOUND')).toString('latin1'));
  const dir = dirname(headerPath);
  const files: Record<string, Uint8Array> = {};
  for (const { fileName } of header.signals) {
    if (Object.hasOwn(files, fileName)) continue;
    if (fileName === '-' || basename(fileName) !== fileName || fileName === '..' || fileName === '.') {
      throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `signal file "${fileName}" must be a plain file name beside the header`);
    }
    files[fileName] = await read(join(dir, fileName), 'signal file', 'CHASQUI_ERR_ECG_FORMAT');
  }
  return { header, signals: decodeSignals(header, files) };
}
