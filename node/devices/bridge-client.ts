/**
 * The post's side of the bridge's local API (firmware-bridge/bridge): the
 * post never opens a serial port itself; the bridge, its own service, does.
 * A bridge that is down or a device that is off becomes a typed error the
 * nurse app can explain, never a hang: every call has a deadline.
 */
import { ChasquiError, ERRORS, type ErrorCode } from '../../lib/errors.js';

export interface BridgeCapture {
  sha256: string;
  mediaType: string;
  ecg: string;
  summary: { samplingFrequency: number; frames: number; leads: string[]; startedAt?: string; source?: string };
  quality: unknown;
}

export class BridgeClient {
  constructor(private readonly baseUrl: string) {}

  /** A page that waits on this passes a shorter deadline. */
  ports(timeoutMs = 5000): Promise<unknown> {
    return this.call('GET', '/api/ports', undefined, timeoutMs);
  }

  capture(portId: string, seconds: number): Promise<BridgeCapture> {
    // The capture itself takes `seconds`; the device gets a few more to start streaming.
    return this.call('POST', `/api/ports/${encodeURIComponent(portId)}/captures`, { seconds }, seconds * 1000 + 15_000) as Promise<BridgeCapture>;
  }

  /** The live stream, to be piped through to a browser as is. */
  async stream(portId: string, signal: AbortSignal): Promise<Response> {
    const res = await this.fetch(`/api/ports/${encodeURIComponent(portId)}/stream`, { signal });
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  /** A GET passed through as is (the monitor page and its data, for a phone that cannot reach the bridge itself). */
  async passThrough(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetch(path, { signal });
  }

  private async call(method: string, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await this.fetch(path, init);
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), init);
    } catch (err) {
      throw new ChasquiError('CHASQUI_ERR_DEVICE_IO', `the device bridge at ${this.baseUrl} does not answer (is chasqui-bridge running?): ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

/** The bridge speaks the same error catalogue; its errors pass through with their code and details. */
async function errorOf(res: Response): Promise<ChasquiError> {
  const json = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null;
  const e = json?.error;
  if (e?.code && Object.hasOwn(ERRORS, e.code)) {
    const code = e.code as ErrorCode;
    const prefix = `${ERRORS[code]}: `;
    const message = e.message?.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return new ChasquiError(code, message, e.details);
  }
  return new ChasquiError('CHASQUI_ERR_DEVICE_IO', `the device bridge answered HTTP ${res.status}`);
}
