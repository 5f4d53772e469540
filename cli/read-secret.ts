/**
 * Reads a password or PIN for the command line: from a pipe, the first line
 * (so `printf '%s\n' "$P" | chasqui …` works and the rest is ignored); at a
 * terminal, typed twice without echo, so nobody looking at the screen sees it.
 */
import type { Readable, Writable } from 'node:stream';
import { ChasquiError } from '../lib/errors.js';

export type SecretInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

const NO_SECRET = 'no password or PIN on stdin: type it when asked, or pipe it in (e.g. read -rs P; printf \'%s\\n\' "$P" | chasqui post nurse …)';

export async function readSecret(input: SecretInput, prompt: Writable, label: string): Promise<string> {
  if (input.isTTY && input.setRawMode) {
    const first = await readHidden(input, prompt, `${label}: `);
    const again = await readHidden(input, prompt, 'Again, to be sure: ');
    if (first !== again) throw new ChasquiError('CHASQUI_ERR_USAGE', 'the two entries differ; nothing was changed');
    return nonEmpty(first);
  }
  return nonEmpty(await firstLine(input));
}

/**
 * A new secret and one that proves the right to set it (the post's recovery
 * key): two lines from a pipe, or two prompts at a terminal, the first typed twice.
 */
export async function readTwoSecrets(input: SecretInput, prompt: Writable, labels: [string, string]): Promise<[string, string]> {
  if (input.isTTY && input.setRawMode) return [await readSecret(input, prompt, labels[0]), nonEmpty(await readHidden(input, prompt, `${labels[1]}: `))];
  const [a, b] = await firstLines(input, 2);
  return [nonEmpty(a), nonEmpty(b)];
}

async function firstLines(input: Readable, n: number): Promise<string[]> {
  let buf = '';
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (buf.split('\n').length > n || buf.length > 8192) break;
  }
  return buf.split('\n').slice(0, n).map((l) => l.replace(/\r$/, ''));
}

function nonEmpty(s: string | undefined): string {
  if (!s) throw new ChasquiError('CHASQUI_ERR_USAGE', NO_SECRET);
  return s;
}

/** The first line, without its line ending; the whole input if it has no newline. */
export async function firstLine(input: Readable): Promise<string | undefined> {
  let buf = '';
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const nl = buf.indexOf('\n');
    if (nl >= 0) return buf.slice(0, nl).replace(/\r$/, '');
    if (buf.length > 4096) break;
  }
  return buf.replace(/\r?\n?$/, '') || undefined;
}

function readHidden(input: SecretInput, prompt: Writable, text: string): Promise<string> {
  prompt.write(text);
  return new Promise((resolve, reject) => {
    let s = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode!(false);
      input.pause();
      prompt.write('\n');
      if (err) reject(err);
      else resolve(s);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new ChasquiError('CHASQUI_ERR_USAGE', 'cancelled; nothing was changed'));
        if (ch === '\u007f' || ch === '\b') s = [...s].slice(0, -1).join('');
        else s += ch;
      }
    };
    input.setRawMode!(true);
    input.on('data', onData);
    input.resume();
  });
}
