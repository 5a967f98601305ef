// Turns OTLP AnyValue / KeyValue lists into plain JSON values. Works on both shapes the server
// sees: messages decoded by protobufjs (int64 as Long, bytes as Buffer, unset oneof members as
// prototype defaults) and OTLP/JSON objects (int64 as string or number, bytes as base64).

/** A loosely typed decoded message: protobufjs instance or parsed OTLP/JSON object. */
export type Message = Record<string, any>;

const hasOwn = Object.prototype.hasOwnProperty;

/** Nesting beyond this depth is cut (a hostile body must not exhaust the stack). */
const MAX_DEPTH = 32;

/** Converts an OTLP int64 (Long, number, bigint or decimal string) to a number, or to a string when it is not exactly representable. */
export function int64Value(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v && typeof v === 'object' && typeof (v as any).toNumber === 'function') {
    const n = (v as any).toNumber();
    return Number.isSafeInteger(n) ? n : String(v);
  }
  return 0;
}

/**
 * ms from ns given as a JSON number: above 2^53 the number is already rounded (by up to 256 ns
 * near today), so a time exactly on a millisecond may arrive just below it; nudge before flooring.
 */
export function numberNanosToMillis(v: number): number {
  return Math.floor((v > Number.MAX_SAFE_INTEGER ? v + 512 : v) / 1e6);
}

/** Converts a time in ns since epoch (fixed64 Long, decimal string or number) to whole ms; 0 or junk gives undefined. */
export function nanosToMillis(v: unknown): number | undefined {
  let ms: number;
  if (typeof v === 'string') {
    // ns since epoch has 19 digits: dropping the last 6 keeps the exact ms without float rounding.
    if (!/^\d{1,20}$/.test(v)) return undefined;
    ms = v.length > 6 ? Number(v.slice(0, -6)) : 0;
  } else if (typeof v === 'number') {
    ms = numberNanosToMillis(v);
  } else if (v && typeof v === 'object' && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number') {
    // ns = high·2^32 + low exceeds 2^53, so split 2^32 = 4294·10^6 + 967296 to divide exactly.
    const high = (v as { high: number }).high >>> 0;
    const low = (v as { low: number }).low >>> 0;
    ms = high * 4294 + Math.floor((high * 967296 + low) / 1e6);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Base64 text of OTLP bytes (Buffer/Uint8Array from protobuf; already base64 text in JSON). */
function bytesToBase64(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return '';
}

/**
 * Text of a decoded value, never throwing: OTLP/JSON is client input, and a JSON object such as
 * {"toString": 1} makes String() throw a TypeError (which would be a 500).
 */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return String(v);
  try {
    return typeof (v as { toNumber?: unknown }).toNumber === 'function' ? String(v) : JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

/** Converts one AnyValue to a plain JSON value (null when empty). */
export function plainValue(v: Message | null | undefined, depth = 0): unknown {
  if (v == null || typeof v !== 'object') return null;
  if (hasOwn.call(v, 'stringValue') && v.stringValue != null) return textOf(v.stringValue);
  if (hasOwn.call(v, 'intValue') && v.intValue != null) return int64Value(v.intValue);
  if (hasOwn.call(v, 'boolValue') && v.boolValue != null) return v.boolValue === true || v.boolValue === 'true';
  if (hasOwn.call(v, 'doubleValue') && v.doubleValue != null) {
    const d = typeof v.doubleValue === 'number' || typeof v.doubleValue === 'string' ? Number(v.doubleValue) : NaN;
    // JSON has no NaN or Infinity: keep them as their names rather than turning them into null.
    return Number.isFinite(d) ? d : textOf(v.doubleValue);
  }
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (hasOwn.call(v, 'kvlistValue') && v.kvlistValue != null) return plainObject(v.kvlistValue.values, depth + 1);
  if (hasOwn.call(v, 'arrayValue') && v.arrayValue != null) {
    const values = v.arrayValue.values;
    if (!Array.isArray(values)) return [];
    const out = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = plainValue(values[i], depth + 1);
    return out;
  }
  if (hasOwn.call(v, 'bytesValue') && v.bytesValue != null) return bytesToBase64(v.bytesValue);
  return null;
}

/** Converts a KeyValue list to a plain object (later keys win), or copies it into `into`. */
export function plainObject(list: unknown, depth = 0, into: Record<string, unknown> = {}): Record<string, unknown> {
  if (!Array.isArray(list)) return into;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    if (kv == null || typeof kv.key !== 'string') continue;
    const value = plainValue(kv.value, depth);
    // An attribute named "__proto__" must stay an attribute, not replace the object's prototype.
    if (kv.key === '__proto__') Object.defineProperty(into, kv.key, { value, enumerable: true, writable: true, configurable: true });
    else into[kv.key] = value;
  }
  return into;
}

/** Text of a record body: strings as they are, structured values as JSON text. */
export function bodyText(v: Message | null | undefined): string | undefined {
  if (v == null) return undefined;
  if (hasOwn.call(v, 'stringValue') && v.stringValue != null) return textOf(v.stringValue);
  const plain = plainValue(v);
  if (plain === null) return undefined;
  return typeof plain === 'string' ? plain : JSON.stringify(plain);
}

/** Lowercase hex of a trace or span id: bytes from protobuf, hex (per OTLP/JSON) or base64 text from JSON. */
export function idHex(v: unknown): string | undefined {
  if (v == null) return undefined;
  if (typeof v === 'string') {
    if (v === '') return undefined;
    const hex = /^[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
    return hex === '' || /^0+$/.test(hex) ? undefined : hex;
  }
  if (v instanceof Uint8Array) {
    if (v.length === 0) return undefined;
    const hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    // An all-zero id means "no id" in OTLP.
    return /^0+$/.test(hex) ? undefined : hex;
  }
  return undefined;
}
