// Text with every bidirectional formatting or control character drawn as a marked escape chip
// ("<U+202E>", named in its tooltip), so an override in a log line cannot reorder what is shown.
import { Fragment } from 'react';
import { BIDI_NAMES, splitBidi } from '../lib/bidi.js';

/** Renders `text` as text nodes, with bidirectional formatting characters made visible. */
export function VisibleText({ text }: { text: string }) {
  const parts = splitBidi(text);
  if (parts.length <= 1 && (parts.length === 0 || parts[0].kind === 'text')) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) =>
        p.kind === 'text' ? (
          <Fragment key={i}>{p.text}</Fragment>
        ) : (
          <span key={i} className="bidi-escape" data-testid="bidi-escape" title={`${p.name} (${p.label.slice(1, -1)}): hidden ${p.char in BIDI_NAMES ? 'bidirectional formatting' : 'control'} character in the text`}>
            {p.label}
          </span>
        ),
      )}
    </>
  );
}
