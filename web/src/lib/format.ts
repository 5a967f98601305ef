// Formatting of times, counts and messages for display.

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local time of day with milliseconds, "04:12:09.123". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date, "2026-11-28". */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A compact count for buttons: 999, 1.2k, 15k, 3.4M. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
  return `${Math.round(n / 1_000_000)}M`;
}

/** A full count with thousands separators, "100,000". */
export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** Longest part of a line drawn in a one-line row (a 256 KB line would only cost layout time). */
export const ROW_TEXT_MAX = 2000;

// CSI and OSC escape sequences (colours, cursor moves, hyperlinks) as terminals write them.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

/** Removes terminal escape sequences (colour codes) so that coloured logs read as text. */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

/** The first line of a message, for the one-line row; `more` says whether anything was cut. */
export function firstLine(message: string): { text: string; more: boolean } {
  const clean = stripAnsi(message);
  const nl = clean.search(/\r?\n/);
  let text = nl === -1 ? clean : clean.slice(0, nl);
  let more = nl !== -1;
  if (text.length > ROW_TEXT_MAX) {
    text = `${text.slice(0, ROW_TEXT_MAX)}…`;
    more = true;
  }
  return { text, more };
}

/** A duration for humans, "3 s", "2 min", "1 h". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** Renders an attribute value as one line of text (objects as JSON). */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}
