// The hosts for the host filter: the `host` field of GET /api/v1/fields over the view's time
// range with no other filter (so choosing a host does not hide the others), refreshed now and then.
import { useEffect, useState } from 'react';
import type { SourcesResponse } from '../../../src/shared/api.js';
import { fetchFields } from '../api.js';
import { resolveRange, type TimeRange } from '../lib/timeRange.js';

/** Hosts with counts, shaped like the source list; null until the first answer. */
export function useHosts(range: TimeRange, anchor: number, refreshKey: number): SourcesResponse['sources'] | null {
  const [hosts, setHosts] = useState<SourcesResponse['sources'] | null>(null);
  const rangeKey = JSON.stringify(range);
  useEffect(() => {
    if (!anchor) return;
    const ctrl = new AbortController();
    const load = (now: number) => {
      const p = new URLSearchParams({ values: '100' });
      const { from, to } = resolveRange(range, now);
      if (from !== undefined) p.set('from', String(Math.floor(from)));
      if (to !== undefined) p.set('to', String(Math.ceil(to)));
      fetchFields(p, ctrl.signal).then(
        (r) => setHosts((r.fields.find((f) => f.field === 'host')?.values ?? []).map((v) => ({ source: v.value, count: v.count, lastSeen: 0 }))),
        () => {},
      );
    };
    load(anchor);
    const t = setInterval(() => load(Date.now()), 30_000);
    return () => {
      ctrl.abort();
      clearInterval(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rangeKey, anchor, refreshKey]);
  return hosts;
}
