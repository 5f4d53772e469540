/** The sign-in limiter, pure: a clock moved by hand. */
import t from 'tap';
import { LoginLimiter } from '../../../lib/auth/login-limiter.js';

const MIN = 60_000;

function setup(opts: ConstructorParameters<typeof LoginLimiter>[1] = {}) {
  const clock = { ms: 0, now() { return this.ms; } };
  return { clock, limiter: new LoginLimiter(clock, opts) };
}

t.test('five failures for a username lock it for 15 minutes, from any address', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 5; i++) {
    t.same(limiter.check('ana', `10.0.0.${i}`), { allowed: true });
    limiter.failed('ana', `10.0.0.${i}`);
  }
  t.same(limiter.check('ana', '10.0.0.99'), { allowed: false, retryAfterMs: 15 * MIN });
  t.same(limiter.check(' ANA ', '10.0.0.99'), { allowed: false, retryAfterMs: 15 * MIN }, 'the same name however typed');
  t.same(limiter.check('rosa', '10.0.0.99'), { allowed: true }, 'another nurse from another address');
  clock.ms += 10 * MIN;
  t.same(limiter.check('ana', '10.0.0.99'), { allowed: false, retryAfterMs: 5 * MIN });
  clock.ms += 5 * MIN;
  t.same(limiter.check('ana', '10.0.0.99'), { allowed: true }, 'the lock lapses');
  limiter.failed('ana', '10.0.0.99');
  t.same(limiter.check('ana', '10.0.0.98'), { allowed: true }, 'and the count starts over');
});

t.test('five failures from one address lock that address for any username', async (t) => {
  const { limiter } = setup();
  for (const u of ['a1', 'b2', 'c3', 'd4', 'e5']) limiter.failed(u, '192.168.1.7');
  t.equal(limiter.check('f6', '192.168.1.7').allowed, false);
  t.equal(limiter.check('f6', '192.168.1.8').allowed, true);
});

t.test('failures spread wider than the window do not add up', async (t) => {
  const { clock, limiter } = setup();
  for (let i = 0; i < 8; i++) {
    limiter.failed('ana', '10.0.0.1');
    clock.ms += 4 * MIN; // 4 failures fit in any 15 min window, never 5
  }
  t.same(limiter.check('ana', '10.0.0.1'), { allowed: true });
});

t.test('a made-up username is counted exactly like a real one', async (t) => {
  // The limiter has no list of accounts: nothing it says can depend on one.
  const { limiter } = setup();
  for (let i = 0; i < 5; i++) limiter.failed('no-such-nurse', `10.0.1.${i}`);
  t.same(limiter.check('no-such-nurse', '10.0.2.1'), { allowed: false, retryAfterMs: 15 * MIN });
});

t.test('a good sign-in clears the username but not the address', async (t) => {
  const { limiter } = setup();
  for (let i = 0; i < 4; i++) limiter.failed('ana', '10.0.0.1');
  limiter.succeeded('ana');
  limiter.failed('ana', '10.0.0.2');
  t.equal(limiter.check('ana', '10.0.0.3').allowed, true, 'the username count restarted');
  limiter.failed('zoe', '10.0.0.1');
  t.equal(limiter.check('zoe', '10.0.0.1').allowed, false, 'the address kept its four, plus one');
});

t.test('a try that names no account (the API token) counts only against its address', async (t) => {
  const { limiter } = setup();
  for (let i = 0; i < 5; i++) limiter.failed('local-cli', `10.0.3.${i}`);
  t.equal(limiter.check(null, '127.0.0.1').allowed, true, 'a name flooded from elsewhere does not lock a nameless try');
  for (let i = 0; i < 5; i++) limiter.failed(null, '127.0.0.1');
  t.equal(limiter.check(null, '127.0.0.1').allowed, false);
  t.equal(limiter.check(null, '127.0.0.2').allowed, true);
});

t.test('memory stays bounded under a flood of made-up names', async (t) => {
  const { clock, limiter } = setup({ maxKeys: 100 });
  for (let i = 0; i < 1000; i++) {
    limiter.failed(`guess-${i}`, `10.1.${i >> 8}.${i & 255}`);
    clock.ms += 1000;
  }
  t.ok(limiter.size <= 101, `size ${limiter.size}`);
  t.equal(limiter.check('guess-999', '10.9.9.9').allowed, true, 'one failure never locks');
});

// --- The web sign-in's limiter: per (account, address), a growing delay, an address that slows but never locks.
import { SignInLimiter } from '../../../lib/auth/login-limiter.js';

function signInSetup(opts: ConstructorParameters<typeof SignInLimiter>[1] = {}) {
  const clock = { ms: 0, now() { return this.ms; } };
  return { clock, limiter: new SignInLimiter(clock, opts) };
}

t.test('an attacker flooding a nurse\'s name from one address does not lock her out from her own', async (t) => {
  const { clock, limiter } = signInSetup();
  for (let i = 0; i < 50; i++) {
    const v = limiter.check('ana', '10.6.6.6');
    if (v.allowed) limiter.failed('ana', '10.6.6.6');
    clock.ms += 1000;
  }
  t.equal(limiter.check('ana', '10.6.6.6').allowed, false, 'the attacker waits');
  t.same(limiter.check('ana', '192.168.1.20'), { allowed: true }, 'the nurse on her phone does not');
  t.same(limiter.check(' ANA ', '192.168.1.20'), { allowed: true });
});

t.test('the delay after three failures doubles with each one, up to the cap', async (t) => {
  const { clock, limiter } = signInSetup();
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    limiter.failed('ana', '10.0.0.1');
    const v = limiter.check('ana', '10.0.0.1');
    waits.push(v.allowed ? 0 : v.retryAfterMs);
    clock.ms += v.allowed ? 0 : v.retryAfterMs; // the attacker waits each delay out
  }
  t.same(waits, [0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
});

t.test('many names from one address slow that address, capped at a minute, and never lock it', async (t) => {
  const { clock, limiter } = signInSetup();
  for (let i = 0; i < 30; i++) {
    const v = limiter.check(`guess-${i}`, '10.0.0.7');
    if (!v.allowed) clock.ms += v.retryAfterMs;
    limiter.failed(`guess-${i}`, '10.0.0.7');
  }
  const v = limiter.check('rosa', '10.0.0.7');
  t.equal(v.allowed, false, 'a fresh name from that address waits too');
  t.ok(!v.allowed && v.retryAfterMs <= 60_000, 'but at most a minute');
  t.equal(limiter.check('rosa', '10.0.0.8').allowed, true, 'another address is not slowed');
  clock.ms += 60_000;
  t.equal(limiter.check('rosa', '10.0.0.7').allowed, true);
});

t.test('a good sign-in forgets its own pair only; a day without failures forgets everything', async (t) => {
  const { clock, limiter } = signInSetup();
  for (let i = 0; i < 3; i++) { limiter.failed('ana', '10.0.0.1'); limiter.failed('ana', '10.0.0.2'); }
  limiter.succeeded('ana', '10.0.0.1');
  t.equal(limiter.check('ana', '10.0.0.1').allowed, true);
  t.equal(limiter.check('ana', '10.0.0.2').allowed, false, 'the other pair still waits');
  clock.ms += 24 * 3600_000;
  t.equal(limiter.check('ana', '10.0.0.2').allowed, true);
  limiter.failed('ana', '10.0.0.2');
  t.equal(limiter.check('ana', '10.0.0.2').allowed, true, 'the count started over');
});

t.test('the nameless try (the API token) keeps the per-address lock', async (t) => {
  const { limiter } = signInSetup();
  for (let i = 0; i < 5; i++) limiter.failed(null, '127.0.0.1');
  t.same(limiter.check(null, '127.0.0.1'), { allowed: false, retryAfterMs: 15 * MIN });
  t.equal(limiter.check('ana', '127.0.0.1').allowed, true, 'a named sign-in is not the token');
});

t.test('memory stays bounded under a flood of made-up names (sign-in limiter)', async (t) => {
  const { clock, limiter } = signInSetup({ maxKeys: 100 });
  for (let i = 0; i < 1000; i++) {
    limiter.failed(`guess-${i}`, `10.1.${i >> 8}.${i & 255}`);
    clock.ms += 1000;
  }
  t.ok(limiter.size <= 202, `size ${limiter.size}`);
});
