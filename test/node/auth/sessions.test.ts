/** Sessions on a real SQLite file with a hand-moved clock: idle and absolute expiry, sliding refresh, revoke. */
import t from 'tap';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../lib/sqlite.js';
import { SessionStore } from '../../../node/auth/sessions.js';
import { testDb, type ManualClock } from '../../support/db.js';

const MIN = 60_000;

function setup(t: { teardown(fn: () => void): void }): { db: Db; clock: ManualClock; sessions: SessionStore } {
  const { db, clock } = testDb(t);
  return { db, clock, sessions: new SessionStore(db, clock) };
}

t.test('a new session is a 256-bit token; only its SHA-256 is stored', async (t) => {
  const { db, sessions } = setup(t);
  const { token } = sessions.create('acc-1');
  t.equal(Buffer.from(token, 'base64url').length, 32);
  const rows = db.prepare('SELECT token_hash FROM nurse_sessions').all() as Array<{ token_hash: string }>;
  t.same(rows.map((r) => r.token_hash), [createHash('sha256').update(token).digest('hex')]);
  t.notMatch(JSON.stringify(db.prepare('SELECT * FROM nurse_sessions').all()), token);
  t.match(sessions.validate(token), { accountId: 'acc-1' });
  t.not(sessions.create('acc-1').token, token, 'every sign-in gets its own token');
  t.equal(sessions.validate(undefined), null);
  t.equal(sessions.validate('x'.repeat(43)), null, 'well-formed but unknown');
  t.equal(sessions.validate('not a token'), null);
});

t.test('idle for 30 minutes ends the session; use keeps it alive', async (t) => {
  const { clock, sessions } = setup(t);
  const { token } = sessions.create('acc-1');
  for (let i = 0; i < 4; i++) {
    clock.ms += 25 * MIN;
    t.ok(sessions.validate(token), `still alive after ${(i + 1) * 25} min of steady use`);
  }
  clock.ms += 30 * MIN;
  t.equal(sessions.validate(token), null, '30 min idle');
  clock.ms -= 30 * MIN;
  t.equal(sessions.validate(token), null, 'an expired session is forgotten, not revived by a clock step back');
});

t.test('the refresh is written at most once a minute; a refresh one minute old still counts', async (t) => {
  const { clock, sessions } = setup(t);
  const { token } = sessions.create('acc-1');
  const t0 = clock.ms;
  clock.ms += 20_000;
  t.equal(sessions.validate(token)?.lastSeenAt, t0, 'under a minute: no write');
  clock.ms += 40_000;
  t.equal(sessions.validate(token)?.lastSeenAt, t0 + 60_000, 'a minute: written');
  clock.ms += 30 * MIN - 1;
  t.ok(sessions.validate(token), 'idle is counted from the last write');
});

t.test('12 hours after sign-in the session ends even if in use', async (t) => {
  const { clock, sessions } = setup(t);
  const { token } = sessions.create('acc-1');
  for (let h = 0; h < 12 * 3; h++) {
    clock.ms += 20 * MIN;
    if (h < 12 * 3 - 1) t.ok(sessions.validate(token));
  }
  t.equal(sessions.validate(token), null, 'absolute lifetime reached');
});

t.test('revoke one session, or every session of an account', async (t) => {
  const { sessions } = setup(t);
  const a = sessions.create('acc-1').token;
  const b = sessions.create('acc-1').token;
  const c = sessions.create('acc-2').token;
  t.equal(sessions.revoke(a), true);
  t.equal(sessions.revoke(a), false, 'already gone');
  t.equal(sessions.validate(a), null);
  t.ok(sessions.validate(b));
  t.equal(sessions.revokeAllFor('acc-1'), 1);
  t.equal(sessions.validate(b), null);
  t.ok(sessions.validate(c), 'another nurse is not touched');
});

t.test('expired rows are purged when new sessions are made', async (t) => {
  const { db, clock, sessions } = setup(t);
  sessions.create('acc-1');
  sessions.create('acc-2');
  clock.ms += 31 * MIN;
  sessions.create('acc-3');
  t.equal((db.prepare('SELECT count(*) AS n FROM nurse_sessions').get() as { n: number }).n, 1);
});
