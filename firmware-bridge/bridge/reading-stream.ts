/**
 * Readings to a browser or the post as Server-Sent Events. An ECG board
 * emits 250 readings a second; sending each as its own event would cost more
 * in framing than in samples, so a port's readings are gathered for
 * `flushMs` and consecutive waveform readings of one kind are merged.
 */
import type { ServerResponse } from 'node:http';
import type { Reading } from '../devices/readings.js';
import type { DevicePort, TimedReading } from '../serial/device-port.js';

type JsonReading = Record<string, unknown> & { kind: Reading['kind']; at: number };

export function toJson({ at, reading }: TimedReading): JsonReading {
  if (reading.kind === 'ecg') return { ...reading, at, samples: Array.from(reading.samples) };
  return { ...reading, at } as JsonReading;
}

/** Appends waveform samples to the previous event of the same kind and shape; keeps everything else. */
export function merge(batch: JsonReading[], next: JsonReading): void {
  const prev = batch[batch.length - 1];
  if (prev && prev.kind === next.kind && canMerge(prev, next)) {
    const key = next.kind === 'ecg' ? 'samples' : 'values';
    (prev[key] as number[]).push(...(next[key] as number[]));
    if (next.kind === 'ecg') prev.leadOff = next.leadOff;
    return;
  }
  batch.push(next);
}

function canMerge(a: JsonReading, b: JsonReading): boolean {
  if (a.kind === 'ecg') return b.gapFrames === 0 && a.samplingFrequency === b.samplingFrequency && String(a.leads) === String(b.leads);
  return (a.kind === 'pleth' || a.kind === 'respiration') && a.samplingFrequency === b.samplingFrequency;
}

export function streamReadings(port: DevicePort, res: ServerResponse, flushMs = 100): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(`event: status\ndata: ${JSON.stringify(port.status())}\n\n`);
  let batch: JsonReading[] = [];
  const onReading = (r: TimedReading): void => merge(batch, toJson(r));
  const onState = (): void => void res.write(`event: status\ndata: ${JSON.stringify(port.status())}\n\n`);
  const timer = setInterval(() => {
    if (batch.length === 0) return;
    res.write(`data: ${JSON.stringify(batch)}\n\n`);
    batch = [];
  }, flushMs);
  port.on('reading', onReading);
  port.on('state', onState);
  res.on('close', () => {
    clearInterval(timer);
    port.off('reading', onReading);
    port.off('state', onState);
  });
}
