/**
 * MQTT carrier on mqtt.js. Persistent session (clean=false) at QoS 1 so the
 * broker keeps what it has not delivered; TCP_NODELAY because Nagle would hold
 * small acknowledgements for a round trip; a short keepalive because a VSAT
 * link dies silently and mqtt.js's default notices only after ~90 s.
 * TLS, pinned, on anything but loopback (link-security.ts). The TCP and TLS
 * streams are built here rather than by mqtt.js so that each reconnect offers
 * the last TLS session: a resumed handshake skips the certificate and its
 * signature, which a cut VSAT link otherwise pays for on every reconnect.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createConnection, isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { ChasquiError } from '../lib/errors.js';
import type { Carrier, CarrierEvents, InboundMessage } from './carrier.js';
import { ForgetfulStore } from './forgetful-store.js';
import { coalesceWrites } from './write-coalescing.js';
import { isUntrustedCertificate, parsePins, pinnedIdentity, planLink, type LinkPlan } from './link-security.js';

export type MqttCarrierOptions = {
  /** A function when the address is known only at start (an embedded broker on port 0). */
  url: string | (() => string);
  clientId: string;
  username: string;
  password: string;
  subscriptions: string[];
  keepaliveS: number;
  reconnectMs: number;
  connectTimeoutMs: number;
  /** PEM file of the pinned broker certificate (or its CA); required for mqtts:// and wss://. */
  ca?: string | undefined;
  /** Config keys named in refusals (default `hub.ca`, `hub.url`: the post's). */
  settings?: { ca: string; url: string };
  /** Offer the last TLS session on reconnect (default true; off only to measure what it saves). */
  resumeTls?: boolean;
  logger: Logger;
};

export type TlsCounters = { handshakes: number; resumed: number };

export class MqttCarrier implements Carrier {
  private client: MqttClient | undefined;
  private readonly events = new EventEmitter();
  private connected = false;
  private tlsSession: Buffer | undefined;
  readonly tlsCounters: TlsCounters = { handshakes: 0, resumed: 0 };

  constructor(private readonly opts: MqttCarrierOptions) {}

  get isConnected(): boolean {
    return this.connected;
  }

  on<E extends keyof CarrierEvents>(event: E, listener: CarrierEvents[E]): void {
    this.events.on(event, listener);
  }

  async start(): Promise<void> {
    const o = this.opts;
    const url = typeof o.url === 'function' ? o.url() : o.url;
    const settings = o.settings ?? { ca: 'hub.ca', url: 'hub.url' };
    const plan = planLink(url, { ca: o.ca, setting: settings.ca, urlSetting: settings.url });
    const tls = plan.secure ? tlsOptions(plan, settings.ca) : undefined;
    const options: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      clean: false,
      protocolVersion: 4,
      keepalive: o.keepaliveS,
      reconnectPeriod: o.reconnectMs,
      connectTimeout: o.connectTimeoutMs,
      resubscribe: true,
      // The relay's own outbox is the queue; mqtt.js's memory queue would only duplicate it.
      queueQoSZero: false,
      outgoingStore: new ForgetfulStore(),
    };
    const client = plan.scheme === 'mqtt' || plan.scheme === 'mqtts'
      ? new MqttClient(() => this.openStream(plan, tls), options)
      // WebSockets stay mqtt.js's (same pin, no session reuse): no Chasqui deployment uses them today.
      : mqtt.connect(url, { ...options, ...tls });
    this.client = client;
    // Acknowledge at once: the relay persists and acknowledges end to end itself,
    // and one-at-a-time handling would forbid batching commits.
    client.handleMessage = (packet, done) => {
      this.events.emit('message', { topic: packet.topic, payload: packet.payload as Buffer } satisfies InboundMessage);
      done();
    };
    client.on('connect', (connack) => this.onConnect(client, connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', (err) => {
      if (isUntrustedCertificate(err)) {
        // Retried, since the real hub may be back behind the same address, but never quietly.
        o.logger.error({ code: 'CHASQUI_ERR_TLS_UNTRUSTED', tlsCode: (err as { code?: unknown }).code, err: err.message, url },
          'broker refused: its certificate does not verify against the pin; nothing was sent');
      } else {
        o.logger.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'mqtt error');
      }
    });
  }

  private openStream(plan: LinkPlan, tls: PinnedTls | undefined): TLSSocket | ReturnType<typeof createConnection> {
    if (!plan.secure) return createConnection({ host: plan.host, port: plan.port, noDelay: true });
    const resume = this.opts.resumeTls !== false;
    const tcp = createConnection({ host: plan.host, port: plan.port, noDelay: true });
    // `host` is still given: it is the name the certificate is checked against.
    const socket = tlsConnect({ ...tls, socket: tcp, host: plan.host, ...(resume && this.tlsSession ? { session: this.tlsSession } : {}) });
    // TLS 1.3 hands out tickets after the handshake, possibly several: the last one is the freshest.
    if (resume) socket.on('session', (session: Buffer) => { this.tlsSession = session; });
    coalesceWrites(socket, { flushOnDestroy: false });
    socket.once('secureConnect', () => {
      this.tlsCounters.handshakes++;
      if (socket.isSessionReused()) this.tlsCounters.resumed++;
    });
    return socket;
  }

  private onConnect(client: MqttClient, sessionPresent: boolean): void {
    (client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
    this.opts.logger.info({ sessionPresent }, 'connected to broker');
    client.subscribe(this.opts.subscriptions, { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((g) => g.qos === 128) ?? [];
      if (err || refused.length) this.opts.logger.error({ err: err?.message, refused: refused.map((g) => g.topic) }, 'subscription refused');
    });
    // No wait for SUBACK: the broker handles our SUBSCRIBE before anything we publish after it,
    // so every answer to our publishes finds the subscription in place. One round trip saved per reconnect.
    this.connected = true;
    this.events.emit('connected');
  }

  private onClose(): void {
    if (!this.connected) return;
    this.connected = false;
    this.opts.logger.warn('disconnected from broker');
    this.events.emit('disconnected');
  }

  publish(topic: string, payload: Buffer): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('carrier not started'));
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  }

  publishVolatile(topic: string, payload: Buffer): void {
    // queueQoSZero is off, so mqtt.js drops this while offline instead of queueing it.
    if (!this.client || !this.connected) return;
    this.client.publish(topic, payload, { qos: 0, retain: false }, (err) => {
      if (err) this.opts.logger.debug({ err: err.message, topic }, 'volatile publish failed');
    });
  }

  async stop(): Promise<void> {
    this.tlsSession = undefined;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.connected = false;
  }
}

/** The pinned certificate(s) as tls.connect options; a missing or empty pin file stops startup. */
type PinnedTls = Required<Pick<ConnectionOptions, 'checkServerIdentity' | 'minVersion'>> & { ca: string[]; servername?: string };

function tlsOptions(plan: Extract<LinkPlan, { secure: true }>, setting: string): PinnedTls {
  let pem: string;
  try {
    pem = readFileSync(plan.ca, 'utf8');
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `${setting} ${plan.ca}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const pins = parsePins(pem, `${setting} ${plan.ca}`);
  return {
    ca: pins.map((p) => p.toString()),
    checkServerIdentity: pinnedIdentity(pins),
    // SNI carries names only (RFC 6066 §3); a hub reached by address gets none.
    ...(isIP(plan.host) ? {} : { servername: plan.host }),
    minVersion: 'TLSv1.2',
  };
}
