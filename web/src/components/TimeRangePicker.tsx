// Quick ranges (relative to now, live) and a custom absolute range.
import { useEffect, useState } from 'react';
import { fromDatetimeLocal, QUICK_RANGES, toDatetimeLocal, type TimeRange } from '../lib/timeRange.js';

interface Props {
  range: TimeRange;
  onChange(range: TimeRange): void;
}

/** The time range control. */
export function TimeRangePicker({ range, onChange }: Props) {
  const [custom, setCustom] = useState(range.kind === 'absolute');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [problem, setProblem] = useState('');
  useEffect(() => {
    if (range.kind === 'absolute') {
      setCustom(true);
      setFrom(toDatetimeLocal(range.from));
      setTo(toDatetimeLocal(range.to));
    } else {
      // Back to a quick range (back to live, Back, Reset): the custom inputs go away with it.
      setCustom(false);
      setProblem('');
    }
  }, [range]);
  const selectValue = custom ? 'custom' : range.kind === 'quick' ? range.key : 'custom';
  return (
    <div className="time-range">
      <select
        aria-label="Time range"
        value={selectValue}
        onChange={(e) => {
          const v = e.target.value;
          if (v === 'custom') {
            setCustom(true);
            const now = Date.now();
            setFrom(toDatetimeLocal(now - 3_600_000));
            setTo(toDatetimeLocal(now));
          } else {
            setCustom(false);
            setProblem('');
            onChange({ kind: 'quick', key: v as (typeof QUICK_RANGES)[number]['key'] });
          }
        }}
      >
        {QUICK_RANGES.map((r) => (
          <option key={r.key} value={r.key}>
            {r.label}
          </option>
        ))}
        <option value="custom">Custom range…</option>
      </select>
      {custom && (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            const f = fromDatetimeLocal(from);
            const t = fromDatetimeLocal(to);
            if (!Number.isFinite(f) || !Number.isFinite(t)) return setProblem('Enter both times.');
            if (t <= f) return setProblem('The end must be after the start.');
            setProblem('');
            onChange({ kind: 'absolute', from: f, to: t });
          }}
        >
          <input type="datetime-local" step="1" aria-label="From" value={from} onChange={(e) => setFrom(e.target.value)} />
          <span aria-hidden="true">→</span>
          <input type="datetime-local" step="1" aria-label="To" value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="submit" className="btn small">Apply</button>
          {problem && <span className="state-text error" role="alert">{problem}</span>}
        </form>
      )}
    </div>
  );
}
