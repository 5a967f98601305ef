// Per-source overrides for the rare format no heuristic reads: a timestamp format, where the
// level is (a field name, or a regex), and a regex with named groups for the whole line. Given
// by the operator (collector flags, the server's --parse-config), so the regexes are trusted.
//
// Timestamp formats use Java/Go-style letters (`yyyy-MM-dd HH:mm:ss.SSS`, `dd/MMM/yyyy:HH:mm:ss Z`,
// `'T'` quoted literals) or strftime (`%Y-%m-%d %H:%M:%S`, `%d/%b/%Y:%H:%M:%S %z`), or one of
// `epoch`, `epoch_ms`, `epoch_us`, `epoch_ns`.
import type { Level } from '../levels.js';
import { parseTimestamp } from './epoch.js';
import { levelFromWord } from './level.js';
import { scanned, finishFields, monthAt, NO_ZONE } from './timestamp.js';

/** An override as written in configuration. */
export interface OverrideSpec {
  /** The layout of the timestamp (see the top of this file). */
  timestampFormat?: string;
  /** The field (JSON/logfmt key, key=value name or named group) that holds the level. */
  levelField?: string;
  /** A regex whose group `level` (or group 1) is the level word. */
  levelRegex?: string;
  /** A regex with named groups for the whole line: `ts`, `level`, `msg`; any other group becomes an attr. */
  regex?: string;
}

/** A compiled override, ready for applyOverride. */
export interface LineOverride {
  spec: OverrideSpec;
  time?: TimeFormat;
  levelRegex?: RegExp;
  regex?: RegExp;
}

interface TimeFormat {
  /** The format as a regex (unanchored), with the fields' groups in `fields` order. */
  re: RegExp;
  fields: string[];
  epoch?: number;
}

// Java/Go-style letters, longest first, and what they read.
const JAVA_TOKENS: [string, string, string][] = [
  ['yyyy', 'y', '(\\d{4})'], ['yy', 'yy', '(\\d{2})'],
  ['MMMM', 'mon', '([A-Za-z]{3,9})'], ['MMM', 'mon', '([A-Za-z]{3})'], ['MM', 'M', '(\\d{2})'], ['M', 'M', '(\\d{1,2})'],
  ['dd', 'd', '(\\d{2})'], ['d', 'd', '(\\d{1,2})'],
  ['HH', 'H', '(\\d{2})'], ['H', 'H', '(\\d{1,2})'], ['hh', 'h', '(\\d{2})'], ['h', 'h', '(\\d{1,2})'],
  ['mm', 'm', '(\\d{2})'], ['ss', 's', '(\\d{2})'],
  ['SSSSSSSSS', 'f', '(\\d{9})'], ['SSSSSS', 'f', '(\\d{6})'], ['SSS', 'f', '(\\d{3})'], ['SS', 'f', '(\\d{2})'], ['S', 'f', '(\\d)'],
  ['a', 'ampm', '([AaPp][Mm])'],
  ['XXX', 'z', '(Z|[+-]\\d{2}:?\\d{2})'], ['XX', 'z', '(Z|[+-]\\d{2}:?\\d{2})'], ['X', 'z', '(Z|[+-]\\d{2}(?::?\\d{2})?)'],
  ['ZZZ', 'z', '(Z|[+-]\\d{2}:?\\d{2})'], ['ZZ', 'z', '(Z|[+-]\\d{2}:?\\d{2})'], ['Z', 'z', '(Z|[+-]\\d{2}:?\\d{2})'],
  ['EEEE', '', '(?:[A-Za-z]+)'], ['EEE', '', '(?:[A-Za-z]{3})'],
];

const STRFTIME: Record<string, [string, string]> = {
  Y: ['y', '(\\d{4})'], y: ['yy', '(\\d{2})'], m: ['M', '(\\d{1,2})'], d: ['d', '(\\d{1,2})'], e: ['d', '\\s?(\\d{1,2})'],
  H: ['H', '(\\d{1,2})'], I: ['h', '(\\d{1,2})'], M: ['m', '(\\d{2})'], S: ['s', '(\\d{2})'],
  L: ['f', '(\\d{3})'], f: ['f', '(\\d{1,9})'], z: ['z', '(Z|[+-]\\d{2}:?\\d{2})'], Z: ['', '(?:[A-Z]{2,5})'],
  b: ['mon', '([A-Za-z]{3})'], h: ['mon', '([A-Za-z]{3})'], B: ['mon', '([A-Za-z]{3,9})'], p: ['ampm', '([AaPp][Mm])'],
  a: ['', '(?:[A-Za-z]{3})'], A: ['', '(?:[A-Za-z]+)'], T: ['', ''], '%': ['', '%'],
};

const EPOCHS: Record<string, number> = { epoch: 1, epoch_s: 1, epoch_ms: 1e3, epoch_us: 1e6, epoch_ns: 1e9 };

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c.replace(/ /g, '\\s+');
}

/** Compiles a timestamp format; throws an Error saying what is wrong. */
export function compileTimeFormat(format: string): TimeFormat {
  if (format.trim() === '') throw new Error('the timestamp format is empty');
  const epoch = EPOCHS[format.trim().toLowerCase()];
  if (epoch !== undefined) return { re: /(\d{9,19}(?:\.\d+)?)/, fields: ['epoch'], epoch };
  let src = '';
  const fields: string[] = [];
  if (format.includes('%')) {
    for (let i = 0; i < format.length; i++) {
      const c = format[i];
      if (c !== '%') {
        src += escapeRe(c);
        continue;
      }
      const k = format[++i];
      if (k === 'T') {
        src += '(\\d{1,2}):(\\d{2}):(\\d{2})';
        fields.push('H', 'm', 's');
        continue;
      }
      const t = k === undefined ? undefined : STRFTIME[k];
      if (t === undefined) throw new Error(`the timestamp format "${format}" has an unknown conversion "%${k ?? ''}"`);
      src += t[1];
      if (t[0] !== '') fields.push(t[0]);
    }
  } else {
    let i = 0;
    outer: while (i < format.length) {
      if (format[i] === "'") {
        const close = format.indexOf("'", i + 1);
        if (close < 0) throw new Error(`the timestamp format "${format}" has an unclosed quote`);
        for (const c of format.slice(i + 1, close)) src += escapeRe(c);
        i = close + 1;
        continue;
      }
      for (const [tok, field, re] of JAVA_TOKENS) {
        if (format.startsWith(tok, i)) {
          src += re;
          if (field !== '') fields.push(field);
          i += tok.length;
          continue outer;
        }
      }
      // Fractions of any length after a dot or comma: `ss.SSSSSSS`.
      if (/[A-Za-z]/.test(format[i])) throw new Error(`the timestamp format "${format}" has an unknown letter "${format[i]}" (quote literal text as 'T')`);
      src += escapeRe(format[i]);
      i++;
    }
  }
  for (const need of ['d', 'H', 'm']) {
    if (!fields.includes(need)) throw new Error(`the timestamp format "${format}" has no ${need === 'd' ? 'day' : need === 'H' ? 'hour' : 'minute'} field`);
  }
  if (!fields.includes('M') && !fields.includes('mon')) throw new Error(`the timestamp format "${format}" has no month field`);
  if (fields.includes('h') && !fields.includes('ampm')) throw new Error(`the timestamp format "${format}" uses a 12-hour clock without AM/PM`);
  return { re: new RegExp(src), fields };
}

/** Reads text with a compiled format; ms since epoch or undefined. `anchored`: the text must start with it. */
export function readTime(f: TimeFormat, text: string, now: number | undefined, anchored: boolean): number | undefined {
  const m = f.re.exec(text);
  if (m === null || (anchored && m.index !== 0)) return undefined;
  if (f.epoch !== undefined) {
    const n = Number(m[1]);
    return Number.isFinite(n) ? Math.floor((n * 1000) / f.epoch) : undefined;
  }
  let y = -1;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let ms = 0;
  let zone = NO_ZONE;
  let pm = -1;
  for (let i = 0; i < f.fields.length; i++) {
    const v = m[i + 1];
    switch (f.fields[i]) {
      case 'y': y = Number(v); break;
      case 'yy': y = 2000 + Number(v); break;
      case 'M': mo = Number(v); break;
      case 'mon': mo = monthAt(v, 0); break;
      case 'd': d = Number(v); break;
      case 'H': h = Number(v); break;
      case 'h': h = Number(v) % 12; break;
      case 'm': mi = Number(v); break;
      case 's': s = Number(v); break;
      case 'f': ms = Math.floor(Number(`0.${v}`) * 1000); break;
      case 'ampm': pm = /^[Pp]/.test(v) ? 1 : 0; break;
      case 'z':
        if (v === 'Z') zone = 0;
        else {
          const digits = v.replace(':', '');
          zone = (v[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || '0'));
        }
        break;
    }
  }
  if (pm === 1) h += 12;
  if (mo === 0) return undefined;
  return finishFields(y, mo, d, h, mi, s, ms, zone, now) ? scanned.ts : undefined;
}

function compileRegex(source: string, what: string, flags = ''): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`${what} is not a valid regular expression: ${(err as Error).message}`);
  }
}

/** Compiles an override; throws an Error listing every problem at once. */
export function compileOverride(spec: OverrideSpec): LineOverride {
  const problems: string[] = [];
  const out: LineOverride = { spec };
  if (spec.timestampFormat !== undefined) {
    try {
      out.time = compileTimeFormat(spec.timestampFormat);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (spec.levelRegex !== undefined) {
    try {
      out.levelRegex = compileRegex(spec.levelRegex, `the level regex "${spec.levelRegex}"`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (spec.regex !== undefined) {
    try {
      out.regex = compileRegex(spec.regex, `the line regex "${spec.regex}"`, 'd');
      if (!/\(\?<[A-Za-z_]\w*>/.test(spec.regex)) problems.push(`the line regex "${spec.regex}" has no named group (write (?<ts>…), (?<level>…), (?<msg>…) or any (?<name>…))`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (spec.levelField !== undefined && spec.levelField.trim() === '') problems.push('the level field name is empty');
  if (problems.length) throw new Error(problems.join('; '));
  return out;
}

/** What an override says about a line; fields it does not set are left to the heuristics. */
export interface OverrideResult {
  ts?: number;
  level?: Level;
  attrs?: Record<string, unknown>;
  /** Where the `msg` group starts, when the regex has one. */
  headerEnd?: number;
}

const TIME_GROUPS = ['ts', 'time', 'timestamp'];
const MESSAGE_GROUPS = ['msg', 'message'];

/**
 * Applies an override to a line. `fields` are the attrs the heuristics found (JSON keys,
 * key=value pairs), where --level-field is looked up when no named group has that name.
 */
export function applyOverride(line: string, ov: LineOverride, now: number | undefined, fields: Record<string, unknown> | undefined): OverrideResult {
  const out: OverrideResult = {};
  let groups: Record<string, string | undefined> | undefined;
  if (ov.regex !== undefined) {
    const m = ov.regex.exec(line);
    if (m !== null && m.groups !== undefined) {
      groups = m.groups;
      const indices = (m as RegExpExecArray & { indices?: { groups?: Record<string, [number, number] | undefined> } }).indices;
      for (const [name, value] of Object.entries(groups)) {
        if (value === undefined) continue;
        if (TIME_GROUPS.includes(name)) {
          out.ts = ov.time !== undefined ? readTime(ov.time, value, now, false) : parseTimestamp(value, now);
        } else if (name === 'level') {
          out.level = levelFromWord(value);
        } else if (MESSAGE_GROUPS.includes(name)) {
          const at = indices?.groups?.[name]?.[0] ?? line.indexOf(value);
          if (at >= 0) out.headerEnd = at;
        } else (out.attrs ??= {})[name] = value;
      }
    }
  }
  if (out.ts === undefined && ov.time !== undefined && (groups === undefined || !TIME_GROUPS.some((g) => groups?.[g] !== undefined))) {
    out.ts = readTime(ov.time, line.length > 400 ? line.slice(0, 400) : line, now, false);
  }
  if (ov.levelRegex !== undefined) {
    const m = ov.levelRegex.exec(line);
    const word = m?.groups?.level ?? m?.[1];
    if (word !== undefined) out.level = levelFromWord(word) ?? out.level;
  }
  const field = ov.spec.levelField;
  if (field !== undefined && out.level === undefined) {
    const v = groups?.[field] ?? out.attrs?.[field] ?? lookup(fields, field);
    if (typeof v === 'string') out.level = levelFromWord(v);
    else if (typeof v === 'number') out.level = levelFromNumberish(v);
  }
  return out;
}


function lookup(fields: Record<string, unknown> | undefined, path: string): unknown {
  if (fields === undefined) return undefined;
  if (Object.hasOwn(fields, path)) return fields[path];
  let v: unknown = fields;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function levelFromNumberish(n: number): Level | undefined {
  // pino/bunyan numbers, else syslog severities 0-7.
  if (n >= 10 && n <= 60 && n % 10 === 0) return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as Level[])[n / 10 - 1];
  if (Number.isInteger(n) && n >= 0 && n <= 7) return (['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'] as Level[])[n];
  return undefined;
}
