/**
 * The embedded aedes broker: a region's default, one process, no extra
 * service to run. Posts authenticate against the registry; the ACL confines
 * each post to its own two topics. A misbehaving client is a logged event,
 * never a broker crash.
 */
import { Aedes, type AuthenticateError } from 'aedes';
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { canPublish, canSubscribe, type BrokerUser } from './broker-acl.js';
import { brokerListener, type ListenerTls } from './broker-listener.js';

export type BrokerAuth = {
  hubUser: string;
  hubPassword: string;
  hubClientId: string;
  verifyPost(postId: string, password: string): Promise<boolean>;
};

/**
 * A post's MQTT client id is bound to its identity: `post-<id>`, or
 * `post-<id>:<tool>` for a second session from the same post (a field
 * engineer's probe). No one can take over another's persistent session.
 */
export function postClientId(postId: string, tool?: string): string {
  return tool ? `post-${postId}:${tool}` : `post-${postId}`;
}

function clientIdBelongsTo(clientId: string, postId: string): boolean {
  return clientId === postClientId(postId) || clientId.startsWith(`${postClientId(postId)}:`);
}

type Authed = { chasquiUser?: BrokerUser };

export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(private readonly opts: {
    host: string; port: number; auth: BrokerAuth; logger: Logger;
    /** The hub's key and certificate files; without them the broker listens plain, on loopback only. */
    tls?: ListenerTls | undefined;
  }) {}

  async start(): Promise<number> {
    const { auth, logger } = this.opts;
    const aedes = await Aedes.createBroker({
      // A 64 kbit/s post can take minutes to drain a write; only a truly dead one should be cut.
      drainTimeout: 300_000,
      concurrency: 1000,
      queueLimit: 1000,
      authenticate: (client, username, password, done) => {
        identify(auth, client.id, username ?? '', password?.toString('utf8') ?? '').then((user) => {
          if (!user) {
            logger.warn({ code: 'CHASQUI_ERR_AUTH', username, clientId: client.id }, 'broker login refused');
            const err = new Error('bad username, password or client id') as AuthenticateError;
            err.returnCode = 4;
            return done(err, false);
          }
          (client as unknown as Authed).chasquiUser = user;
          done(null, true);
        }, (err: Error) => {
          logger.error({ code: 'CHASQUI_ERR_STORE', err: err.message }, 'broker login check failed');
          const e = new Error('server unavailable') as AuthenticateError;
          e.returnCode = 3;
          done(e, false);
        });
      },
      // A stored session's messages are forwarded without a new SUBSCRIBE: check them against the ACL too.
      authorizeForward: (client, packet) => {
        const user = (client as unknown as Authed).chasquiUser;
        return user && canSubscribe(user, packet.topic) ? packet : null;
      },
      authorizePublish: (client, packet, done) => {
        const user = client && (client as unknown as Authed).chasquiUser;
        if (user && canPublish(user, packet.topic)) return done(null);
        logger.warn({ code: 'CHASQUI_ERR_NOT_AUTHORIZED', clientId: client?.id, topic: packet.topic }, 'publish refused');
        done(new Error('not authorized'));
      },
      authorizeSubscribe: (client, sub, done) => {
        const user = (client as unknown as Authed).chasquiUser;
        if (user && canSubscribe(user, sub.topic)) return done(null, sub);
        logger.warn({ code: 'CHASQUI_ERR_NOT_AUTHORIZED', clientId: client.id, topic: sub.topic }, 'subscribe refused');
        done(null, null);
      },
    });
    aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'client error'));
    aedes.on('connectionError', (client, err) => logger.debug({ clientId: client?.id, err: err.message }, 'connection error'));
    this.aedes = aedes;
    this.server = brokerListener({ host: this.opts.host, tls: this.opts.tls, logger }, (stream) => aedes.handle(stream));
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  async stop(): Promise<void> {
    const { server, aedes } = this;
    this.server = undefined;
    this.aedes = undefined;
    // aedes first: it closes every client, and a net server only finishes closing once they are gone.
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function identify(auth: BrokerAuth, clientId: string, username: string, password: string): Promise<BrokerUser | null> {
  if (username === auth.hubUser) {
    return clientId === auth.hubClientId && sameSecret(password, auth.hubPassword) ? { kind: 'hub' } : null;
  }
  if (!clientIdBelongsTo(clientId, username)) return null;
  return (await auth.verifyPost(username, password)) ? { kind: 'post', postId: username } : null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
