/**
 * The field engineer's serial tools against emulated devices on real ptys:
 * probe names the device, monitor prints its readings, emulate puts one on a
 * pty for another program to open.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { Bm58Emulator } from '../../firmware-bridge/emulators/beurer-bm58-emulator.js';
import { ContecV7Emulator } from '../../firmware-bridge/emulators/contec-cms50-emulator.js';
import { createEmulator } from '../../firmware-bridge/emulators/emulators.js';
import { startPtyDevice } from '../../firmware-bridge/emulators/pty-device.js';
import { runCli } from '../support/cli.js';
import { CLI, tempDir } from '../support/paths.js';
import { limaWallTime } from '../support/bedside.js';
import { systemClock } from '../../lib/clock.js';

t.test('probe names the device on a port, or says the port is silent', async (t) => {
  const oximeter = await startPtyDevice(new ContecV7Emulator({ heartRateBpm: 70, spo2: 97 }));
  t.teardown(() => oximeter.stop());
  const found = await runCli(['bridge', 'probe', oximeter.path]);
  t.equal(found.code, 0, found.stderr);
  t.match(found.stdout, /YES contec-cms50-v7/);
  t.match(found.stdout, /Contec CMS50/);

  const ecg = await startPtyDevice(await createEmulator('openbci-cyton'));
  t.teardown(() => ecg.stop());
  const cyton = await runCli(['bridge', 'probe', ecg.path]);
  t.equal(cyton.code, 0, cyton.stderr);
  t.match(cyton.stdout, /YES openbci-cyton/);
  t.notMatch(cyton.stdout, /YES contec/);

  const silent = await startPtyDevice({ protocol: 'openview', advance: () => new Uint8Array(0), receive: () => new Uint8Array(0), inject: () => {} });
  t.teardown(() => silent.stop());
  const none = await runCli(['bridge', 'probe', silent.path, '--listen-ms', '300']);
  t.equal(none.code, 1);
  t.match(none.stderr, /CHASQUI_ERR_DEVICE_UNKNOWN: .*stayed silent/);
});

t.test('monitor prints what a blood-pressure monitor has stored', async (t) => {
  // The cuff's memory holds a reading from this morning, whatever day the test runs.
  const measuredAt = limaWallTime(systemClock.now() - 3 * 3_600_000);
  const cuff = await startPtyDevice(new Bm58Emulator({ memory: [{ systolicMmHg: 131, diastolicMmHg: 84, pulseBpm: 66, measuredAt }] }));
  t.teardown(() => cuff.stop());
  const r = await runCli(['bridge', 'monitor', cuff.path, '--protocol', 'beurer-bm58', '--seconds', '3']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`BP 131/84 mmHg\\s+pulse 66/min\\s+measured ${measuredAt}`));
  t.match(r.stdout, /\d+ frames, 0 bytes dropped/);
});

t.test('emulate puts a device on a pty that monitor can read', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const link = join(dir, 'oximeter');
  const child = spawn(process.execPath, [CLI, 'bridge', 'emulate', 'contec-cms50-v7', '--link', link], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGTERM'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes(link) && resolve());
    child.once('exit', (code) => reject(new Error(`emulate exited ${code}`)));
  });
  const r = await runCli(['bridge', 'monitor', link, '--protocol', 'contec-cms50-v7', '--seconds', '3']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /SpO2 9\d%\s+pulse \d+\/min/);
});
