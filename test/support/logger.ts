/** A silent pino logger for tests, or one that collects lines so a test can assert on logged error codes. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/logger.js';

export function quietLogger(): Logger {
  return createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export function collectingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ name: 'test', level: 'debug', destination: sink }), lines };
}
