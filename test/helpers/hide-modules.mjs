// A module-resolution hook for tests: the packages named in LOGPIPE_TEST_HIDE_MODULES (comma
// separated) resolve as if they were not installed, with Node's own ERR_MODULE_NOT_FOUND.
// Use: node --import ./test/helpers/hide-modules.mjs bin/logpipe …
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
const hidden = new Set((process.env.LOGPIPE_TEST_HIDE_MODULES ?? '').split(',').filter(Boolean));
export async function resolve(specifier, context, next) {
  const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (hidden.has(pkg)) {
    const err = new Error("Cannot find package '" + pkg + "' imported from " + (context.parentURL ?? 'the entry point'));
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return next(specifier, context);
}`)}`,
);
