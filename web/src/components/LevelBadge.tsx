// The coloured level tag of a row.
import type { Level } from '../../../src/shared/levels.js';

const SHORT: Record<Level, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL', unknown: '—' };

/** A fixed-width tag with the level's colour. */
export function LevelBadge({ level }: { level: Level }) {
  return <span className={`badge lv-${level}`}>{SHORT[level]}</span>;
}
