/** Every device protocol the bridge speaks, by the id a port's config names. */
import { beurerBm58 } from './beurer-bm58.js';
import { contecCms50Legacy } from './contec-cms50-legacy.js';
import { contecCms50V7 } from './contec-cms50-v7.js';
import { createOpenBciCytonProtocol, openBciCytonProtocol } from './openbci-cyton.js';
import { createOpenViewProtocol, openViewProtocol } from './openview.js';
import type { DeviceProtocol, ProtocolId } from './stream-decoder.js';

/**
 * In probe order: devices that answer a command first (an unanswered
 * command costs nothing), the free-running streams after.
 */
export const ALL_PROTOCOLS: DeviceProtocol[] = [contecCms50V7, openBciCytonProtocol, beurerBm58, openViewProtocol, contecCms50Legacy];

/** Other line rates these families ship with, tried by the probe after the factory one. */
export const PROBE_BAUDS: Partial<Record<ProtocolId, number[]>> = {
  // The legacy stream's rate is a device setting (the 19200 is the
  // default); the probe also tries the lower standard rates, parity kept.
  'contec-cms50-legacy': [9600, 4800],
  // healthypi3_streaming.ino starts the HAT's Pi UART at 57600 (see openview.ts).
  openview: [57600],
};

export function protocolFor(id: ProtocolId, opts: { leads?: readonly string[] } = {}): DeviceProtocol {
  switch (id) {
    case 'openbci-cyton':
      return opts.leads ? createOpenBciCytonProtocol({ channelNames: opts.leads }) : openBciCytonProtocol;
    case 'openview':
      return opts.leads?.[0] ? createOpenViewProtocol({ lead: opts.leads[0] }) : openViewProtocol;
    default:
      return ALL_PROTOCOLS.find((p) => p.id === id)!;
  }
}
