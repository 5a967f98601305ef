// Says in the header, where someone following the tail looks, that the live view is behind
// (refilling lines it skipped) or has skipped lines, with one click to load them or to start
// again from a fresh page.
import type { LiveLag } from '../hooks/useLogs.js';
import { formatNumber } from '../lib/format.js';

interface Props {
  lag: LiveLag;
  /** The view has filters: a gap's ids also cover lines that do not match, so N is an upper bound. */
  filtered: boolean;
  onLoad(): void;
  onFresh(): void;
}

/** The "behind / skipped N lines" notice. */
export function LiveLagNotice({ lag, filtered, onLoad, onFresh }: Props) {
  if (!lag) return null;
  const n = formatNumber(lag.to - lag.from);
  const lines = `${filtered ? 'up to ' : ''}${n} line${lag.to - lag.from === 1 ? '' : 's'}`;
  return (
    <div className={`lag lag-${lag.kind}`} role="status" data-testid="live-lag" data-kind={lag.kind}>
      {lag.kind === 'refilling' ? (
        <span>Live view behind: loading {lines} it skipped…</span>
      ) : (
        <>
          <span>Live view skipped {lines}.</span>
          <button type="button" className="btn small" onClick={onLoad}>
            Load skipped lines
          </button>
          <button type="button" className="btn small" onClick={onFresh}>
            Fresh page
          </button>
        </>
      )}
    </div>
  );
}
