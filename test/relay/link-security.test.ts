/** What a broker URL and a pin may do (relay/link-security.ts), decided before any socket opens. */
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { isLoopbackHost, isUntrustedCertificate, parsePins, pinnedIdentity, planLink } from '../../relay/link-security.js';
import { imposterTls, testTls } from '../support/tls.js';

const POST = { setting: 'hub.ca', urlSetting: 'hub.url' };

t.test('loopback is 127/8, ::1 and localhost; nothing else', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', 'a.localhost', '::ffff:127.0.0.1']) t.ok(isLoopbackHost(h), h);
  for (const h of ['10.0.0.1', '0.0.0.0', '::', '192.168.1.1', 'hub.example.pe', 'localhost.example.pe', '128.0.0.1', '::ffff:10.0.0.1']) t.notOk(isLoopbackHost(h), h);
});

t.test('plain only to loopback, TLS only with a pin, each with its code', async (t) => {
  t.match(planLink('mqtt://127.0.0.1:1883', POST), { secure: false, host: '127.0.0.1', port: 1883 });
  t.match(planLink('ws://localhost:9001/mqtt', POST), { secure: false, scheme: 'ws' });
  t.match(planLink('mqtts://hub.example.pe', { ...POST, ca: '/etc/chasqui/hub-ca.pem' }), { secure: true, port: 8883, ca: '/etc/chasqui/hub-ca.pem' });
  t.match(planLink('mqtts://[fd00::5]:8884', { ...POST, ca: 'x' }), { secure: true, host: 'fd00::5', port: 8884 });
  for (const url of ['mqtt://10.0.0.5:1883', 'mqtt://hub.example.pe', 'ws://hub.example.pe/mqtt', 'mqtt://0.0.0.0:1883']) {
    t.throws(() => planLink(url, { ...POST, ca: 'x' }), { code: 'CHASQUI_ERR_TLS_PLAIN_REMOTE' }, url);
  }
  t.throws(() => planLink('mqtts://hub.example.pe:8883', POST), { code: 'CHASQUI_ERR_TLS_NO_PIN', message: /hub\.ca/ });
  t.throws(() => planLink('wss://hub.example.pe/mqtt', { setting: 'broker.ca', urlSetting: 'broker.url' }), { code: 'CHASQUI_ERR_TLS_NO_PIN', message: /broker\.ca/ });
  t.throws(() => planLink('http://hub.example.pe', POST), { code: 'CHASQUI_ERR_CONFIG' });
  t.throws(() => planLink('not a url', POST), { code: 'CHASQUI_ERR_CONFIG' });
});

t.test('the pinned leaf passes under any name or address; another leaf needs its own name', async (t) => {
  const leaf = new X509Certificate(testTls().cert);
  const check = pinnedIdentity(parsePins(testTls().cert, 'pin'));
  t.equal(check('10.9.8.7', leaf.toLegacyObject()), undefined, 'the pinned certificate, reached at an address not in its SAN');
  t.equal(check('hub.elsewhere.pe', leaf.toLegacyObject()), undefined, 'or by a name not in it');
  // Pinned as a CA instead: the leaf (here the same cert under another pin) must match the name it was reached by.
  const byCa = pinnedIdentity(parsePins(imposterTls().cert, 'ca'));
  t.equal(byCa('localhost', leaf.toLegacyObject()), undefined, 'a name in its SAN');
  const err = byCa('10.9.8.7', leaf.toLegacyObject());
  t.match(err, { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  t.ok(isUntrustedCertificate(err) && isUntrustedCertificate({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
  t.notOk(isUntrustedCertificate({ code: 'ECONNRESET' }) || isUntrustedCertificate({ code: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC' }));
});

t.test('a pin file holds one or more PEM certificates', async (t) => {
  t.equal(parsePins(`${testTls().cert}\n${imposterTls().cert}`, 'f').length, 2);
  t.throws(() => parsePins('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n', 'f'), { code: 'CHASQUI_ERR_TLS_CERT' });
  t.throws(() => parsePins('-----BEGIN CERTIFICATE-----\nnotbase64\n-----END CERTIFICATE-----\n', 'f'), { code: 'CHASQUI_ERR_TLS_CERT' });
});
