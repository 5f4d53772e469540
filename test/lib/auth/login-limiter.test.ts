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
