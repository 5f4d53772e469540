/**
 * The WFDB header (.hea) format, as PhysioNet's header(5) man page defines it:
 * one record line, one line per signal, and `#` comment lines anywhere.
 * Pure text in, plain object out; no I/O.
 */
import { ChasquiError } from '../../lib/errors.js';

/** The sample formats of signal(5) this reader decodes. */
export type WfdbFormat = 16 | 24 | 212;

export interface WfdbSignal {
  /** The signal file, relative to the header's folder. */
  fileName: string;
  format: WfdbFormat;
  /** Bytes to skip at the start of the signal file (the `+offset` suffix). */
  byteOffset: number;
  /** ADC units per physical unit as written; 0 means "not calibrated", read as 200 (header(5)). */
  gain: number;
  /** The raw value that maps to physical 0; header(5) defaults it to the ADC zero. */
  baseline: number;
  /** Physical units; header(5) defaults them to millivolts ("mV"). */
  units: string;
  /** ADC resolution in bits; 0 or absent means the format's default. */
  adcResolution: number;
  adcZero: number;
  /** Value of the first sample (header(5) defaults it to the ADC zero). */
  initialValue: number;
  /** 16-bit checksum of all samples, or undefined when the header omits it. */
  checksum: number | undefined;
  blockSize: number;
  description: string;
}

export interface WfdbHeader {
  recordName: string;
  /** Samples per second per signal (header(5) default 250). */
  samplingFrequency: number;
  counterFrequency: number | undefined;
  baseCounter: number | undefined;
  /** Samples per signal; undefined when the header leaves it to the file length. */
  samplesPerSignal: number | undefined;
  baseTime: string | undefined;
  baseDate: string | undefined;
  signals: WfdbSignal[];
  /** Text of every `#` comment line, without the `#`, in order. */
  info: string[];
}

function fail(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function int(token: string, what: string): number {
  if (!INT.test(token)) fail(`header ${what} "${token}" is not an integer`);
  const n = Number(token);
  if (!Number.isSafeInteger(n)) fail(`header ${what} "${token}" is out of range`);
  return n;
}

function num(token: string, what: string): number {
  if (!NUM.test(token)) fail(`header ${what} "${token}" is not a number`);
  return Number(token);
}

/** Comment and blank lines may sit anywhere, even before the record line (header(5)). */
function splitLines(text: string): { lines: string[]; info: string[] } {
  const lines: string[] = [];
  const info: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) info.push(line.slice(1));
    else lines.push(line);
  }
  return { lines, info };
}

/** `fs[/counterfreq[(basecounter)]]`, header(5). */
function parseFrequency(token: string): Pick<WfdbHeader, 'samplingFrequency' | 'counterFrequency' | 'baseCounter'> {
  const m = /^([^/()]+)(?:\/([^/()]+)(?:\(([^()]+)\))?)?$/.exec(token);
  if (!m) fail(`header sampling frequency "${token}" is malformed`);
  const samplingFrequency = num(m[1]!, 'sampling frequency');
  if (!(samplingFrequency > 0)) fail(`header sampling frequency "${token}" must be positive`);
  return {
    samplingFrequency,
    counterFrequency: m[2] === undefined ? undefined : num(m[2], 'counter frequency'),
    baseCounter: m[3] === undefined ? undefined : num(m[3], 'base counter'),
  };
}

type RecordLine = Omit<WfdbHeader, 'signals' | 'info'> & { signalCount: number };

function parseRecordLine(line: string): RecordLine {
  const tokens = line.split(/\s+/);
  const [nameToken, nsig, fs, nsamp, baseTime, ...date] = tokens;
  if (nameToken!.includes('/')) fail(`record "${nameToken}" is a multi-segment record, which is not supported`);
  // header(5): record names are letters, digits and underscores (hyphens are tolerated by newer tools).
  if (!/^[\w-]+$/.test(nameToken!)) fail(`record name "${nameToken}" is malformed`);
  if (nsig === undefined) fail('record line has no number of signals');
  const signalCount = int(nsig, 'number of signals');
  if (signalCount < 0) fail('record line has a negative number of signals');
  const freq = fs === undefined ? { samplingFrequency: 250, counterFrequency: undefined, baseCounter: undefined } : parseFrequency(fs);
  let samplesPerSignal: number | undefined;
  if (nsamp !== undefined) {
    samplesPerSignal = int(nsamp, 'number of samples');
    if (samplesPerSignal < 0) fail('record line has a negative number of samples');
    // header(5): 0 means "unknown": take it from the length of the signal file.
    if (samplesPerSignal === 0) samplesPerSignal = undefined;
  }
  return {
    recordName: nameToken!,
    signalCount,
    ...freq,
    samplesPerSignal,
    baseTime,
    baseDate: date.length > 0 ? date.join(' ') : undefined,
  };
}

/** `format[xsamples][:skew][+offset]`, header(5). */
function parseFormat(token: string, fileName: string): Pick<WfdbSignal, 'format' | 'byteOffset'> {
  const m = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(token);
  if (!m) fail(`signal file ${fileName}: format field "${token}" is malformed`);
  const format = Number(m[1]);
  if (format !== 16 && format !== 24 && format !== 212) fail(`signal file ${fileName}: format ${format} is not supported (only 16, 24 and 212)`);
  if (m[2] !== undefined && Number(m[2]) > 1) {
    fail(`signal file ${fileName}: ${m[2]} samples per frame (multi-frequency records) are not supported`);
  }
  if (m[3] !== undefined && Number(m[3]) !== 0) fail(`signal file ${fileName}: skew ${m[3]} is not supported`);
  return { format, byteOffset: m[4] === undefined ? 0 : Number(m[4]) };
}

/** `gain[(baseline)][/units]`, header(5). */
function parseGain(token: string, fileName: string): { gain: number; baseline: number | undefined; units: string | undefined } {
  const m = /^([^(/]+)(?:\(([^)]*)\))?(?:\/(.+))?$/.exec(token);
  if (!m) fail(`signal file ${fileName}: ADC gain field "${token}" is malformed`);
  const gain = num(m[1]!, 'ADC gain');
  if (gain < 0) fail(`signal file ${fileName}: ADC gain ${gain} is negative`);
  return { gain, baseline: m[2] === undefined ? undefined : int(m[2], 'baseline'), units: m[3] };
}

/** The first `count` whitespace-separated tokens, and the rest of the line (the description may hold spaces). */
function tokens(line: string, count: number): { fields: string[]; rest: string } {
  const fields: string[] = [];
  let rest = line;
  while (fields.length < count) {
    const m = /^(\S+)\s*/.exec(rest);
    if (!m) break;
    fields.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { fields, rest: rest.trim() };
}

function parseSignalLine(line: string): WfdbSignal {
  const { fields, rest } = tokens(line, 8);
  const [fileName, fmt, gainToken, res, zero, init, checksum, block] = fields;
  if (fmt === undefined) fail(`signal line "${line}" has no format`);
  const { format, byteOffset } = parseFormat(fmt, fileName!);
  const g = gainToken === undefined ? { gain: 200, baseline: undefined, units: undefined } : parseGain(gainToken, fileName!);
  const adcZero = zero === undefined ? 0 : int(zero, 'ADC zero');
  return {
    fileName: fileName!,
    format,
    byteOffset,
    gain: g.gain,
    baseline: g.baseline ?? adcZero,
    units: g.units ?? 'mV',
    adcResolution: res === undefined ? 0 : int(res, 'ADC resolution'),
    adcZero,
    initialValue: init === undefined ? adcZero : int(init, 'initial value'),
    checksum: checksum === undefined ? undefined : int(checksum, 'checksum'),
    blockSize: block === undefined ? 0 : int(block, 'block size'),
    description: rest,
  };
}

/** Parse a WFDB header. Throws CHASQUI_ERR_ECG_FORMAT naming the part that is wrong. */
export function parseHeader(text: string): WfdbHeader {
  if (typeof text !== 'string') fail('header is not text');
  const { lines, info } = splitLines(text);
  const [recordLine, ...signalLines] = lines;
  if (recordLine === undefined) fail('header has no record line');
  const { signalCount, ...record } = parseRecordLine(recordLine);
  if (signalLines.length !== signalCount) {
    fail(`record line declares ${signalCount} signals but the header has ${signalLines.length} signal lines`);
  }
  return { ...record, signals: signalLines.map(parseSignalLine), info };
}

function gainField(s: WfdbSignal): string {
  return `${s.gain}(${s.baseline})/${s.units}`;
}

/** Write a header back out, every field explicit, comments last. */
export function formatHeader(h: WfdbHeader): string {
  let fs = String(h.samplingFrequency);
  if (h.counterFrequency !== undefined) {
    fs += `/${h.counterFrequency}`;
    if (h.baseCounter !== undefined) fs += `(${h.baseCounter})`;
  }
  const record = [h.recordName, h.signals.length, fs, h.samplesPerSignal ?? 0];
  if (h.baseTime !== undefined) record.push(h.baseTime);
  if (h.baseTime !== undefined && h.baseDate !== undefined) record.push(h.baseDate);
  const lines = [record.join(' ')];
  for (const s of h.signals) {
    const fmt = s.byteOffset > 0 ? `${s.format}+${s.byteOffset}` : String(s.format);
    const fields = [s.fileName, fmt, gainField(s), s.adcResolution, s.adcZero, s.initialValue, s.checksum ?? 0, s.blockSize];
    lines.push(fields.join(' ') + (s.description ? ` ${s.description}` : ''));
  }
  for (const c of h.info) lines.push(`#${c}`);
  return lines.join('\n') + '\n';
}
