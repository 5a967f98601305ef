// The query language of logpipe (docs/query.md), defined once for the stores, the live tail and
// the dashboard: parse text into a tree, print a tree back, evaluate it on a record, and lower it
// into the filters the stores take.
export * from './ast.js';
export { parseQuery, queryError, MAX_DEPTH, MAX_ROWS, MAX_QUERY_CHARS } from './parse.js';
export { printQuery, printExpr, printPipe, quote } from './print.js';
export { compileQuery, matches, runPipe, groupValue, type QueryRecord, type RecordMatcher, type Table } from './evaluate.js';
export { lowerQuery, type Lowered, type LoweredFilter, type Need } from './lower.js';
export { compileRegex, regexLiterals, type CompiledRegex, type RegexLiterals } from './regex.js';
export { highlightsOf, completionAt, type Highlights, type CompletionContext } from './assist.js';
