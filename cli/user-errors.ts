/**
 * What a person at the command line did wrong, told in one line: the code
 * from the catalogue (lib/errors.ts) and what to do. A mistyped flag, a file
 * that is not there, a folder that does not exist or a post that is not
 * running are not bugs, and a stack trace would only hide the one line that
 * matters. Anything not recognised here is a bug and keeps its stack.
 */
import { ChasquiError, isChasquiError } from '../lib/errors.js';

type SystemError = Error & { code?: string; path?: string; dest?: string; syscall?: string; address?: string; port?: number };

const HELP = 'see chasqui --help';

function fileProblem(e: SystemError): ChasquiError | undefined {
  const path = e.path ?? '?';
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no such file or folder: ${path} (check the path; to write there, create the folder first)`, { path });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new ChasquiError('CHASQUI_ERR_NOT_AUTHORIZED', `not allowed to ${e.syscall === 'open' || e.syscall === 'read' ? 'open' : e.syscall ?? 'use'} ${path} (check its owner and mode, or run as the user that owns it)`, { path });
    case 'EISDIR':
      return new ChasquiError('CHASQUI_ERR_USAGE', `${path} is a folder; give a file name`, { path });
    case 'EEXIST':
      return new ChasquiError('CHASQUI_ERR_USAGE', `${path} is there already; choose another name or remove it first`, { path });
    case 'ENOSPC':
      return new ChasquiError('CHASQUI_ERR_DISK_FULL', `no space left to write ${path}; free some space and try again`, { path });
    default:
      return undefined;
  }
}

/** fetch() fails with a TypeError whose cause is the socket's error; node:http(s) (cli/post-api.ts) with the socket's error itself. */
function connectionProblem(e: Error): ChasquiError | undefined {
  const cause = (e instanceof TypeError ? e.cause : e) as SystemError | undefined;
  if (!cause?.code || !cause.syscall) return undefined;
  if (!['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT'].includes(cause.code)) return undefined;
  const where = cause.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : 'that address';
  return new ChasquiError('CHASQUI_ERR_NOT_FOUND', `nothing answers at ${where} (${cause.code}): is the service running, and is --url (or --config) the right one?`);
}

/** The one-line form of a person's mistake, or undefined for a bug. */
export function userError(err: unknown): ChasquiError | undefined {
  if (isChasquiError(err)) return err;
  if (!(err instanceof Error)) return undefined;
  const e = err as SystemError;
  // node:util parseArgs: an unknown flag, a flag without its value, a stray argument.
  if (e.code?.startsWith('ERR_PARSE_ARGS_')) return new ChasquiError('CHASQUI_ERR_USAGE', `${e.message} (${HELP})`);
  if (e.syscall && e.code) return fileProblem(e) ?? connectionProblem(e);
  return connectionProblem(e);
}

/** What the command prints for an error: one line for a person's mistake, the stack for a bug. */
export function describeError(err: unknown): string {
  const known = userError(err);
  if (known) return `chasqui: ${known.code}: ${known.message}\n`;
  return `chasqui: ${(err as Error)?.stack ?? String(err)}\n`;
}
