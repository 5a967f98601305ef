// The list of sources for the source filter, refreshed now and then.
import { useEffect, useState } from 'react';
import type { SourcesResponse } from '../../../src/shared/api.js';
import { fetchSources } from '../api.js';

/** Known sources with counts, refreshed every 30 s; null until the first answer. */
export function useSources(refreshKey: number): SourcesResponse['sources'] | null {
  const [sources, setSources] = useState<SourcesResponse['sources'] | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    const load = () => fetchSources(ctrl.signal).then((r) => setSources(r.sources)).catch(() => {});
    void load();
    const t = setInterval(load, 30_000);
    return () => {
      ctrl.abort();
      clearInterval(t);
    };
  }, [refreshKey]);
  return sources;
}
