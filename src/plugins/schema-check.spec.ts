import { describe, expect, it } from '@jest/globals';
import { defineTool, type AnyToolDefinition } from './plugin-api.js';
import type { PluginManifest } from './plugin.types.js';
import { inputSchemaProblem } from './schema-check.js';
import { checkTool, schemaCompilers } from './tool.definition.js';

const manifest: PluginManifest = { id: 'acme', version: '1.0.0', description: 'Acme', host: '*', kinds: ['acme'], modules: [{ id: 'util', description: 'Utilities' }], entry: 'index.ts' };

const tool = (inputSchema: Record<string, unknown>) =>
  defineTool<{ a?: string; b?: string }>({
    id: 'acme.util.either',
    title: 'Either',
    description: 'Takes a or b.',
    inputSchema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, ...inputSchema },
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'a', input: { a: 'x' } }],
    handler: (input) => input,
  }) as AnyToolDefinition;

describe('input schemas every MCP host accepts', () => {
  it.each(['oneOf', 'anyOf', 'allOf'])('a top-level %s is refused at load, naming the tool', (keyword) => {
    expect(() => checkTool(tool({ [keyword]: [{ required: ['a'] }, { required: ['b'] }] }), manifest, {}, schemaCompilers())).toThrow(
      `tool "acme.util.either": inputSchema has a top-level ${keyword}, which some MCP hosts refuse`,
    );
  });

  it('combinators inside a property stay allowed', () => {
    const nested = { properties: { a: { type: 'string' }, b: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } };
    expect(inputSchemaProblem(tool(nested).inputSchema)).toBeUndefined();
    expect(checkTool(tool(nested), manifest, {}, schemaCompilers())).toMatchObject({ id: 'acme.util.either' });
  });

  it('names every combinator found', () => {
    expect(inputSchemaProblem({ type: 'object', oneOf: [], allOf: [] })).toMatch(/^inputSchema has a top-level oneOf, allOf,/);
  });

  it('a list of types anywhere in the input schema is refused at load, naming the tool and the path', () => {
    const listed = { properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'object', properties: { v: { type: ['string', 'null'] } } } } } };
    expect(() => checkTool(tool(listed), manifest, {}, schemaCompilers())).toThrow(
      'tool "acme.util.either": inputSchema.properties.b.items.properties.v.type is a list of types ["string","null"], which single-type MCP hosts (Gemini, OpenAPI 3.0) refuse: use "type": "string" with "nullable": true',
    );
  });

  it.each([
    ['additionalProperties', { additionalProperties: { type: ['integer', 'null'] } }, 'inputSchema.additionalProperties.type'],
    ['$defs', { $defs: { n: { type: ['integer', 'string'] } } }, 'inputSchema.$defs.n.type'],
    ['prefixItems', { properties: { a: { type: 'array', prefixItems: [{ type: 'string' }, { type: ['number', 'boolean'] }] } } }, 'inputSchema.properties.a.prefixItems[1].type'],
    ['a nested anyOf branch', { properties: { b: { anyOf: [{ type: 'string' }, { type: ['integer', 'null'] }] } } }, 'inputSchema.properties.b.anyOf[1].type'],
    ['patternProperties', { patternProperties: { '^x-': { type: ['string', 'null'] } } }, 'inputSchema.patternProperties.^x-.type'],
    ['if/then/else and not', { if: { type: 'object' }, then: { not: { type: ['string', 'null'] } } }, 'inputSchema.then.not.type'],
  ])('walks %s', (_, extra, path) => {
    expect(inputSchemaProblem({ type: 'object', ...extra })).toContain(`${path} is a list of types`);
  });

  it('suggests nullable for [X, "null"] and one converted type otherwise; reports every problem at once', () => {
    const problem = inputSchemaProblem({ type: 'object', anyOf: [], properties: { a: { type: ['string', 'null'] }, b: { type: ['string', 'number'] } } });
    expect(problem?.split('; ')).toEqual([
      expect.stringMatching(/^inputSchema has a top-level anyOf/),
      expect.stringMatching(/^inputSchema\.properties\.a\.type is a list of types \["string","null"\].*use "type": "string" with "nullable": true/),
      expect.stringMatching(/^inputSchema\.properties\.b\.type is a list of types \["string","number"\].*use one type \(e\.g\. "string", converted by the handler\)$/),
    ]);
  });

  it('properties named like keywords are properties, not subschemas; the nullable form loads and takes null', () => {
    const named = { properties: { a: { type: 'string' }, b: { type: 'string' }, type: { type: 'string', nullable: true }, items: { type: 'array', items: { type: 'integer', nullable: true } } } };
    expect(inputSchemaProblem(tool(named).inputSchema)).toBeUndefined();
    const loaded = checkTool(tool(named), manifest, {}, schemaCompilers());
    expect(loaded.validateInput({ type: null, items: [1, null] })).toBe(true);
    expect(loaded.validateInput({ items: ['1'] })).toBe(false);
  });

  it('output schemas may keep lists of types (hosts only check results against them)', () => {
    const def = { ...tool({}), outputSchema: { type: 'object', properties: { v: { type: ['string', 'null'] } } } } as AnyToolDefinition;
    expect(checkTool(def, manifest, {}, schemaCompilers()).validateOutput?.({ v: null })).toBe(true);
  });
});
