// One toggle button per level with its count for the current range; shift-click shows only that level.
import { LEVELS, type Level } from '../../../src/shared/levels.js';
import { formatCount, formatNumber } from '../lib/format.js';

interface Props {
  shown: readonly Level[];
  totals: Record<Level, number> | null;
  onChange(levels: Level[]): void;
}

/** The level filter. */
export function LevelToggles({ shown, totals, onChange }: Props) {
  const toggle = (level: Level, only: boolean) => {
    if (only) return onChange([level]);
    const next = shown.includes(level) ? shown.filter((l) => l !== level) : [...shown, level];
    // Turning every level off would show nothing; treat it as showing all again.
    onChange(next.length === 0 || next.length === LEVELS.length ? [] : LEVELS.filter((l) => next.includes(l)));
  };
  return (
    <div className="levels" role="group" aria-label="Levels">
      {LEVELS.map((l) => {
        const on = shown.includes(l);
        const count = totals?.[l];
        return (
          <button
            key={l}
            type="button"
            className={`level-toggle lv-${l}`}
            data-level-toggle={l}
            aria-pressed={on}
            title={`${on ? 'Hide' : 'Show'} ${l} lines${count !== undefined ? ` (${formatNumber(count)} in range)` : ''}; shift-click to show only ${l}`}
            onClick={(e) => toggle(l, e.shiftKey)}
          >
            <span className="dot" aria-hidden="true" />
            {l}
            {count !== undefined && <span className="count">{formatCount(count)}</span>}
          </button>
        );
      })}
    </div>
  );
}
