/** The broker's login throttle on a hand-moved clock: no sleeps, no scrypt, the work slots driven by hand. */
import t from 'tap';
import { LoginThrottle, type Refusal, type Ticket } from '../../../hub/broker/login-throttle.js';
import { brokerLogin, type PostLogin } from '../../../hub/broker/broker-login.js';

const clock = () => ({ ms: 1_900_000_000_000, now() { return this.ms; } });
const OPTS = { limiter: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000 }, maxInFlight: 2, maxWaiting: 4 };

t.test('after maxFailures from one address, it is refused without any work until the lock ends', async (t) => {
  const c = clock();
  const th = new LoginThrottle(c, OPTS);
  for (let i = 0; i < 3; i++) {
    const ticket = await th.admit(`post-${i}`, '10.0.0.9');
    t.equal(ticket.go, true);
    (ticket as Ticket).done(false);
  }
  const refused = (await th.admit('post-x', '10.0.0.9')) as Refusal;
  t.match(refused, { go: false, reason: 'locked', retryAfterMs: 60_000 }, 'locked for lockMs');
  t.equal((await th.admit('post-x', '10.0.0.10')).go, true, 'another address is not affected');
  c.ms += 60_001;
  t.equal((await th.admit('post-y', '10.0.0.9')).go, true, 'the lock ends by the clock');
  t.match(th.stats(), { checked: 5, locked: 1, busy: 0 });
});

t.test('failures for one post id lock that id from every address', async (t) => {
  const th = new LoginThrottle(clock(), OPTS);
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) ((await th.admit('post-a', ip)) as Ticket).done(false);
  t.match(await th.admit('post-a', '10.0.0.4'), { go: false, reason: 'locked' });
  t.equal((await th.admit('post-b', '10.0.0.4')).go, true, 'another post from a fresh address goes ahead');
});

t.test('at most maxInFlight checks run; the queue is short; a waiter locked meanwhile is refused without work', async (t) => {
  const th = new LoginThrottle(clock(), OPTS);
  const first = (await th.admit('post-a', '10.0.0.9')) as Ticket;
  const second = (await th.admit('post-b', '10.0.0.9')) as Ticket;
  const waiting = [0, 1, 2, 3].map((i) => th.admit(`post-w${i}`, '10.0.0.9'));
  t.match(await th.admit('post-z', '10.0.0.7'), { go: false, reason: 'busy' }, 'a fifth waiter is refused as busy');
  t.match(th.stats(), { inFlight: 2, waiting: 4 });
  first.done(false);
  const w0 = (await waiting[0]) as Ticket;
  t.equal(w0.go, true, 'a freed slot goes to the oldest waiter');
  second.done(false);
  const w1 = (await waiting[1]) as Ticket;
  w0.done(false); // the third failure from 10.0.0.9: the address is now locked
  t.match(await waiting[2], { go: false, reason: 'locked' }, 'waiters from the locked address are refused when their turn comes');
  t.match(await waiting[3], { go: false, reason: 'locked' });
  w1.done(true);
  w1.done(false);
  t.match(th.stats(), { checked: 4, inFlight: 0, waiting: 0 }, 'done twice frees one slot only');
});

t.test('a good login clears the post id\'s count but not the address\'s', async (t) => {
  const th = new LoginThrottle(clock(), OPTS);
  ((await th.admit('post-a', '10.0.0.1')) as Ticket).done(false);
  ((await th.admit('post-a', '10.0.0.2')) as Ticket).done(false);
  ((await th.admit('post-a', '10.0.0.3')) as Ticket).done(true);
  ((await th.admit('post-a', '10.0.0.4')) as Ticket).done(false);
  t.equal((await th.admit('post-a', '10.0.0.5')).go, true, 'post-a has one failure since its good login');
});

t.test('brokerLogin: a password the cache knows gets in even from a locked address, with no work', async (t) => {
  const th = new LoginThrottle(clock(), OPTS);
  const verified: string[] = [];
  const posts = {
    verifyCached: (id: string, pw: string) => id === 'post-a' && pw === 'clave-a',
    verify: async (id: string, pw: string): Promise<PostLogin> => {
      verified.push(id);
      return id === 'post-a' && pw === 'clave-a' ? 'ok' : id === 'post-gone' ? 'revoked' : 'wrong';
    },
  };
  const auth = { hubUser: 'chasqui-hub', hubPassword: 'h', hubClientId: 'chasqui-hub', posts, toolSessions: ['probe'] };
  const login = (username: string, password: string, clientId = `post-${username}`) => brokerLogin(auth, th, { clientId, username, password, address: '10.0.0.9' });
  for (let i = 0; i < 3; i++) t.match(await login('post-a', 'adivina'), { ok: false, code: 'CHASQUI_ERR_AUTH', returnCode: 4 });
  t.match(await login('post-a', 'adivina'), { ok: false, code: 'CHASQUI_ERR_LOGIN_THROTTLED', returnCode: 3 }, 'locked: refused without a check');
  t.equal(verified.length, 3, 'three checks for four guesses');
  t.match(await login('post-a', 'clave-a'), { ok: true, user: { kind: 'post', postId: 'post-a' } }, 'the known password still gets in');
  t.match(await login('post-a', 'clave-a', 'post-post-a:probe'), { ok: true, user: { kind: 'post', postId: 'post-a', tool: 'probe' } });
  t.match(await login('post-a', 'clave-a', 'post-post-a:rogue'), { ok: false, code: 'CHASQUI_ERR_NOT_AUTHORIZED', returnCode: 5 });
  t.match(await login('post-a', 'clave-a', 'post-post-b'), { ok: false, code: 'CHASQUI_ERR_AUTH' }, 'client id of another post');
  t.equal(verified.length, 3, 'none of those cost a check');
  const fresh = new LoginThrottle(clock(), OPTS);
  t.match(await brokerLogin(auth, fresh, { clientId: 'post-post-gone', username: 'post-gone', password: 'x', address: '10.0.0.1' }),
    { ok: false, code: 'CHASQUI_ERR_POST_REVOKED', returnCode: 5 });
});
