// What the server remembers per source while parsing pushed lines: the detected layout of its
// lines (so they are read the same way, and fast) and the operator's override for it, if any
// (--parse-config). The collector applies the same overrides itself for the files it reads.
import { readFileSync } from 'node:fs';
import { compileOverride, newLayout, type Layout, type LineOverride, type OverrideSpec } from '../shared/parse/index.js';

// Sources with a remembered layout; past this many the memory is dropped and rebuilt (a layout is
// relearnt from one line), so a client inventing source names cannot grow it without bound.
const MAX_SOURCES = 10_000;
const SPEC_KEYS = ['timestampFormat', 'levelField', 'levelRegex', 'regex'];

/** Per-source layouts and overrides for the ingest pipeline. */
export class SourceParsing {
  readonly #overrides: Map<string, LineOverride>;
  readonly #layouts = new Map<string, Layout>();

  constructor(overrides: Map<string, LineOverride> = new Map()) {
    this.#overrides = overrides;
  }

  /** The layout remembered for a source (created on first use). */
  layout(source: string): Layout {
    let l = this.#layouts.get(source);
    if (l === undefined) {
      if (this.#layouts.size >= MAX_SOURCES) this.#layouts.clear();
      l = newLayout();
      this.#layouts.set(source, l);
    }
    return l;
  }

  /** The operator's override for a source, if any. */
  override(source: string): LineOverride | undefined {
    return this.#overrides.size === 0 ? undefined : this.#overrides.get(source);
  }
}

/**
 * Reads a --parse-config file: `{"sources": {"<source>": {"timestampFormat", "levelField",
 * "levelRegex", "regex"}}}`. Every problem is added to `problems` (the file, a key, a pattern).
 */
export function readParseConfig(path: string, problems: string[]): Map<string, LineOverride> {
  const out = new Map<string, LineOverride>();
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`--parse-config: cannot read "${path}": ${(err as Error).message}`);
    return out;
  }
  const sources = (doc as { sources?: unknown } | null)?.sources;
  if (sources === null || typeof sources !== 'object' || Array.isArray(sources)) {
    problems.push(`--parse-config: "${path}" must hold {"sources": {"<source name>": {…}}}`);
    return out;
  }
  for (const [name, spec] of Object.entries(sources as Record<string, unknown>)) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      problems.push(`--parse-config: source "${name}" must be an object with ${SPEC_KEYS.join(', ')}`);
      continue;
    }
    const unknown = Object.keys(spec).filter((k) => !SPEC_KEYS.includes(k));
    if (unknown.length) problems.push(`--parse-config: source "${name}" has unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${SPEC_KEYS.join(', ')})`);
    const bad = Object.entries(spec).filter(([, v]) => typeof v !== 'string');
    if (bad.length) {
      problems.push(`--parse-config: source "${name}": ${bad.map(([k]) => `"${k}"`).join(', ')} must be strings`);
      continue;
    }
    try {
      out.set(name, compileOverride(spec as OverrideSpec));
    } catch (err) {
      problems.push(`--parse-config: source "${name}": ${(err as Error).message}`);
    }
  }
  return out;
}
