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
});
