/**
 * Runs one ECG capture on a live port: listens for N seconds of samples,
 * gives up if the device stops or loses samples, and accepts the recording
 * only if it passes the signal-quality check, so a nurse hears "V3 is off"
 * at the patient's side rather than from a cardiologist two days later.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { EcgRecording } from '../../protocol/ecg-recording.js';
import { EcgCapture } from '../capture/ecg-capture.js';
import { assessSignalQuality, type QualityReport } from '../capture/signal-quality.js';
import type { DevicePort, PortState, TimedReading } from '../serial/device-port.js';

export interface CaptureResult {
  recording: EcgRecording;
  quality: QualityReport;
}

export interface CaptureOptions {
  seconds: number;
  mainsHz: 50 | 60;
  /** Shortest recording the quality check accepts. */
  minSeconds: number;
  /** With no ECG sample for this long, the device is not streaming ECG. */
  idleTimeoutMs?: number;
}

export function captureEcg(port: DevicePort, opts: CaptureOptions): Promise<CaptureResult> {
  const capture = new EcgCapture(opts.seconds);
  const idleMs = opts.idleTimeoutMs ?? 3000;
  let startedAt: string | undefined;
  return new Promise((resolve, reject) => {
    let idle: NodeJS.Timeout;
    const finish = (err: Error | undefined, result?: CaptureResult): void => {
      clearTimeout(idle);
      port.off('reading', onReading);
      port.off('state', onState);
      if (err) reject(err);
      else resolve(result!);
    };
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => fail('silent', `no ECG samples from port ${port.id} for ${idleMs / 1000} s — is an ECG device there and switched on?`), idleMs);
    };
    // `why` is for the post, which tells the nurse in her language; `reason` is for the log.
    const fail = (why: 'silent' | 'unplugged' | 'lostSamples', reason: string): void => finish(new ChasquiError('CHASQUI_ERR_CAPTURE_FAILED', reason, { port: port.id, why }));
    const onState = (s: PortState): void => {
      if (s !== 'open') fail('unplugged', `the device on port ${port.id} went away during the capture (${s})`);
    };
    const onReading = ({ at, reading }: TimedReading): void => {
      if (reading.kind !== 'ecg') return;
      startedAt ??= new Date(at).toISOString();
      armIdle();
      const p = capture.add(reading);
      if (p.state === 'failed') return fail('lostSamples', p.reason);
      if (p.state !== 'done') return;
      const recording = capture.recording({ startedAt, source: `${port.protocol.label}, port "${port.id}"` });
      const quality = assessSignalQuality(recording, { mainsHz: opts.mainsHz, minSeconds: opts.minSeconds, leadOff: capture.leadsOff() });
      if (!quality.accepted) {
        const what = quality.problems.filter((q) => q.severity === 'reject').map((q) => (q.lead ? `${q.lead}: ${q.detail}` : q.detail));
        return finish(new ChasquiError('CHASQUI_ERR_CAPTURE_REJECTED', what.join('; '), { quality }));
      }
      finish(undefined, { recording, quality });
    };
    port.on('reading', onReading);
    port.on('state', onState);
    armIdle();
  });
}
