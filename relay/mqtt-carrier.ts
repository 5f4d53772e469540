/**
 * MQTT carrier on mqtt.js. Persistent session (clean=false) at QoS 1 so the
 * broker keeps what it has not delivered; TCP_NODELAY because Nagle would hold
 * small acknowledgements for a round trip; a short keepalive because a VSAT
 * link dies silently and mqtt.js's default notices only after ~90 s.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Carrier, CarrierEvents, InboundMessage } from './carrier.js';
import { ForgetfulStore } from './forgetful-store.js';

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
  logger: Logger;
};

export class MqttCarrier implements Carrier {
  private client: MqttClient | undefined;
  private readonly events = new EventEmitter();
  private connected = false;

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
    const client = mqtt.connect(url, {
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
    });
    this.client = client;
    // Acknowledge at once: the relay persists and acknowledges end to end itself,
    // and one-at-a-time handling would forbid batching commits.
    client.handleMessage = (packet, done) => {
      this.events.emit('message', { topic: packet.topic, payload: packet.payload as Buffer } satisfies InboundMessage);
      done();
    };
    client.on('connect', (connack) => this.onConnect(client, connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', (err) => o.logger.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'mqtt error'));
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
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.connected = false;
  }
}
