import { describe, expect, it } from '@jest/globals';
import { compileSchema } from '../../common/json-schema.js';
import { exampleOf } from './schema-example.js';

describe('exampleOf: the smallest value a schema accepts', () => {
  const cases: [string, object, unknown][] = [
    ['an object: its required properties only', { type: 'object', additionalProperties: false, required: ['a'], properties: { a: { type: 'string' }, b: { type: 'number' } } }, { a: 'demo' }],
    ['enum and const: the first value', { type: 'object', required: ['e', 'c'], properties: { e: { enum: ['x', 'y'] }, c: { const: 7 } } }, { e: 'x', c: 7 }],
    ['bounds', { type: 'object', required: ['i', 'n', 'm'], properties: { i: { type: 'integer', minimum: 3 }, n: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, m: { type: 'integer', minimum: 1, multipleOf: 5 } } }, { i: 3, n: 0.5, m: 5 }],
    ['strings: minLength and formats', { type: 'object', required: ['s', 'd', 'e'], properties: { s: { type: 'string', minLength: 10 }, d: { type: 'string', format: 'date-time' }, e: { type: 'string', format: 'email' } } }, { s: 'demo......', d: '2024-01-01T00:00:00Z', e: 'demo@example.com' }],
    ['lists of minItems', { type: 'array', minItems: 2, items: { type: 'boolean' } }, [false, false]],
    ['nullable types, anyOf, allOf, $ref', { type: 'object', required: ['n', 'a', 'all', 'r'], properties: { n: { type: ['null', 'integer'] }, a: { anyOf: [{ type: 'integer' }, { type: 'string' }] }, all: { allOf: [{ type: 'object', required: ['x'], properties: { x: { type: 'integer' } } }, { type: 'object', required: ['y'], properties: { y: { type: 'boolean' } } }] }, r: { $ref: '#/$defs/t' } }, $defs: { t: { type: 'string', enum: ['t1'] } } }, { n: 0, a: 0, all: { x: 0, y: false }, r: 't1' }],
  ];
  it.each(cases)('%s', (_name, schema, expected) => {
    const value = exampleOf(schema);
    expect(value).toEqual(expected);
    expect(compileSchema(schema)(value)).toBe(true);
  });
});
