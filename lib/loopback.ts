/** Whether an address never leaves the machine: the one rule for plain MQTT (relay/link-security.ts) and plain HTTP (lib/tls/web-tls.ts). */
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and `localhost` (RFC 6761 §6.3: it never leaves the machine). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}
