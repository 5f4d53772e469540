/**
 * What the relay needs from a message carrier. MQTT is the one in production;
 * the seam keeps the relay's logic testable and says plainly that the carrier
 * stores nothing the relay relies on.
 */
export type InboundMessage = { topic: string; payload: Buffer };

export type CarrierEvents = {
  connected: () => void;
  disconnected: () => void;
  message: (msg: InboundMessage) => void;
};

export interface Carrier {
  readonly isConnected: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the broker has the message (PUBACK); the relay does not wait on it for correctness. */
  publish(topic: string, payload: Buffer): Promise<void>;
  /**
   * QoS 0, not retained, dropped when offline: for a heartbeat, where only the
   * latest matters and a stale one must never be queued or resent.
   */
  publishVolatile?(topic: string, payload: Buffer): void;
  on<E extends keyof CarrierEvents>(event: E, listener: CarrierEvents[E]): void;
}
