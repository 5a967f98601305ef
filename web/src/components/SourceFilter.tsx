// Chooses which sources to show: a button that opens a list of checkboxes with counts.
import { useEffect, useRef, useState } from 'react';
import type { SourcesResponse } from '../../../src/shared/api.js';
import { escapeBidiText } from '../lib/bidi.js';
import { formatCount } from '../lib/format.js';
import { VisibleText } from './VisibleText.js';

interface Props {
  sources: SourcesResponse['sources'] | null;
  selected: string[];
  onChange(sources: string[]): void;
}

/** The source filter. */
export function SourceFilter({ sources, selected, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const [find, setFind] = useState('');
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  // Source names come from log senders: bidirectional formatting characters in them are shown, not applied.
  const label = selected.length === 0 ? 'All sources' : selected.length === 1 ? escapeBidiText(selected[0]) : `${selected.length} sources`;
  const known = new Map((sources ?? []).map((s) => [s.source, s.count]));
  for (const s of selected) if (!known.has(s)) known.set(s, 0);
  const needle = find.trim().toLowerCase();
  const names = [...known.keys()].sort().filter((n) => !needle || n.toLowerCase().includes(needle) || selected.includes(n));
  return (
    <div className="source-filter" ref={root}>
      <button type="button" className="btn" aria-haspopup="true" aria-expanded={open} aria-label={`Sources: ${label}`} onClick={() => setOpen((o) => !o)}>
        <span className="btn-key">source</span> {label} ▾
      </button>
      {open && (
        <div className="popover" role="group" aria-label="Choose sources">
          <button type="button" className="btn small" onClick={() => onChange([])} disabled={!selected.length}>
            Show all sources
          </button>
          {(sources?.length ?? 0) > 8 && (
            <input type="text" className="source-find" aria-label="Find a source" placeholder="Find a source…" value={find} autoFocus onChange={(e) => setFind(e.target.value)} />
          )}
          {sources === null && <p className="state-text">Loading sources…</p>}
          {sources !== null && known.size === 0 && <p className="state-text">No sources yet: nothing has been ingested.</p>}
          {known.size > 0 && names.length === 0 && <p className="state-text">No source matches “{find}”.</p>}
          <ul>
            {names.map((name) => (
              <li key={name}>
                <label>
                  <input
                    type="checkbox"
                    checked={selected.includes(name)}
                    onChange={(e) => onChange(e.target.checked ? [...selected, name].sort() : selected.filter((s) => s !== name))}
                  />
                  <span className="source-name"><VisibleText text={name} /></span>
                  <span className="count">{formatCount(known.get(name) ?? 0)}</span>
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
