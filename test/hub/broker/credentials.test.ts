import t from 'tap';
import { generatePassword, hashPassword, verifyPassword } from '../../../hub/broker/credentials.js';

t.test('a hash verifies its own password and nothing else', async (t) => {
  const stored = hashPassword('correct horse');
  t.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/=]{44}$/);
  t.equal(verifyPassword('correct horse', stored), true);
  t.equal(verifyPassword('correct horsE', stored), false);
  t.equal(verifyPassword('', stored), false);
});

t.test('the same password hashes differently each time (random salt)', async (t) => {
  const a = hashPassword('pw');
  const b = hashPassword('pw');
  t.not(a, b);
  t.ok(verifyPassword('pw', a) && verifyPassword('pw', b));
});

t.test('non-ASCII passwords round-trip', async (t) => {
  const stored = hashPassword('contraseña-ñandú');
  t.equal(verifyPassword('contraseña-ñandú', stored), true);
  t.equal(verifyPassword('contrasena-nandu', stored), false);
});

t.test('unreadable or hostile stored hashes refuse the login instead of throwing', async (t) => {
  const good = hashPassword('pw');
  const [, , , , salt, hash] = good.split('$');
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['other scheme', good.replace('scrypt', 'bcrypt')],
    ['missing field', good.split('$').slice(0, 5).join('$')],
    ['N not a power of two', `scrypt$1000$8$1$${salt}$${hash}`],
    ['N huge', `scrypt$${2 ** 24}$8$1$${salt}$${hash}`],
    ['r zero', `scrypt$16384$0$1$${salt}$${hash}`],
    ['p huge', `scrypt$16384$8$99$${salt}$${hash}`],
    ['negative', `scrypt$-16384$8$1$${salt}$${hash}`],
    ['empty salt', `scrypt$16384$8$1$$${hash}`],
    ['short hash', `scrypt$16384$8$1$${salt}$AAAA`],
    ['truncated hash', good.slice(0, -8)],
  ];
  for (const [name, stored] of cases) t.equal(verifyPassword('pw', stored), false, name);
});

t.test('an empty password is refused when hashing', async (t) => {
  t.throws(() => hashPassword(''), { name: 'ChasquiError', code: 'CHASQUI_ERR_BAD_REQUEST' });
});

t.test('generated passwords are long, URL-safe and distinct', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const pw = generatePassword();
    t.match(pw, /^[A-Za-z0-9_-]{32}$/);
    seen.add(pw);
  }
  t.equal(seen.size, 50);
});
