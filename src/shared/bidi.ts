// Bidirectional formatting characters (U+202A–U+202E embeddings and overrides, U+2066–U+2069
// isolates, U+200E/U+200F marks, U+061C the Arabic letter mark) are invisible, yet they reorder
// what is drawn around them: "\u202Egnp.exe" reads as "exe.png" (the "Trojan Source" trick).
// Control characters are invisible too, and a terminal or pager acts on them: C0 controls (BEL,
// backspace and a lone CR that overwrite what came before, ESC that starts an ANSI sequence
// retitling a window or clearing a screen), DEL, and the C1 controls U+0080–U+009F (U+009B is
// the one-character CSI). Tab and newline are text and are left alone.
// A log line is attacker-chosen text, so wherever a person reads one it shows each of these as a
// visible escape, "<U+202E>", as GitHub does; machine formats (JSON, NDJSON) keep the character
// but write it as a JSON escape ("\u202e"), so the data is intact and a pager shows it plainly.
// One definition here for the dashboard and the server's exports. (The names still say "bidi":
// the bidirectional characters were the first of these to be made visible.)

/**
 * Matches one bidirectional formatting character or one control character other than tab and
 * newline (global: use with replace or exec loops).
 */
// eslint-disable-next-line no-control-regex
export const BIDI_CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Their Unicode names, for tooltips and screen readers. */
export const BIDI_NAMES: Readonly<Record<string, string>> = {
  '\u061C': 'ARABIC LETTER MARK',
  '\u200E': 'LEFT-TO-RIGHT MARK',
  '\u200F': 'RIGHT-TO-LEFT MARK',
  '\u202A': 'LEFT-TO-RIGHT EMBEDDING',
  '\u202B': 'RIGHT-TO-LEFT EMBEDDING',
  '\u202C': 'POP DIRECTIONAL FORMATTING',
  '\u202D': 'LEFT-TO-RIGHT OVERRIDE',
  '\u202E': 'RIGHT-TO-LEFT OVERRIDE',
  '\u2066': 'LEFT-TO-RIGHT ISOLATE',
  '\u2067': 'RIGHT-TO-LEFT ISOLATE',
  '\u2068': 'FIRST STRONG ISOLATE',
  '\u2069': 'POP DIRECTIONAL ISOLATE',
};

/** The name of a control character that is not bidirectional formatting (BIDI_NAMES names those). */
export function controlName(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 0x1b) return 'ESCAPE (starts a terminal control sequence)';
  if (c === 0x0d) return 'CARRIAGE RETURN';
  if (c === 0x08) return 'BACKSPACE';
  if (c === 0x07) return 'BELL';
  if (c === 0x7f) return 'DELETE';
  if (c === 0x9b) return 'CONTROL SEQUENCE INTRODUCER';
  return c >= 0x80 ? 'C1 CONTROL CHARACTER' : 'CONTROL CHARACTER';
}

const TEST = new RegExp(BIDI_CONTROL.source);

/** Whether `text` holds any bidirectional formatting character or control character (tab and newline aside). */
export function hasBidiControl(text: string): boolean {
  return TEST.test(text);
}

/** "U+202E" for a character. */
export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Plain text for people: each bidirectional formatting or control character becomes "<U+XXXX>". */
export function escapeBidiText(text: string): string {
  return hasBidiControl(text) ? text.replace(BIDI_CONTROL, (ch) => `<${codePointLabel(ch)}>`) : text;
}

/**
 * JSON text (from JSON.stringify) with each bidirectional formatting or control character
 * written as a JSON escape, "\u202e" (JSON.stringify escapes C0 controls itself, not DEL or
 * C1). Lossless: parsing it gives back the same value. Safe on any JSON text because these
 * characters can only occur inside strings there.
 */
export function escapeBidiJson(json: string): string {
  return hasBidiControl(json) ? json.replace(BIDI_CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
