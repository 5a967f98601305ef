// Durations and sizes in comparisons (`duration:>250ms`, `bytes:>10KB`). A bound carries the unit
// it was written with; a field value compares against it either as a bare number (read in the
// bound's unit: `{"latency_ms": 300}` matches `latency_ms:>250ms`) or as text with a unit of the
// same kind (`"312ms"`, `"1.5s"`, `"1m30s"`, `"12 KiB"`), both then converted to a base unit.
import { DURATION_UNITS, SIZE_UNITS, type Unit } from './ast.js';

/** Nanoseconds per duration unit; bytes per size unit. */
const FACTOR: Record<Unit, number> = {
  ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

const SIZE_BY_LOWER = new Map<string, Unit>(SIZE_UNITS.map((u) => [u.toLowerCase(), u]));

/** The unit spelled `text` (durations case-sensitive; sizes in any case, `kb` = `KB`), or undefined. */
export function unitNamed(text: string): Unit | undefined {
  // The micro sign (U+00B5) is canonical; the Greek mu (U+03BC) looks the same and is accepted.
  if (text === '\u03bcs') return 'µs';
  if ((DURATION_UNITS as readonly string[]).includes(text)) return text as Unit;
  return SIZE_BY_LOWER.get(text.toLowerCase());
}

/** Whether a unit is a duration (else a size). */
export function isDurationUnit(u: Unit): boolean {
  return (DURATION_UNITS as readonly string[]).includes(u);
}

/** A value in the base unit of its kind (ns or bytes). */
export function toBase(value: number, unit: Unit): number {
  return value * FACTOR[unit];
}

// `\d+(?:\.\d*)?` rather than `\d+\.?\d*` (the same numbers): no run of digits can be split
// between two quantifiers, so anchored patterns fail in linear time (see fields.ts DECIMAL).
const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const DURATION_TEXT = new RegExp(String.raw`^(?:(${NUM.replace('[+-]?', '')})(ns|us|µs|μs|ms|s|m|h))+$`);
const DURATION_PART = new RegExp(String.raw`(${NUM.replace('[+-]?', '')})(ns|us|µs|μs|ms|s|m|h)`, 'g');
const SIZE_TEXT = new RegExp(String.raw`^(${NUM}) ?([KMGT]i?B|B)$`, 'i');

/**
 * The base-unit value of a field's text when it is a duration (`250ms`, `1.5s`, Go's `1h2m3.5s`,
 * optionally signed) or a size (`10KB`, `2 MiB`) of the same kind as `kind`; undefined otherwise.
 */
export function textToBase(text: string, kindIsDuration: boolean): number | undefined {
  const t = text.trim();
  if (t.length === 0 || t.length > 64) return undefined;
  if (kindIsDuration) {
    const sign = t[0] === '-' ? -1 : 1;
    const body = t[0] === '-' || t[0] === '+' ? t.slice(1) : t;
    if (!DURATION_TEXT.test(body)) return undefined;
    let ns = 0;
    for (const m of body.matchAll(DURATION_PART)) ns += Number(m[1]) * FACTOR[unitNamed(m[2]) as Unit];
    return Number.isFinite(ns) ? sign * ns : undefined;
  }
  const m = SIZE_TEXT.exec(t);
  if (!m) return undefined;
  const unit = unitNamed(m[2]);
  if (!unit) return undefined;
  const n = Number(m[1]) * FACTOR[unit];
  return Number.isFinite(n) ? n : undefined;
}
