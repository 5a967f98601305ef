// The query-string and path schemas the routes declare to Fastify, and the one formatter that
// turns a failed validation into our 400 naming the parameter, what it must be, and what came.
//
// Fastify's Ajv coerces query strings (`coerceTypes: 'array'`): a scalar becomes a one-item
// array where the schema asks for an array, and a string of digits an integer. Its coercion
// also takes "1e3", " 5" and "0x10" as numbers, so whole numbers are checked as digits first
// and only then coerced and bounded (`wholeNumber`). An empty parameter (`?limit=`) means the
// same as a missing one (`dropEmptyParams`), as it did before the schemas.
import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { LogpipeError } from '../../shared/errors.js';

/** A JSON schema with the sentence a validation error shows ("must be …"). */
type Schema = Record<string, unknown> & { description?: string };

/** A whole number from min to max, written in digits only. */
export function wholeNumber(min: number, max: number, what = `a whole number from ${min} to ${max}`): Schema {
  const description = what;
  return {
    allOf: [
      { type: 'string', pattern: '^[0-9]{1,16}$', description },
      { type: 'integer', minimum: min, maximum: max, description },
    ],
  };
}

/** One of a few words. */
export function oneOf(...values: string[]): Schema {
  return { type: 'string', enum: values, description: values.join(' or ') };
}

/** Text of at most `max` characters. */
export function text(max: number): Schema {
  return { type: 'string', maxLength: max, description: `text of at most ${max} characters` };
}

/** A parameter that may repeat and whose values may be comma lists (`level=info,warn&level=error`). */
export function textList(maxEach = 1024): Schema {
  return { type: 'array', items: { type: 'string', maxLength: maxEach, description: `values of at most ${maxEach} characters` }, description: 'a list of values' };
}

/** The schema of a query string: these parameters, each optional; others are ignored. */
export function queryString(properties: Record<string, Schema>): Schema {
  return { type: 'object', properties };
}

/** preValidation hook: `?limit=` is the same as no `limit`, as a form sends empty fields. */
export async function dropEmptyParams(req: FastifyRequest): Promise<void> {
  const q = req.query as Record<string, unknown> | undefined;
  if (!q || typeof q !== 'object') return;
  for (const key of Object.keys(q)) if (q[key] === '') delete q[key];
}

const WHERE: Record<string, string> = { querystring: 'Query parameter', params: 'Path parameter', headers: 'Header', body: 'Body field' };

/**
 * The one schemaErrorFormatter: a LogpipeError (LP_ERR_INVALID_QUERY for the query string and
 * the path, LP_ERR_BAD_REQUEST for the rest) whose message names the parameter, says what it
 * must be (the schema's description) and quotes the start of what came.
 */
export function validationError(errors: FastifySchemaValidationError[], dataVar: string): LogpipeError {
  const e = errors[0] as FastifySchemaValidationError & { parentSchema?: Schema; data?: unknown };
  const name = e.instancePath.split('/')[1] ?? '';
  const where = WHERE[dataVar] ?? dataVar;
  const repeated = e.keyword === 'type' && Array.isArray(e.data);
  const must = repeated ? 'must be given once' : e.parentSchema?.description ? `must be ${e.parentSchema.description}` : (e.message ?? 'is invalid');
  const got = e.data === undefined ? '' : `, got "${(Array.isArray(e.data) ? e.data.join(',') : String(e.data)).slice(0, 40)}"`;
  const code = dataVar === 'querystring' || dataVar === 'params' ? 'LP_ERR_INVALID_QUERY' : 'LP_ERR_BAD_REQUEST';
  return new LogpipeError(code, `${where} "${name}" ${must}${got}.`, name ? { param: name } : undefined);
}
