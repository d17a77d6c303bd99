import { describe, expect, it } from '@jest/globals';
import { defineTool, type AnyToolDefinition } from './plugin-api.js';
import type { PluginManifest } from './plugin.types.js';
import { checkTool, schemaCompilers } from './tool.definition.js';

const manifest: PluginManifest = {
  id: 'acme',
  version: '1.0.0',
  description: 'Acme',
  host: '*',
  kinds: ['acme'],
  modules: [{ id: 'util', description: 'Utilities' }],
  entry: 'index.ts',
};

const good = defineTool<{ n: number }>({
  id: 'acme.util.count',
  title: 'Count',
  description: 'Counts to n.',
  inputSchema: { type: 'object', additionalProperties: false, required: ['n'], properties: { n: { type: 'integer', minimum: 0 } } },
  effect: 'read',
  idempotent: true,
  examples: [{ title: 'To three', input: { n: 3 } }],
  handler: ({ n }) => ({ n }),
});

const check = (overrides: Record<string, unknown>) => () => checkTool({ ...good, ...overrides } as AnyToolDefinition, manifest, {}, schemaCompilers());

describe('checkTool', () => {
  it('derives the loaded tool: id parts, wire name, default role target, plan support, frozen roles', () => {
    const tool = checkTool(good as AnyToolDefinition, manifest, { x: 1 }, schemaCompilers());
    expect(tool).toMatchObject({
      id: 'acme.util.count',
      plugin: 'acme',
      module: 'util',
      name: 'count',
      wireName: 'acme__util__count',
      environments: ['target'],
      kinds: ['acme'],
      supportsPlan: false,
      settings: { x: 1 },
    });
    expect(Object.isFrozen(tool.environments)).toBe(true);
  });

  it.each([
    [{ id: 'Acme.util.count' }, 'tool "Acme.util.count": id must match'],
    [{ id: 'acme.count' }, 'tool "acme.count": id must match'],
    [{ id: 'acme.util.my__tool' }, 'tool "acme.util.my__tool": id must match'],
    [{ id: 'other.util.count' }, 'tool "other.util.count": id must start with the plugin id "acme."'],
    [{ id: 'acme.admin.count' }, 'tool "acme.admin.count": module "admin" is not declared in plugin.yaml (modules: util)'],
    [{ effect: 'delete' }, 'tool "acme.util.count": effect: must be one of: "read", "write", "destructive"'],
    [{ idempotent: undefined }, 'tool "acme.util.count": idempotent: is required'],
    [{ title: '' }, 'tool "acme.util.count": title: must NOT have fewer than 1 characters'],
    [{ colour: 'red' }, 'tool "acme.util.count": colour: unknown key'],
    [{ environments: ['Target'] }, 'tool "acme.util.count": environments[0]: must match the pattern'],
    [{ examples: [] }, 'tool "acme.util.count": examples: must NOT have fewer than 1 items'],
    [{ handler: 'run' }, 'tool "acme.util.count": handler must be a function'],
    [{ plan: true }, 'tool "acme.util.count": plan must be a function when given'],
    [{ inputSchema: { type: 'array' } }, 'tool "acme.util.count": inputSchema must have type: object at its root (MCP tools take and return objects)'],
    [{ outputSchema: { type: 'string' } }, 'tool "acme.util.count": outputSchema must have type: object at its root'],
    [{ inputSchema: { type: 'object', properties: { n: { type: 'integr' } } } }, 'tool "acme.util.count": inputSchema is not a valid JSON Schema: inputSchema.properties.n.type: must be one of:'],
    [{ inputSchema: { type: 'object', properties: { n: { type: 'integer', minimun: 1 } } } }, 'tool "acme.util.count": inputSchema is not a valid JSON Schema: strict mode: unknown keyword: "minimun"'],
    [
      { examples: [{ title: 'Negative', input: { n: -1 } }] },
      'tool "acme.util.count": examples[0] ("Negative") does not match the inputSchema: input.n: must be >= 0',
    ],
  ])('rejects %j', (overrides, message) => {
    expect(check(overrides)).toThrow(message);
  });

  it('names "a registered tool" when what was registered is not an object', () => {
    expect(() => checkTool(undefined as unknown as AnyToolDefinition, manifest, {}, schemaCompilers())).toThrow('a registered tool: (root): must be an object');
  });

  it('leaves example inputs untouched while checking them (defaults go into a copy)', () => {
    const example = { title: 'Defaults', input: {} };
    checkTool(
      { ...good, inputSchema: { type: 'object', properties: { n: { type: 'integer', default: 1 } } }, examples: [example] } as AnyToolDefinition,
      manifest,
      {},
      schemaCompilers(),
    );
    expect(example.input).toEqual({});
  });

  it('refuses input properties that Steward reserves for the MCP environment binding', () => {
    expect(check({ inputSchema: { type: 'object', properties: { environment: { type: 'string' } } }, examples: [{ title: 'x', input: {} }] })).toThrow(
      'inputSchema must not define "environment": Steward adds it on the MCP wire to bind the tool\'s environment roles',
    );
  });
});
