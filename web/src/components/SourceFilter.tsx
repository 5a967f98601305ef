// Chooses which sources (or hosts) to show: a button that opens a list of checkboxes with counts.
import { useEffect, useRef, useState } from 'react';
import type { SourcesResponse } from '../../../src/shared/api.js';
import { escapeBidiText } from '../lib/bidi.js';
import { formatCount } from '../lib/format.js';
import { VisibleText } from './VisibleText.js';

interface Props {
  sources: SourcesResponse['sources'] | null;
  selected: string[];
  onChange(sources: string[]): void;
  /** What is chosen: "source" (the default) or "host"; names the button and the list. */
  noun?: 'source' | 'host';
}

/** The source filter (or, with `noun="host"`, the host filter). */
export function SourceFilter({ sources, selected, onChange, noun = 'source' }: Props) {
  const Noun = noun === 'source' ? 'Source' : 'Host';
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
  const label = selected.length === 0 ? `All ${noun}s` : selected.length === 1 ? escapeBidiText(selected[0]) : `${selected.length} ${noun}s`;
  const known = new Map((sources ?? []).map((s) => [s.source, s.count]));
  for (const s of selected) if (!known.has(s)) known.set(s, 0);
  const needle = find.trim().toLowerCase();
  const names = [...known.keys()].sort().filter((n) => !needle || n.toLowerCase().includes(needle) || selected.includes(n));
  return (
    <div className="source-filter" ref={root}>
      <button type="button" className="btn" aria-haspopup="true" aria-expanded={open} aria-label={`${Noun}s: ${label}`} onClick={() => setOpen((o) => !o)}>
        <span className="btn-key">{noun}</span> {label} ▾
      </button>
      {open && (
        <div className="popover" role="group" aria-label={`Choose ${noun}s`}>
          <button type="button" className="btn small" onClick={() => onChange([])} disabled={!selected.length}>
            Show all {noun}s
          </button>
          {(sources?.length ?? 0) > 8 && (
            <input type="text" className="source-find" aria-label={`Find a ${noun}`} placeholder={`Find a ${noun}…`} value={find} autoFocus onChange={(e) => setFind(e.target.value)} />
          )}
          {sources === null && <p className="state-text">Loading {noun}s…</p>}
          {sources !== null && known.size === 0 && <p className="state-text">{noun === 'source' ? 'No sources yet: nothing has been ingested.' : 'No hosts in this time range.'}</p>}
          {known.size > 0 && names.length === 0 && <p className="state-text">No {noun} matches “{find}”.</p>}
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
