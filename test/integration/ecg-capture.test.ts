/**
 * End to end through real components: an emulated OpenBCI Cyton plays a real
 * 12-lead record (LUDB 1) onto a pseudo-terminal; the bridge reads it through
 * serialport; the post asks the bridge for a 10 s capture, stores it, and
 * sends it in a case to the hub. The stored samples must equal the source
 * exactly, and the hub must hold the same bytes.
 */
import { join } from 'node:path';
import t from 'tap';
import { buildBridge, type Bridge } from '../../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema } from '../../firmware-bridge/bridge/config.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { cytonEmulatorFromWfdb, type OpenBciCytonEmulator } from '../../firmware-bridge/emulators/openbci-cyton-emulator.js';
import { startPtyDevice } from '../../firmware-bridge/emulators/pty-device.js';
import { loadConfig } from '../../lib/config.js';
import { decodeEcg } from '../../protocol/ecg-codec.js';
import type { EcgRecording } from '../../protocol/ecg-recording.js';
import { apiAuth } from '../support/api-auth.js';
import { quietLogger } from '../support/logger.js';
import { SHARED_DATA, tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

async function startBridge(path: string): Promise<{ bridge: Bridge; url: string }> {
  const config = loadConfig(BridgeConfigSchema, {
    overrides: { http: { port: 0 }, reconnectMs: 200, minCaptureSeconds: 2, ports: [{ id: 'ecg', path, protocol: 'openbci-cyton' }] },
  });
  const bridge = buildBridge({ config, logger: quietLogger() });
  const { url } = await bridge.start();
  return { bridge, url };
}

/** Where in the looping source the capture began, and whether every sample matches from there. */
function matchesSource(rec: EcgRecording, emu: OpenBciCytonEmulator): { offset: number; mismatches: number } {
  const k = emu.countsPerUnit;
  const first = rec.leads.map((l) => l.samples[0]!);
  let offset = -1;
  for (let i = 0; i < emu.source.frames && offset < 0; i++) if (emu.source.frame(i).every((v, l) => v * k === first[l])) offset = i;
  let mismatches = 0;
  const n = rec.leads[0]!.samples.length;
  for (let f = 0; f < n; f++) {
    const src = emu.source.frame(offset + f);
    rec.leads.forEach((l, li) => {
      if (l.samples[f] !== src[li]! * k) mismatches++;
    });
  }
  return { offset, mismatches };
}

t.test('a 10 s capture through the bridge is stored at the post bit-exact and reaches the hub unchanged', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const emulator = cytonEmulatorFromWfdb(await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea')));
  const pty = await startPtyDevice(emulator);
  t.teardown(() => pty.stop());
  const { bridge, url } = await startBridge(pty.path);
  t.teardown(() => bridge.stop());
  const { hub, post } = await startPair(t, { dir, postId: 'posta', post: { bridgeUrl: url } });
  await waitFor(() => bridge.ports.get('ecg')!.status().lastReadingAt, { what: 'ECG streaming from the emulated Cyton' });

  const devices = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'GET', url: '/api/devices' });
  t.equal(devices.statusCode, 200);
  t.match(devices.json(), { ports: [{ id: 'ecg', protocol: 'openbci-cyton', state: 'open' }] });

  const cap = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 10 } });
  t.equal(cap.statusCode, 201, cap.body);
  const view = cap.json() as { id: string; sha256: string; leads: string[]; durationS: number; quality: { accepted: boolean } };
  t.same(view.leads, ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  t.equal(view.durationS, 10);
  t.equal(view.quality.accepted, true);

  const data = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'GET', url: `/api/ecg/recordings/${view.id}/data` });
  t.equal(data.headers['content-type'], 'application/vnd.chasqui.ecg');
  const rec = decodeEcg(data.rawPayload);
  t.equal(rec.samplingFrequency, 250);
  t.equal(rec.leads[0]!.samples.length, 2500);
  const { offset, mismatches } = matchesSource(rec, emulator);
  t.ok(offset >= 0, 'the first captured frame is a frame of the source');
  t.equal(mismatches, 0, 'every sample of every lead equals the source × counts per unit');

  const sub = await post.app.inject({ headers: apiAuth(post.config.dataDir),
    method: 'POST', url: '/api/cases',
    payload: { caseId: 'ecg-case-1', priority: 'urgent', body: { reason: 'dolor torácico' }, attachments: [{ ecgRecordingId: view.id }] },
  });
  t.equal(sub.statusCode, 201, sub.body);
  const hubCase = await waitFor(() => hub.cases.list().find((c) => c.caseId === 'ecg-case-1'), { what: 'the case at the hub' });
  const att = hubCase.attachments[0]!;
  t.equal(att.mediaType, 'application/vnd.chasqui.ecg');
  t.equal(att.sha256, view.sha256, 'the hub holds the bytes the post captured');
  t.equal(matchesSource(decodeEcg(hub.cases.blobs.get(att.sha256)!), emulator).mismatches, 0);
});

t.test('a capture with electrodes off is refused with the leads named; an unplugged device fails the capture', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const emulator = cytonEmulatorFromWfdb(await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea')));
  const pty = await startPtyDevice(emulator);
  t.teardown(() => pty.stop());
  const { bridge, url } = await startBridge(pty.path);
  t.teardown(() => bridge.stop());
  const { post } = await startPair(t, { dir, postId: 'postb', post: { bridgeUrl: url } });
  const port = bridge.ports.get('ecg')!;
  await waitFor(() => port.status().lastReadingAt, { what: 'ECG streaming' });

  emulator.inject({ kind: 'leadOff' });
  const off = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 2 } });
  t.equal(off.statusCode, 422);
  t.equal(off.json().error.code, 'CHASQUI_ERR_CAPTURE_REJECTED');
  const quality = off.json().error.details.quality as { accepted: boolean; problems: Array<{ code: string; lead?: string }> };
  t.equal(quality.accepted, false);
  const off8 = quality.problems.filter((p) => p.code === 'leadOff').map((p) => p.lead);
  t.same(off8, ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'], 'every railed input is named as an electrode off');
  emulator.inject({ kind: 'leadOn' });

  const pending = post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 5 } });
  await new Promise((r) => setTimeout(r, 1000));
  await pty.unplug();
  const failed = await pending;
  t.equal(failed.statusCode, 503);
  t.equal(failed.json().error.code, 'CHASQUI_ERR_CAPTURE_FAILED');
  t.match(failed.json().error.details, { port: 'ecg', why: /^(unplugged|silent)$/ }, 'the bridge says why, for the post to tell the nurse in her language');
  await waitFor(() => port.status().state === 'absent', { what: 'the port to notice the device is gone' });

  await pty.replug();
  await waitFor(() => port.status().state === 'open', { what: 'the bridge to reopen the device' });
  // Long enough for the quality check to find several beats: the board's trace resumes at any point of its recording.
  const again = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 4 } });
  t.equal(again.statusCode, 201, again.body);

  const short = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 1 } });
  t.equal(short.statusCode, 400, 'a capture shorter than the minimum is refused before recording');
  const none = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'nope', seconds: 2 } });
  t.equal(none.statusCode, 404);
  await bridge.stop();
  const down = await post.app.inject({ headers: apiAuth(post.config.dataDir), method: 'POST', url: '/api/ecg/captures', payload: { device: 'ecg', seconds: 2 } });
  t.equal(down.statusCode, 503);
  t.equal(down.json().error.code, 'CHASQUI_ERR_DEVICE_IO');
});
