// Text with the search matches wrapped in <mark>, built from text nodes only: log lines are
// never parsed as HTML, so markup inside them stays visible text.
import { Fragment } from 'react';
import { splitByMatches, type SearchPattern } from '../lib/highlight.js';

/** Renders `text` with the parts matched by `pattern` marked. */
export function Highlighted({ text, pattern }: { text: string; pattern: SearchPattern | null }) {
  if (!pattern || (!pattern.terms.length && !pattern.substring)) return <>{text}</>;
  const parts = splitByMatches(text, pattern);
  if (parts.length === 1 && !parts[0].match) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <Fragment key={i}>{p.text}</Fragment>))}
    </>
  );
}
