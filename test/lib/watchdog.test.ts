/**
 * The watchdog's decision, driven by hand-cranked timers: pings every interval
 * while the loop and the probe answer, withholds them otherwise, and resumes.
 */
import t from 'tap';
import { Watchdog, watchdogIntervalMs, type WatchdogSkip, type WatchdogTimers } from '../../lib/watchdog.js';

/** One pending timeout at a time is all the watchdog keeps; fire() runs it. */
function crankTimers() {
  let pending: { fn: () => void; ms: number } | undefined;
  const timers: WatchdogTimers = {
    setTimeout: (fn, ms) => (pending = { fn, ms }),
    clearTimeout: (h) => { if (h === pending) pending = undefined; },
  };
  return { timers, fire: () => { const p = pending; pending = undefined; p?.fn(); }, pendingMs: () => pending?.ms };
}

function harness(opts: { intervalMs?: number; maxLoopDelayMs?: number } = {}) {
  const crank = crankTimers();
  const state = { loopDelayMs: 0, probe: (): boolean => true, pings: 0, skips: [] as WatchdogSkip[] };
  const dog = new Watchdog({
    intervalMs: opts.intervalMs ?? 1000, maxLoopDelayMs: opts.maxLoopDelayMs, timers: crank.timers,
    loopDelayMs: () => state.loopDelayMs, probe: () => state.probe(), ping: () => state.pings++, onSkip: (s) => state.skips.push(s),
  });
  return { dog, crank, state };
}

t.test('pings once per interval while the loop and the probe answer', async (t) => {
  const { dog, crank, state } = harness();
  dog.start();
  t.equal(crank.pendingMs(), 1000);
  for (let i = 0; i < 3; i++) crank.fire();
  t.equal(state.pings, 3);
  t.same(state.skips, []);
});

t.test('a late event loop withholds the ping; the next prompt tick pings again', async (t) => {
  const { dog, crank, state } = harness();
  dog.start();
  state.loopDelayMs = 501;
  crank.fire();
  t.equal(state.pings, 0);
  t.same(state.skips, [{ reason: 'event-loop', loopDelayMs: 501 }]);
  state.loopDelayMs = 499;
  crank.fire();
  t.equal(state.pings, 1, 'half the interval is the default tolerance');
});

t.test('a probe that fails or throws withholds the ping', async (t) => {
  const { dog, crank, state } = harness({ maxLoopDelayMs: 100 });
  dog.start();
  state.probe = () => false;
  crank.fire();
  state.probe = () => { throw new Error('SQLITE_BUSY: database is locked'); };
  crank.fire();
  t.equal(state.pings, 0);
  t.same(state.skips, [{ reason: 'probe' }, { reason: 'probe', error: 'SQLITE_BUSY: database is locked' }]);
  state.probe = () => true;
  crank.fire();
  t.equal(state.pings, 1, 'pings resume once the database answers');
});

t.test('stop() leaves nothing scheduled', async (t) => {
  const { dog, crank, state } = harness();
  dog.start();
  dog.stop();
  t.equal(crank.pendingMs(), undefined);
  crank.fire();
  t.equal(state.pings, 0);
});

t.test('the interval is half of WATCHDOG_USEC, for this process only', async (t) => {
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42), 30_000);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42), 30_000);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42), undefined, 'meant for another process');
  t.equal(watchdogIntervalMs({}, 42), undefined, 'no watchdog asked for');
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42), undefined);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42), undefined);
});
