/**
 * One ECG capture at the post: ask the bridge for N seconds, check the
 * recording decodes (what is kept must open at the hub), keep it. Shared by
 * the JSON API and the nurse's capture page.
 */
import type { Clock } from '../../lib/clock.js';
import { decodeEcg } from '../../protocol/ecg-codec.js';
import type { BridgeClient } from '../devices/bridge-client.js';
import type { EcgRecordingStore, EcgRecordingView } from './ecg-recordings.js';

export async function captureEcg(d: { bridge: BridgeClient; recordings: EcgRecordingStore; clock: Clock }, device: string, seconds: number): Promise<EcgRecordingView> {
  const cap = await d.bridge.capture(device, seconds);
  const bytes = Buffer.from(cap.ecg, 'base64');
  decodeEcg(bytes);
  return d.recordings.add(bytes, { source: cap.summary.source ?? device, quality: cap.quality, now: new Date(d.clock.now()) });
}

/** Ports whose device records ECG (the others are oximeters and cuffs). */
export const ECG_PROTOCOLS = new Set(['openbci-cyton', 'openview']);
