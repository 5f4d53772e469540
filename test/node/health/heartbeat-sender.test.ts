/** The post's heartbeat: built from a real outbox and a sysfs-shaped folder tree, published through a fake carrier with hand-run timers. */
import t from 'tap';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBoard, type BoardPaths } from '../../../node/health/board-sensors.js';
import { HeartbeatSender, type HeartbeatSenderDeps, type Timers } from '../../../node/health/heartbeat-sender.js';
import { checkHeartbeat } from '../../../protocol/heartbeat-check.js';
import type { Heartbeat } from '../../../protocol/heartbeat.js';
import type { CarrierEvents } from '../../../relay/carrier.js';
import { OutboxStore } from '../../../relay/outbox-store.js';
import { testDb } from '../../support/db.js';
import { quietLogger } from '../../support/logger.js';
import { REPO_ROOT, tempDir } from '../../support/paths.js';

class FakeCarrier {
  isConnected = false;
  readonly sent: Array<{ topic: string; hb: Heartbeat }> = [];
  private readonly events = new EventEmitter();
  on<E extends keyof CarrierEvents>(event: E, listener: CarrierEvents[E]): void {
    this.events.on(event, listener);
  }
  emit(event: keyof CarrierEvents, ...args: unknown[]): void {
    this.events.emit(event, ...args);
  }
  publishVolatile(topic: string, payload: Buffer): void {
    this.sent.push({ topic, hb: JSON.parse(payload.toString()) as Heartbeat });
  }
  connect(): void {
    this.isConnected = true;
    this.emit('connected');
  }
}

class HandTimers implements Timers {
  fn: (() => void) | undefined;
  ms = 0;
  setInterval(fn: () => void, ms: number) {
    this.fn = fn;
    this.ms = ms;
    return 1;
  }
  clearInterval() {
    this.fn = undefined;
  }
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

function piPaths(root: string): BoardPaths {
  return { thermal: join(root, 'thermal/temp'), throttled: join(root, 'firmware/get_throttled'), powerSupply: join(root, 'power_supply') };
}

function setup(t: Parameters<typeof testDb>[0], over: Partial<HeartbeatSenderDeps> = {}) {
  const { db, dir, clock } = testDb(t);
  const outbox = new OutboxStore(db);
  const carrier = new FakeCarrier();
  const timers = new HandTimers();
  const sender = new HeartbeatSender({
    postId: 'post-a', dataDir: dir, intervalS: 300, carrier, outbox, bytesSent: () => 4096,
    link: () => ({ rttMs: 700, rateBps: 3000 }), clock, logger: quietLogger(), timers,
    board: async () => ({ temperatureC: null, undervoltage: null, onBattery: null, batteryPercent: null }), ...over,
  });
  t.teardown(() => sender.stop());
  return { db, dir, clock, outbox, carrier, timers, sender };
}

t.test('the heartbeat reports the outbox, link, disk, uptime and version', async (t) => {
  const { clock, outbox, sender } = setup(t);
  const queuedAt = clock.ms;
  outbox.enqueue({ peer: 'hub', id: 'b1', kind: 1, priority: 1, bytes: Buffer.alloc(3000), chunkSize: 1024, now: queuedAt });
  clock.ms += 60_000;
  outbox.enqueue({ peer: 'hub', id: 'b2', kind: 1, priority: 0, bytes: Buffer.alloc(500), chunkSize: 1024, now: clock.ms });
  clock.ms += 90_000;
  const hb = await sender.build('schedule');
  t.same(checkHeartbeat(hb), hb, 'passes the hub\'s own check');
  t.same(hb.queue, { items: 2, bytes: 3500, oldestQueuedAt: new Date(queuedAt).toISOString() });
  t.same(hb.link, { rttMs: 700, rateBps: 3000, bytesSent: 4096, bytesReceived: 0 });
  t.equal(hb.uptimeS, 150);
  t.equal(hb.at, new Date(clock.ms).toISOString());
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  t.equal(hb.software, `chasqui/${pkg.version}`);
  t.ok(hb.disk.totalBytes > 0 && hb.disk.freeBytes <= hb.disk.totalBytes, 'statfs of the data folder');
  t.ok(Buffer.byteLength(JSON.stringify(hb)) < 1024, 'a few hundred bytes');
});

t.test('sent at connect, on schedule and at reconnect; never while offline; stop ends it', async (t) => {
  const { carrier, timers, sender } = setup(t);
  sender.start();
  t.equal(timers.ms, 300_000);
  timers.fn!();
  await sender.idle();
  t.equal(carrier.sent.length, 0, 'offline: dropped, not queued');
  carrier.connect();
  await sender.idle();
  t.same(carrier.sent.map((s) => [s.topic, s.hb.reason]), [['chasqui/v1/post-a/health', 'reconnect']]);
  carrier.emit('message', { topic: 'chasqui/v1/post-a/down', payload: Buffer.alloc(250) });
  timers.fn!();
  await sender.idle();
  t.equal(carrier.sent[1]!.hb.reason, 'schedule');
  t.equal(carrier.sent[1]!.hb.link.bytesReceived, 250);
  carrier.isConnected = false;
  carrier.emit('disconnected');
  carrier.connect();
  await sender.idle();
  t.equal(carrier.sent[2]!.hb.reason, 'reconnect');
  sender.stop();
  t.equal(timers.fn, undefined);
  carrier.connect();
  await sender.idle();
  t.equal(carrier.sent.length, 3, 'nothing after stop');
});

t.test('a failing disk or sensor read never stops the heartbeat', async (t) => {
  const { carrier, sender } = setup(t, {
    disk: async () => { throw new Error('EIO'); },
    board: async () => { throw new Error('sysfs gone'); },
  });
  carrier.isConnected = true;
  sender.start();
  await sender.idle();
  t.equal(carrier.sent.length, 1);
  t.same(carrier.sent[0]!.hb.disk, { freeBytes: 0, totalBytes: 0 });
  t.same(carrier.sent[0]!.hb.board, { temperatureC: null, undervoltage: null, onBattery: null, batteryPercent: null });
});

t.test('board sensors from a Raspberry Pi-shaped folder tree', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  writeTree(dir, {
    'thermal/temp': '51234\n',
    'firmware/get_throttled': '50005\n',
    'power_supply/AC/type': 'Mains\n',
    'power_supply/BAT0/type': 'Battery\n',
    'power_supply/BAT0/capacity': '76\n',
    'power_supply/BAT0/status': 'Discharging\n',
  });
  t.same(await readBoard(piPaths(dir)), { temperatureC: 51.2, undervoltage: true, onBattery: true, batteryPercent: 76 });
  writeTree(dir, { 'firmware/get_throttled': '0\n', 'power_supply/BAT0/status': 'Charging\n' });
  t.same(await readBoard(piPaths(dir)), { temperatureC: 51.2, undervoltage: false, onBattery: false, batteryPercent: 76 });
  writeTree(dir, { 'firmware/get_throttled': 'throttled=0x10000\n' });
  t.equal((await readBoard(piPaths(dir))).undervoltage, true, 'under-voltage earlier since boot counts');
});

t.test('no sensors (a laptop, a VM): all null', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  writeTree(dir, { 'thermal/temp': 'garbage', 'power_supply/AC/type': 'Mains\n' });
  t.same(await readBoard(piPaths(dir)), { temperatureC: null, undervoltage: null, onBattery: null, batteryPercent: null });
  t.same(await readBoard(piPaths(join(dir, 'absent'))), { temperatureC: null, undervoltage: null, onBattery: null, batteryPercent: null });
});
