// Labels of the histogram's time axis (uPlot calls formatTick with every split at once).

/**
 * An axis label precise enough to tell neighbouring ticks apart: seconds when ticks are less
 * than a minute apart, the date where ticks are days apart or a tick falls on midnight.
 */
export function formatTick(ms: number, i: number, all: number[]): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const gap = all.length > 1 ? all[1] - all[0] : 0;
  const date = `${d.getMonth() + 1}/${d.getDate()}`;
  if (gap >= 86_400_000) return date;
  if (gap > 0 && gap < 60_000) return `${hm}:${pad(d.getSeconds())}`;
  if (d.getHours() === 0 && d.getMinutes() === 0) return date;
  // A range across midnight: the first tick says which day it is.
  if (i === 0 && all.length > 1 && new Date(all[all.length - 1]).getDate() !== d.getDate()) return `${date} ${hm}`;
  return hm;
}
