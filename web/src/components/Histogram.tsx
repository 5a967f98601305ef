// Log volume over the selected range as stacked bars (uPlot): per level in the level colours, or
// split by any field (the top values and "other") in a palette with a legend. Dragging across the
// chart selects a time range, which becomes the view's range.
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SplitHistogramResponse } from '../../../src/shared/api.js';
import type { Level } from '../../../src/shared/levels.js';
import { formatCount } from '../lib/format.js';
import { findBucket, stackSeries, STACK_ORDER, type HistogramData } from '../lib/histogramData.js';
import { formatInstant } from '../lib/timeRange.js';
import { formatTick } from '../lib/timeAxis.js';
import type { Theme } from '../hooks/useTheme.js';

interface Props {
  data: HistogramData | null;
  error: string | null;
  shown: readonly Level[];
  theme: Theme;
  onZoom(from: number, to: number): void;
  /** Widens the range (×2 around the centre); absent when nothing is wider. */
  onZoomOut?: () => void;
  /** The field the bars are split by, when not level, and its counts (null while loading). */
  splitBy?: string;
  split?: SplitHistogramResponse | null;
  /** The "split by" chooser, shown in the head. */
  picker?: React.ReactNode;
}

/** Colours of split series, in order; "other" is grey. */
const PALETTE = ['#5aa9ff', '#39d98a', '#f5a623', '#ff5c57', '#c678dd', '#2ec4b6', '#e5c07b', '#ff8fab'];

/** One stacked series of a split histogram: its label, colour and counts. */
interface SplitSeries {
  label: string;
  colour: string;
  counts: number[];
  total: number;
}

function splitSeries(h: SplitHistogramResponse): SplitSeries[] {
  const out = h.series.map((s, i) => ({ label: s.value ?? '(none)', colour: PALETTE[i % PALETTE.length], counts: s.counts, total: s.total }));
  if (h.other) out.push({ label: `other (${h.other.values})`, colour: '#7f8a96', counts: h.other.counts, total: h.other.total });
  return out;
}

const HEIGHT = 100;
/** Narrow windows (phones) get a lower chart: the list is what they come for. */
const heightFor = (width: number) => (width < 500 ? 60 : HEIGHT);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

// Series are drawn in order and later ones paint over earlier ones, so the tallest cumulative
// series (the top of the stack) comes first and the baseline level last.
const DRAW_ORDER = [...STACK_ORDER].reverse();

/** The histogram panel. */
export function Histogram({ data, error, shown, theme, onZoom, onZoomOut, splitBy, split, picker }: Props) {
  const splitting = Boolean(splitBy && splitBy !== 'level');
  const series = useMemo(() => (splitting && split ? splitSeries(split) : null), [splitting, split]);
  const seriesRef = useRef(series);
  seriesRef.current = series;
  const splitRef = useRef(splitting ? split ?? null : null);
  splitRef.current = splitting ? split ?? null : null;
  // The chart's series are fixed when it is built: rebuild when their number or colours change.
  const shape = series ? series.map((s) => s.colour).join(',') : 'levels';
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const [hover, setHover] = useState<string>('');
  // One burst can dwarf everything else; a log scale keeps the rest visible.
  const [logScale, setLogScale] = useState(false);
  const dataRef = useRef(data);
  dataRef.current = data;

  const aligned = useMemo<uPlot.AlignedData | null>(() => {
    if (splitting) {
      if (!split || !series) return null;
      const n = split.buckets.length;
      const acc = new Array<number>(n).fill(0);
      const scale = logScale ? (v: number) => (v > 0 ? Math.log10(v) + 1 : 0) : (v: number) => v;
      const stacked = series.map((s) => {
        for (let i = 0; i < n; i++) acc[i] += s.counts[i] ?? 0;
        return acc.map(scale);
      });
      return [split.buckets, ...stacked.reverse()];
    }
    if (!data) return null;
    const stacked = stackSeries(data, shown);
    const scale = logScale ? (v: number) => (v > 0 ? Math.log10(v) + 1 : 0) : (v: number) => v;
    return [data.buckets, ...DRAW_ORDER.map((l) => stacked[STACK_ORDER.indexOf(l)].map(scale))];
  }, [data, shown, logScale, splitting, split, series]);
  const logRef = useRef(logScale);
  logRef.current = logScale;

  // The chart is rebuilt when the theme changes (its colours come from the stylesheet).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = { stroke: cssVar('--fg-dim'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid'), width: 1 }, font: '11px ui-monospace, monospace' };
    const bars = uPlot.paths.bars!({ size: [0.86, 64], align: 1 });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: heightFor(el.clientWidth),
      ms: 1,
      legend: { show: false },
      // Room on the right for the last axis label, which is centred on its tick.
      padding: [6, 30, 0, 0],
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false }, y: false },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.08] } },
      axes: [
        { ...axis, size: 24, space: 64, values: (_u, splits) => splits.map(formatTick) },
        {
          ...axis,
          size: 44,
          space: 24,
          // On the log scale a height h > 0 stands for 10^(h-1) lines: label whole powers of ten only.
          values: (_u, vals) => vals.map((v) => (!Number.isInteger(v) ? '' : logRef.current ? (v > 0 ? formatCount(10 ** (v - 1)) : '0') : formatCount(v))),
        },
      ],
      series: [
        {},
        ...(seriesRef.current
          ? [...seriesRef.current].reverse().map((s) => ({ label: s.label, fill: s.colour, stroke: s.colour, width: 0, paths: bars, points: { show: false } }))
          : DRAW_ORDER.map((l) => ({ label: l, fill: cssVar(`--lv-${l}`), stroke: cssVar(`--lv-${l}`), width: 0, paths: bars, points: { show: false } }))),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 3) {
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              zoom.current(Math.floor(from), Math.ceil(to));
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            // The bucket whose bar is under the pointer (uPlot's cursor.idx is the bucket start
            // nearest to it, which is the next bucket past a bar's middle, and never a first
            // bucket that starts before the range).
            const h = dataRef.current;
            const ss = seriesRef.current;
            const sp = splitRef.current;
            const left = u.cursor.left;
            if (u.cursor.idx == null || left == null || left < 0) return setHover('');
            const t = u.posToVal(left, 'x');
            if (ss && ss.length && sp && sp.buckets.length) {
              const b = findBucket(sp.buckets[0], sp.step, sp.buckets.length, h?.view.from ?? sp.from, t);
              if (!b) return setHover('');
              const parts = ss.filter((s) => (s.counts[b.index] ?? 0) > 0).map((s) => `${s.label} ${formatCount(s.counts[b.index])}`);
              return setHover(`${formatInstant(b.start)}  ${parts.length ? parts.join(' · ') : 'no lines'}`);
            }
            const b = h && h.buckets.length ? findBucket(h.buckets[0], h.step, h.buckets.length, h.view.from, t) : null;
            if (!h || !b) return setHover('');
            const parts = STACK_ORDER.filter((l) => (h.counts[l]?.[b.index] ?? 0) > 0).map((l) => `${l} ${formatCount(h.counts[l][b.index])}`);
            setHover(`${formatInstant(b.start)}  ${parts.length ? parts.join(' · ') : 'no lines'}`);
          },
        ],
      },
    };
    const u = new uPlot(opts, [[], ...(seriesRef.current ?? DRAW_ORDER).map(() => [])], el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: heightFor(el.clientWidth) }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [theme, shape]);

  useEffect(() => {
    const u = plot.current;
    if (!u || !aligned || !data) return;
    u.setData(aligned, false);
    // The axis spans the bounds the list uses, not the wider aligned buckets.
    u.setScale('x', { min: data.view.from, max: data.view.to });
  }, [aligned, data, theme, shape]);

  const total = splitting ? (series ?? []).reduce((n, s) => n + s.total, 0) : data ? shown.reduce((n, l) => n + (data.totals?.[l] ?? 0), 0) : 0;
  const ready = splitting ? Boolean(series) : Boolean(data);
  return (
    <section className="histogram" aria-label={`Log volume per ${splitting ? splitBy : 'level'}`}>
      <div className="histogram-head">
        <span className="histogram-title">
          {ready ? (
            <>
              {`${total.toLocaleString('en-US')} line${total === 1 ? '' : 's'}`}
              <span className="histogram-title-rest"> in range</span>
            </>
          ) : error ? 'Histogram unavailable' : 'Counting lines…'}
        </span>
        {picker}
        <span className="histogram-hover" aria-live="off">{hover || (error ? error : 'Drag across the chart to zoom into a time range.')}</span>
        <span className="histogram-actions">
          <button type="button" className="btn small" aria-pressed={logScale} onClick={() => setLogScale((x) => !x)} title="A log scale keeps small counts visible beside a burst">
            Log scale
          </button>
          {onZoomOut && (
            <button type="button" className="btn small" onClick={onZoomOut} title="Show twice the time around the same centre">
              Zoom out
            </button>
          )}
        </span>
      </div>
      <div ref={box} className="histogram-plot" data-testid="histogram" role="img" aria-label={`Stacked bars of lines per ${splitting ? splitBy : 'level'} over time; drag across to zoom`} />
      {splitting && series && (
        <ul className="split-legend" data-testid="split-legend" aria-label={`Values of ${splitBy}`}>
          {series.map((s) => (
            <li key={s.label}>
              <span className="swatch" style={{ background: s.colour }} aria-hidden="true" />
              <span className="split-value">{s.label}</span> <span className="count">{formatCount(s.total)}</span>
            </li>
          ))}
          {split?.partial && <li className="dim">counted from the newest lines only (scan budget reached)</li>}
        </ul>
      )}
    </section>
  );
}
