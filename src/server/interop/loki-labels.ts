// Parses the label set of a Loki stream as Promtail and Alloy send it in a protobuf
// PushRequest: `{job="varlogs", host="web-1", path="C:\\logs\\a.log"}` — Prometheus label
// syntax with Go string escapes (and backquoted raw strings, which LogQL also accepts).
import { LogpipeError } from '../../shared/errors.js';

/** Parses `{name="value", …}` into an object; throws LP_ERR_BAD_REQUEST naming the position of the first problem. */
export function parseLabels(text: string): Record<string, string> {
  return new LabelParser(text).parse();
}

const NAME_START = /[a-zA-Z_]/;
const NAME_CHAR = /[a-zA-Z0-9_]/;
const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

class LabelParser {
  #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): Record<string, string> {
    const labels: Record<string, string> = {};
    this.#skipSpace();
    this.#expect('{');
    this.#skipSpace();
    while (this.#peek() !== '}') {
      const name = this.#peek() === '"' ? this.#quoted() : this.#name();
      this.#skipSpace();
      this.#expect('=');
      this.#skipSpace();
      const value = this.#value();
      if (name === '') this.#fail('a label name is empty');
      labels[name] = value;
      this.#skipSpace();
      if (this.#peek() === ',') {
        this.#pos++;
        this.#skipSpace();
      } else if (this.#peek() !== '}') {
        this.#fail("expected ',' or '}'");
      }
    }
    this.#pos++;
    this.#skipSpace();
    if (this.#pos < this.#text.length) this.#fail('unexpected text after the closing brace');
    return labels;
  }

  #peek(): string {
    if (this.#pos >= this.#text.length) this.#fail('unexpected end');
    return this.#text[this.#pos];
  }

  #expect(ch: string): void {
    if (this.#peek() !== ch) this.#fail(`expected '${ch}'`);
    this.#pos++;
  }

  #skipSpace(): void {
    while (this.#pos < this.#text.length && /\s/.test(this.#text[this.#pos])) this.#pos++;
  }

  #name(): string {
    const start = this.#pos;
    if (!NAME_START.test(this.#peek())) this.#fail('expected a label name');
    while (this.#pos < this.#text.length && NAME_CHAR.test(this.#text[this.#pos])) this.#pos++;
    return this.#text.slice(start, this.#pos);
  }

  #value(): string {
    const ch = this.#peek();
    if (ch === '"') return this.#quoted();
    if (ch === '`') {
      const end = this.#text.indexOf('`', this.#pos + 1);
      if (end < 0) this.#fail('a backquoted value is not closed');
      const v = this.#text.slice(this.#pos + 1, end);
      this.#pos = end + 1;
      return v;
    }
    this.#fail('expected a quoted label value');
  }

  /** A double-quoted Go string literal. */
  #quoted(): string {
    this.#pos++;
    let out = '';
    let run = this.#pos;
    for (;;) {
      if (this.#pos >= this.#text.length) this.#fail('a quoted string is not closed');
      const ch = this.#text[this.#pos];
      if (ch === '"') {
        out += this.#text.slice(run, this.#pos);
        this.#pos++;
        return out;
      }
      if (ch === '\n') this.#fail('a quoted string holds a raw newline');
      if (ch !== '\\') {
        this.#pos++;
        continue;
      }
      out += this.#text.slice(run, this.#pos);
      const esc = this.#text[this.#pos + 1];
      if (esc === undefined) this.#fail('a quoted string is not closed');
      if (SIMPLE_ESCAPES[esc] !== undefined) {
        out += SIMPLE_ESCAPES[esc];
        this.#pos += 2;
      } else if (esc === 'x' || esc === 'u' || esc === 'U') {
        const len = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
        const hex = this.#text.slice(this.#pos + 2, this.#pos + 2 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) this.#fail(`a \\${esc} escape needs ${len} hex digits`);
        const code = parseInt(hex, 16);
        if (esc !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) this.#fail('an escape names an invalid code point');
        // Go's \x escapes are raw bytes; label values are UTF-8 text, so a lone byte maps to its code point.
        out += String.fromCodePoint(code);
        this.#pos += 2 + len;
      } else if (esc >= '0' && esc <= '7') {
        const oct = this.#text.slice(this.#pos + 1, this.#pos + 4);
        if (!/^[0-7]{3}$/.test(oct)) this.#fail('an octal escape needs 3 digits');
        out += String.fromCodePoint(parseInt(oct, 8));
        this.#pos += 4;
      } else {
        this.#fail(`unknown escape '\\${esc}'`);
      }
      run = this.#pos;
    }
  }

  #fail(why: string): never {
    const shown = this.#text.length > 200 ? this.#text.slice(0, 200) + '…' : this.#text;
    throw new LogpipeError('LP_ERR_BAD_REQUEST', `The stream labels ${JSON.stringify(shown)} are not valid: ${why} at offset ${this.#pos}.`);
  }
}
