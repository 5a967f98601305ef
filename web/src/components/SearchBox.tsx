// The full-text search box: typed text reaches the view (and the server) after a short pause.
import { forwardRef, useEffect, useState } from 'react';
import { MAX_QUERY_CHARS } from '../../../src/shared/search.js';
import { useDebouncedValue } from '../hooks/useDebouncedValue.js';

interface Props {
  value: string;
  onChange(q: string): void;
}

/** Debounced search input labelled "Search logs". */
export const SearchBox = forwardRef<HTMLInputElement, Props>(function SearchBox({ value, onChange }, ref) {
  const [text, setText] = useState(value);
  const settled = useDebouncedValue(text, 250);
  // The view can change from elsewhere (Esc, back button, a link): follow it.
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (settled !== value) onChange(settled);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);
  return (
    <div className="search">
      <span className="search-icon" aria-hidden="true">⌕</span>
      <input
        ref={ref}
        type="search"
        aria-label="Search logs"
        placeholder='Search logs — words, "phrases", prefix*   ( / )'
        value={text}
        spellCheck={false}
        autoComplete="off"
        maxLength={MAX_QUERY_CHARS}
        aria-describedby={text.length >= MAX_QUERY_CHARS ? 'search-limit' : undefined}
        onChange={(e) => setText(e.target.value.slice(0, MAX_QUERY_CHARS))}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onChange(text);
          if (e.key === 'Escape') {
            e.preventDefault();
            setText('');
            onChange('');
          }
        }}
      />
      {text.length >= MAX_QUERY_CHARS && (
        <span id="search-limit" className="search-limit" role="status">
          Searches stop at {MAX_QUERY_CHARS.toLocaleString('en-US')} characters, the most the server takes.
        </span>
      )}
    </div>
  );
});
