/**
 * CRC-CCITT as SCP-ECG (EN 1064:2005) uses it for the record and every section:
 * polynomial x^16 + x^12 + x^5 + 1 (0x1021), initial value 0xFFFF, bits
 * taken most significant first, no final XOR ("CRC-16/CCITT-FALSE"). Checked
 * against test.scp, whose record and eleven section CRCs all match.
 * The file CRC covers every byte after itself; each section CRC covers the
 * section from its byte 3 to its end.
 */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    table[n] = c;
  }
  return table;
})();

/** CRC of bytes[start, end). */
export function crcCcitt(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ (TABLE[((crc >>> 8) ^ (bytes[i] ?? 0)) & 0xff] ?? 0)) & 0xffff;
  }
  return crc;
}
