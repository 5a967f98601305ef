// What is removed from every line before it is parsed and stored: terminal colour codes and the
// CR of CRLF line ends (kept nowhere else).

// CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`) and two-character escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

/** The line without ANSI escape sequences and without CRs before line ends. */
export function cleanLine(line: string): string {
  if (line.indexOf('\u001b') >= 0) line = line.replace(ANSI, '');
  const cr = line.indexOf('\r');
  if (cr >= 0) {
    // Most often the one CR is the last character (a CRLF file split at LF).
    if (cr !== line.length - 1) line = line.replace(/\r\n/g, '\n');
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  }
  return line;
}

