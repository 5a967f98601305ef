// A one-line progress bar for terminals: records written, rate, and a bar with ETA when the
// total is known. Only ever drawn on a TTY, so pipes and log files stay clean.
import type { Progress } from './writer.js';

const fmtInt = new Intl.NumberFormat('en-US');

/** Formats seconds as `1:05` or `1:02:03`. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Formats a byte count as `12.3 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Renders one progress line (no control characters) fitting in `width` columns. */
export function renderProgress(p: Progress, width: number): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.records / secs : 0;
  const stats = `${fmtInt.format(p.records)} lines  ${formatBytes(p.bytes)}  ${fmtInt.format(Math.round(rate))} lines/s`;
  if (p.total === undefined || p.total <= 0) return stats.slice(0, width);
  const frac = Math.min(1, p.records / p.total);
  const eta = rate > 0 ? (p.total - p.records) / rate : Infinity;
  const tail = ` ${String(Math.floor(frac * 100)).padStart(3)}%  ${stats}  ETA ${formatEta(eta)}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 2));
  const filled = Math.round(frac * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`.slice(0, width);
}

/** Draws progress on a terminal stream, redrawing the same line. */
export class ProgressBar {
  #stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  update(p: Progress): void {
    const width = Math.max(20, (this.#stream.columns || 80) - 1);
    this.#stream.write(`\r\x1b[2K${renderProgress(p, width)}`);
  }

  /** Leaves the final figures on their own line. */
  finish(p: Progress): void {
    this.update(p);
    this.#stream.write('\n');
  }
}
