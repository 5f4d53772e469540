/**
 * The ProtoCentral "OpenView" packet as the HealthyPi v3 HAT streams it, one
 * packet per ADS1292R sample (125 Hz), on the Raspberry Pi UART and on USB.
 *
 * Layout, from the HealthyPi v3 firmware (Protocentral/protocentral-healthypi-v3,
 * firmware/healthypi3_streaming/healthypi3_streaming.ino, loop(): DataPacket[0..26])
 * and the "Streaming Packet Format" table in docs/index.md of the same repo:
 *
 *   0  0x0A  1 0xFA            start of frame (CES_CMDIF_PKT_START_1/2)
 *   2  len LSB, 3 len MSB      payload length, 20 (data_len)
 *   4  0x02                    packet type: data
 *   payload (offsets below are from byte 5):
 *   0-1   ECG, int16 LE        ADS1292R channel 2 after the firmware's filters
 *   2-3   respiration, int16 LE (channel 1, impedance pneumography)
 *   4-7   PPG IR, int32 LE     AFE4490 register 0x2C (LED1VAL), sent as read << 10
 *   8-11  PPG red, int32 LE    AFE4490 register 0x2A (LED2VAL)
 *   12-13 temperature, int16 LE, 0.01 °C (MAX30205 × 100)
 *   14    respiration rate, breaths/min (0 = not yet computed)
 *   15    SpO2 %, the low byte of the int32 n_spo2; the firmware's "invalid"
 *         value −999 (0xFFFFFC19) therefore arrives as 25
 *   16    heart rate, bpm (0 = no QRS found in 3 s)
 *   17-18 blood pressure, not implemented (the firmware sends 80 and 0)
 *   19    lead status: bit 0 ECG lead off, bit 1 SpO2 probe off
 *   25 0x00, 26 0x0B           end of frame (CES_CMDIF_PKT_STOP)
 *
 * The firmware sends ECG and respiration as 0 while the leads are off.
 */
import type { FixedFrameRule } from './fixed-framer.js';

export const OPENVIEW_PAYLOAD_LENGTH = 20;
export const OPENVIEW_PACKET_LENGTH = 5 + OPENVIEW_PAYLOAD_LENGTH + 2;
export const OPENVIEW_TYPE_DATA = 0x02;
export const OPENVIEW_SAMPLE_RATE = 125;
/** SpO2 byte meaning "no valid value": the low byte of −999 (see above). */
export const OPENVIEW_SPO2_INVALID = 25;

export const LEAD_STATUS_ECG_OFF = 0x01;
export const LEAD_STATUS_SPO2_OFF = 0x02;

/** One data packet's fields, in device units. */
export interface OpenViewSample {
  ecg: number;
  respiration: number;
  ppgIr: number;
  ppgRed: number;
  /** Hundredths of a degree Celsius. */
  temperatureCenti: number;
  respirationRate: number;
  spo2: number;
  heartRate: number;
  leadStatus: number;
}

const FIXED: ReadonlyMap<number, number> = new Map([
  [0, 0x0a],
  [1, 0xfa],
  [2, OPENVIEW_PAYLOAD_LENGTH & 0xff],
  [3, OPENVIEW_PAYLOAD_LENGTH >> 8],
  [4, OPENVIEW_TYPE_DATA],
  [OPENVIEW_PACKET_LENGTH - 2, 0x00],
  [OPENVIEW_PACKET_LENGTH - 1, 0x0b],
]);

/**
 * Framing rule: only the data packet the HAT sends (length 20, type 2) is a
 * frame; a header with any other length or type is treated as a false start,
 * so a corrupted length byte cannot make the decoder swallow a long run.
 */
export const OPENVIEW_RULE: FixedFrameRule = {
  length: OPENVIEW_PACKET_LENGTH,
  markerLength: 2,
  accepts: (index, b) => {
    const want = FIXED.get(index);
    return want === undefined || want === b;
  },
};

/** Fields of a whole packet (27 bytes, framing already checked). */
export function parseOpenViewPacket(p: Uint8Array): OpenViewSample {
  const v = new DataView(p.buffer, p.byteOffset + 5, OPENVIEW_PAYLOAD_LENGTH);
  return {
    ecg: v.getInt16(0, true),
    respiration: v.getInt16(2, true),
    ppgIr: v.getInt32(4, true),
    ppgRed: v.getInt32(8, true),
    temperatureCenti: v.getInt16(12, true),
    respirationRate: v.getUint8(14),
    spo2: v.getUint8(15),
    heartRate: v.getUint8(16),
    leadStatus: v.getUint8(19),
  };
}

/** The packet the HAT would send for `s` (for the emulator and tests). */
export function encodeOpenViewPacket(s: OpenViewSample): Uint8Array {
  const p = new Uint8Array(OPENVIEW_PACKET_LENGTH);
  for (const [i, b] of FIXED) p[i] = b;
  const v = new DataView(p.buffer, 5, OPENVIEW_PAYLOAD_LENGTH);
  v.setInt16(0, s.ecg, true);
  v.setInt16(2, s.respiration, true);
  v.setInt32(4, s.ppgIr, true);
  v.setInt32(8, s.ppgRed, true);
  v.setInt16(12, s.temperatureCenti, true);
  v.setUint8(14, s.respirationRate);
  v.setUint8(15, s.spo2);
  v.setUint8(16, s.heartRate);
  v.setUint8(17, 80); // the firmware's placeholder diastolic pressure
  v.setUint8(18, 0);
  v.setUint8(19, s.leadStatus);
  return p;
}
