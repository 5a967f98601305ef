// One line of the list: time, level tag, source, first line of the message (matches marked);
// expanded, it also shows the details.
import { memo } from 'react';
import type { ListItem } from '../lib/logWindow.js';
import { firstLine, formatClock, formatDate } from '../lib/format.js';
import { withoutParsedHeader } from '../lib/headerPrefix.js';
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
  /** Show the date too (the lines held span more than one day, or are not from today). */
  withDate: boolean;
  onToggle(id: number): void;
}

/** A log row; memoised so that only rows whose data changed re-render. */
export const LogRow = memo(function LogRow({ record, expanded, pattern, withDate, onToggle }: Props) {
  const line = firstLine(record.message);
  // The time and level have their own columns; the details keep the original line.
  const text = withoutParsedHeader(line.text, record.level);
  const clock = formatClock(record.ts);
  const date = formatDate(record.ts);
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
        <time className="ts" dateTime={new Date(record.ts).toISOString()} title={`${date} ${clock}${record.late ? ' (arrived late, after newer lines)' : ''}`}>
          {withDate && <span className="date"><span className="year">{date.slice(0, 5)}</span>{date.slice(5)} </span>}
          {clock.slice(0, 8)}
          <span className="ms">{clock.slice(8)}</span>
        </time>
        <LevelBadge level={record.level} />
        <span className="src" title={escapeBidiText(record.host ? `${record.source} on ${record.host}` : record.source)}><VisibleText text={record.source} /></span>
        <span className="msg">
          <Highlighted text={text} pattern={pattern} />
          {line.more && <span className="more" aria-label="more text">↵</span>}
        </span>
      </div>
      {expanded && <LogDetails record={record} pattern={pattern} />}
    </div>
  );
});
