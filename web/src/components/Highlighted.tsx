// Text with the search matches wrapped in <mark>, built from text nodes only: log lines are
// never parsed as HTML, so markup inside them stays visible text; bidirectional formatting
// characters are shown as escapes (VisibleText), never applied.
import { Fragment } from 'react';
import { splitByMatches, type SearchPattern } from '../lib/highlight.js';
import { VisibleText } from './VisibleText.js';

/** Renders `text` with the parts matched by `pattern` marked. */
export function Highlighted({ text, pattern }: { text: string; pattern: SearchPattern | null }) {
  if (!pattern || (!pattern.terms.length && !pattern.substring)) return <VisibleText text={text} />;
  const parts = splitByMatches(text, pattern);
  if (parts.length === 1 && !parts[0].match) return <VisibleText text={text} />;
  return (
    <>
      {parts.map((p, i) => (p.match ? <mark key={i}><VisibleText text={p.text} /></mark> : <Fragment key={i}><VisibleText text={p.text} /></Fragment>))}
    </>
  );
}
