// Splits text into plain runs and bidirectional formatting or control characters, so the
// dashboard can draw each such character as a visible, marked escape ("<U+202E>") instead of
// letting it silently reorder the line ("\u202Egnp.exe" would read "exe.png") or hide in it
// (a backspace, ESC, a C1 control). See src/shared/bidi.ts.
import { BIDI_CONTROL, BIDI_NAMES, codePointLabel, controlName, hasBidiControl } from '../../../src/shared/bidi.js';

export { BIDI_NAMES, escapeBidiJson, escapeBidiText, hasBidiControl } from '../../../src/shared/bidi.js';

/** A run of ordinary text, or one bidirectional formatting character shown as its escape. */
export type BidiPart =
  | { kind: 'text'; text: string }
  | { kind: 'control'; char: string; label: string; name: string };

/** Splits `text` at each bidirectional formatting character; text without any is one part. */
export function splitBidi(text: string): BidiPart[] {
  if (!hasBidiControl(text)) return text ? [{ kind: 'text', text }] : [];
  const parts: BidiPart[] = [];
  const re = new RegExp(BIDI_CONTROL.source, 'g');
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) parts.push({ kind: 'text', text: text.slice(at, m.index) });
    const char = m[0];
    parts.push({ kind: 'control', char, label: `<${codePointLabel(char)}>`, name: BIDI_NAMES[char] ?? controlName(char) });
    at = m.index + 1;
  }
  if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
