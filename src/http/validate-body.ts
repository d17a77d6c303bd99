import type { ValidateFunction } from 'ajv';
import { StewardError } from '../common/errors.js';
import { compileSchema, formatAjvErrors } from '../common/json-schema.js';

const cache = new WeakMap<object, ValidateFunction>();

/** Validates a request body (or query) against a JSON Schema; VALIDATION_FAILED names every failing path. */
export function validated<T>(schema: object, value: unknown, what = 'body'): T {
  let validate = cache.get(schema);
  if (!validate) {
    validate = compileSchema(schema);
    cache.set(schema, validate);
  }
  if (!validate(value)) {
    const errors = formatAjvErrors(validate.errors ?? [], undefined, what);
    throw new StewardError('VALIDATION_FAILED', `invalid ${what}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return value as T;
}
