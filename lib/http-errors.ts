/** One mapping from the error catalogue to HTTP, shared by every fastify app. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isChasquiError, type ErrorCode } from './errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  CHASQUI_ERR_BAD_REQUEST: 400,
  CHASQUI_ERR_AUTH: 401,
  CHASQUI_ERR_LOCKED: 423,
  CHASQUI_ERR_NOT_AUTHORIZED: 403,
  CHASQUI_ERR_NOT_FOUND: 404,
  CHASQUI_ERR_NOTICE_INVALID: 400,
  CHASQUI_ERR_UNKNOWN_POST: 404,
  CHASQUI_ERR_CASE_CONFLICT: 409,
  CHASQUI_ERR_BUNDLE_TOO_LARGE: 413,
  CHASQUI_ERR_DISK_FULL: 507,
  CHASQUI_ERR_ECG_FORMAT: 422,
  CHASQUI_ERR_CAPTURE_REJECTED: 422,
  CHASQUI_ERR_CAPTURE_FAILED: 503,
  CHASQUI_ERR_DEVICE_ABSENT: 503,
  CHASQUI_ERR_DEVICE_IO: 503,
  CHASQUI_ERR_DEVICE_UNKNOWN: 404,
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (isChasquiError(err)) {
      const status = STATUS[err.code] ?? 500;
      if (status >= 500) req.log.error({ code: err.code, err: err.message }, 'request failed');
      // details are written for people (which lead was off, which key was wrong), never secrets.
      const error = err.details ? { code: err.code, message: err.message, details: err.details } : { code: err.code, message: err.message };
      return reply.status(status).send({ error });
    }
    const fe = err as FastifyError;
    const status = fe.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const code = status === 413 ? 'CHASQUI_ERR_BUNDLE_TOO_LARGE' : status < 500 ? 'CHASQUI_ERR_BAD_REQUEST' : 'CHASQUI_ERR_STORE';
    return reply.status(status).send({ error: { code, message: fe.message } });
  });
}
