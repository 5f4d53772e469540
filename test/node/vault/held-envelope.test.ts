/** The envelope of held arrivals: opens with its private key only, and refuses a changed byte. */
import t from 'tap';
import { envelope, newHeldKeyPair, openEnvelope } from '../../../node/vault/held-envelope.js';

t.test('round trip, wrong key, altered byte', async (t) => {
  const pair = newHeldKeyPair();
  const other = newHeldKeyPair();
  const bundle = Buffer.from('respuesta sellada al puesto: Dermatitis de contacto');
  const box = envelope(pair.publicDer, bundle);
  t.notOk(box.includes(bundle.subarray(0, 16)), 'nothing of it shows');
  t.ok(openEnvelope(pair.privateDer, box).equals(bundle));
  t.notSame(envelope(pair.publicDer, bundle), box, 'a fresh ephemeral key each time');
  t.throws(() => openEnvelope(other.privateDer, box));
  const bent = Buffer.from(box);
  bent[bent.length - 1] = bent[bent.length - 1]! ^ 1;
  t.throws(() => openEnvelope(pair.privateDer, bent));
});
