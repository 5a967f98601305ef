// The parser's check of a `/regex/`: compiling it with the engine (regex.ts), which registers
// itself here when it is loaded. The server loads it with the query package (index.ts), so every
// query it parses is checked; the dashboard loads it once its first view is on screen (re2js is
// a quarter of its script), and until then leaves a bad pattern to the server's LP_ERR_QUERY.
let check: ((source: string) => void) | null = null;

/** Sets the function that throws the engine's complaint about a pattern. */
export function setRegexCheck(fn: (source: string) => void): void {
  check = fn;
}

/** Throws the engine's complaint when `source` does not compile; nothing when no engine is loaded. */
export function checkRegex(source: string): void {
  check?.(source);
}
