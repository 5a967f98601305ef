// Bidirectional formatting characters (U+202A–U+202E embeddings and overrides, U+2066–U+2069
// isolates, U+200E/U+200F marks, U+061C the Arabic letter mark) are invisible, yet they reorder
// what is drawn around them: "\u202Egnp.exe" reads as "exe.png" (the "Trojan Source" trick).
// A log line is attacker-chosen text, so wherever a person reads one it shows each of these as a
// visible escape, "<U+202E>", as GitHub does; machine formats (JSON, NDJSON) keep the character
// but write it as a JSON escape ("\u202e"), so the data is intact and a pager shows it plainly.
// One definition here for the dashboard and the server's exports.

/** Matches one bidirectional formatting character (global: use with replace or exec loops). */
export const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

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

const TEST = new RegExp(BIDI_CONTROL.source);

/** Whether `text` holds any bidirectional formatting character. */
export function hasBidiControl(text: string): boolean {
  return TEST.test(text);
}

/** "U+202E" for a character. */
export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Plain text for people: each bidirectional formatting character becomes "<U+XXXX>". */
export function escapeBidiText(text: string): string {
  return hasBidiControl(text) ? text.replace(BIDI_CONTROL, (ch) => `<${codePointLabel(ch)}>`) : text;
}

/**
 * JSON text (from JSON.stringify) with each bidirectional formatting character written as a
 * JSON escape, "\u202e". Lossless: parsing it gives back the same value. Safe on any JSON
 * text because these characters can only occur inside strings there.
 */
export function escapeBidiJson(json: string): string {
  return hasBidiControl(json) ? json.replace(BIDI_CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
