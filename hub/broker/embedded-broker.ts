/**
 * The embedded aedes broker: a region's default, one process, no extra
 * service to run. Posts authenticate against the registry; the ACL confines
 * each post to its own two topics. Every connection passes the packet gate
 * (packet-gate.ts) before aedes reads a byte of it, and every login the
 * throttle (login-throttle.ts). A misbehaving client is a logged event,
 * never a broker crash.
 */
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { ErrorCode } from '../../lib/errors.js';
import { canPublish, canSubscribe, type BrokerUser } from './broker-acl.js';
import { brokerLogin, type BrokerAuth } from './broker-login.js';
import { PostSessions, type SessionInfo } from './broker-sessions.js';
import { GatedConnection, type Socketish } from './gated-connection.js';
import { LoginThrottle, OncePer, type ThrottleOptions, type ThrottleStats } from './login-throttle.js';
import { DEFAULT_GATE_LIMITS, type GateCut, type GateLimits } from './packet-gate.js';
import { brokerListener, type ListenerTls } from './broker-listener.js';

export type { BrokerAuth } from './broker-login.js';
export { postClientId } from './broker-login.js';

/** What the hub counts (hub/links/metrics.ts): connections cut by the packet gate, logins refused. */
export type BrokerEvent = { kind: 'cut'; cut: GateCut } | { kind: 'login-refused'; code: ErrorCode };

export type EmbeddedBrokerOptions = {
  host: string; port: number; auth: BrokerAuth; logger: Logger;
  limits?: Partial<GateLimits>; throttle?: Partial<ThrottleOptions>; clock?: Clock;
  onEvent?: (e: BrokerEvent) => void;
  /** The hub's key and certificate files; without them the broker listens plain, on loopback only. */
  tls?: ListenerTls | undefined;
};

type Authed = { chasquiUser?: BrokerUser };

export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sessions = new PostSessions<Client>();
  private throttle: LoginThrottle | undefined;
  private readonly throttledLogs = new OncePer(1000);
  private readonly now = () => (this.opts.clock ?? systemClock).now();

  constructor(private readonly opts: EmbeddedBrokerOptions) {}

  async start(): Promise<number> {
    const { auth, logger } = this.opts;
    const throttle = new LoginThrottle(this.opts.clock ?? systemClock, this.opts.throttle);
    this.throttle = throttle;
    const aedes = await Aedes.createBroker({
      // A 64 kbit/s post can take minutes to drain a write; only a truly dead one should be cut.
      drainTimeout: 300_000,
      concurrency: 1000,
      queueLimit: 1000,
      // `post-` + a post id of up to 63 characters + `:` + a tool name; aedes' default of 23 cuts long ids.
      maxClientsIdLength: 128,
      authenticate: (client, username, password, done) => {
        const conn = client.conn as unknown as GatedConnection;
        const attempt = { clientId: client.id, username: username ?? '', password: password?.toString('utf8') ?? '', address: conn.remoteAddress };
        brokerLogin(auth, throttle, attempt).then((result) => {
          if (!result.ok) {
            if (result.code !== 'CHASQUI_ERR_LOGIN_THROTTLED') {
              logger.warn({ code: result.code, username, clientId: client.id, address: attempt.address, reason: result.reason }, 'broker login refused');
            } else if (this.throttledLogs.take(this.now())) {
              // A flood must not become a log flood: one line a second, saying how many it stands for.
              logger.warn({ code: result.code, username, clientId: client.id, address: attempt.address, reason: result.reason, alsoRefused: this.throttledLogs.suppressed() },
                'broker login refused');
            }
            this.opts.onEvent?.({ kind: 'login-refused', code: result.code });
            const err = new Error(result.reason) as AuthenticateError;
            err.returnCode = result.returnCode;
            return done(err, false);
          }
          (client as unknown as Authed).chasquiUser = result.user;
          conn.authenticated();
          if (result.user.kind === 'post') this.track(client, result.user, attempt.address);
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
    this.server = brokerListener({ host: this.opts.host, tls: this.opts.tls, logger }, (stream) => this.accept(stream as Socketish));
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /** Password checks run and logins refused unchecked, since start. */
  loginStats(): ThrottleStats | undefined {
    return this.throttle?.stats();
  }

  /** Every live session of one post (or of all), tool sessions included. */
  postSessions(postId?: string): SessionInfo[] {
    return this.sessions.list(postId);
  }

  /** Cuts every live session of the post at once (revoked or re-keyed); it must log in again to come back. */
  disconnectPost(postId: string, why: 'revoked' | 're-keyed'): number {
    const closed = this.sessions.disconnect(postId);
    if (closed.length > 0) {
      this.opts.logger.warn({ code: why === 'revoked' ? 'CHASQUI_ERR_POST_REVOKED' : 'CHASQUI_ERR_AUTH', postId, sessions: closed.map((s) => s.clientId) },
        `post ${why}: live sessions cut`);
    }
    return closed.length;
  }

  /** aedes never sees the socket itself, only what the packet gate lets through. */
  private accept(socket: Socketish): void {
    const aedes = this.aedes;
    if (!aedes) return void socket.destroy();
    const limits = { ...DEFAULT_GATE_LIMITS, ...this.opts.limits };
    const conn = new GatedConnection(socket, limits, (cut) => {
      this.opts.logger.warn({ code: 'CHASQUI_ERR_PACKET_REFUSED', cut, address: conn.remoteAddress }, 'broker connection cut');
      this.opts.onEvent?.({ kind: 'cut', cut });
    });
    aedes.handle(conn);
  }

  private track(client: Client, user: Extract<BrokerUser, { kind: 'post' }>, address: string): void {
    // Gone while its password was being checked: nothing would ever remove it again.
    if (client.conn.destroyed) return;
    const info: SessionInfo = { postId: user.postId, clientId: client.id, address, ...(user.tool ? { tool: user.tool } : {}) };
    this.sessions.add(client, info);
    client.conn.once('close', () => this.sessions.remove(client, user.postId));
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
