/**
 * An mqtt.js outgoing store that keeps nothing. mqtt.js replays its in-memory
 * store after every reconnect one message per broker round trip (stop-and-wait:
 * two 8 KiB chunks cost ~3 s at 64 kbit/s, 600 ms RTT) and blocks new
 * publishes until it is done, then our relay asks the receiver and resends what
 * is missing anyway. The SQLite outbox is the only store that counts.
 */
import { Readable } from 'node:stream';
import type { IStore, PacketCallback } from 'mqtt';
import type { Packet } from 'mqtt-packet';

export class ForgetfulStore implements IStore {
  put(_packet: Packet, cb: (err?: Error) => void): this {
    cb();
    return this;
  }

  createStream(): IStore['createStream'] extends () => infer R ? R : never {
    return Readable.from([]) as unknown as ReturnType<IStore['createStream']>;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    cb(undefined, packet as Packet);
    return this;
  }

  get(_packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    cb(new Error('the relay keeps no MQTT store'));
    return this;
  }

  close(cb: (err?: Error) => void): void {
    cb();
  }
}
