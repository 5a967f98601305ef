// One line of the list: time, level tag, source, first line of the message (matches marked);
// expanded, it also shows the details.
import { memo } from 'react';
import type { ListItem } from '../lib/logWindow.js';
import { firstLine, formatClock, formatDate } from '../lib/format.js';
import type { SearchPattern } from '../lib/highlight.js';
import { Highlighted } from './Highlighted.js';
import { LevelBadge } from './LevelBadge.js';
import { LogDetails } from './LogDetails.js';
import { VisibleText } from './VisibleText.js';
import { escapeBidiText } from '../lib/bidi.js';

interface Props {
  record: ListItem;
  expanded: boolean;
  pattern: SearchPattern | null;
  onToggle(id: number): void;
}

/** A log row; memoised so that only rows whose data changed re-render. */
export const LogRow = memo(function LogRow({ record, expanded, pattern, onToggle }: Props) {
  const line = firstLine(record.message);
  const clock = formatClock(record.ts);
  return (
    <div
      className={`row lv-row-${record.level}${expanded ? ' expanded' : ''}${record.late ? ' late' : ''}`}
      data-testid="log-row"
      data-level={record.level}
      data-id={record.id}
      data-late={record.late ? 'true' : undefined}
      role="listitem"
    >
      <div
        className="row-line"
        tabIndex={0}
        role="button"
        aria-expanded={expanded}
        onClick={() => onToggle(record.id)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            onToggle(record.id);
          }
        }}
      >
        <time className="ts" dateTime={new Date(record.ts).toISOString()} title={`${formatDate(record.ts)} ${clock}${record.late ? ' (arrived late, after newer lines)' : ''}`}>
          {clock.slice(0, 8)}
          <span className="ms">{clock.slice(8)}</span>
        </time>
        <LevelBadge level={record.level} />
        <span className="src" title={escapeBidiText(record.host ? `${record.source} on ${record.host}` : record.source)}><VisibleText text={record.source} /></span>
        <span className="msg">
          <Highlighted text={line.text} pattern={pattern} />
          {line.more && <span className="more" aria-label="more text">↵</span>}
        </span>
      </div>
      {expanded && <LogDetails record={record} pattern={pattern} />}
    </div>
  );
});
