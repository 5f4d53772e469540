/**
 * MQTT 3.1.1 packets as raw bytes, for tests that must write what no client
 * library would (a header announcing 250 MB, then a trickle) or see exactly
 * where a connection is cut. Layouts from the OASIS MQTT 3.1.1 standard:
 * fixed header 2.2, CONNECT 3.1, PUBLISH 3.3, SUBSCRIBE 3.8, PINGREQ 3.12.
 */

/** The remaining-length varint [MQTT-2.2.3]: 7 bits a byte, least significant first. */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** Only the fixed header of a packet of this type and body size: what a flood sends before its body. */
export function fixedHeader(typeAndFlags: number, bodyBytes: number): Buffer {
  return Buffer.concat([Buffer.from([typeAndFlags]), remainingLength(bodyBytes)]);
}

export function connectPacket(o: { clientId: string; username?: string; password?: string | Buffer; keepaliveS?: number; clean?: boolean }): Buffer {
  // Flags [MQTT-3.1.2-3]: bit 7 username, bit 6 password, bit 1 clean session.
  const flags = (o.username !== undefined ? 0x80 : 0) | (o.password !== undefined ? 0x40 : 0) | (o.clean === false ? 0 : 0x02);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepaliveS ?? 30);
  const body = Buffer.concat([
    str('MQTT'), Buffer.from([4, flags]), keepalive, str(o.clientId),
    ...(o.username !== undefined ? [str(o.username)] : []),
    ...(o.password !== undefined ? [str(typeof o.password === 'string' ? Buffer.from(o.password) : o.password)] : []),
  ]);
  return Buffer.concat([fixedHeader(0x10, body.length), body]);
}

/** A QoS 0 PUBLISH header and topic for `payloadBytes` to follow (not included). */
export function publishHead(topic: string, payloadBytes: number): Buffer {
  const t = str(topic);
  return Buffer.concat([fixedHeader(0x30, t.length + payloadBytes), t]);
}

export function publishPacket(topic: string, payload: Buffer): Buffer {
  return Buffer.concat([publishHead(topic, payload.length), payload]);
}

export function subscribePacket(messageId: number, topic: string, qos: 0 | 1 = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  const body = Buffer.concat([id, str(topic), Buffer.from([qos])]);
  // SUBSCRIBE's fixed-header flags must be 0010 [MQTT-3.8.1-1].
  return Buffer.concat([fixedHeader(0x82, body.length), body]);
}

export function pingreqPacket(): Buffer {
  return Buffer.from([0xc0, 0x00]);
}
