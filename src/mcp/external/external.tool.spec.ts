import { describe, expect, it } from '@jest/globals';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../../plugins/plugin-api.js';
import { captureLogger } from '../../plugins/test-host.js';
import { toOutput } from './call-result.js';
import { effectOf, externalTool, idempotentOf } from './external.tool.js';

const none = { effects: {}, idempotent: [] };
const tool = (annotations?: Tool['annotations'], extra: Partial<Tool> = {}): Tool => ({ name: 'doThing', inputSchema: { type: 'object' }, ...(annotations && { annotations }), ...extra });

describe('effect and idempotence of a remote tool (annotations are untrusted hints)', () => {
  it.each([
    [undefined, 'write', false],
    [{}, 'write', false],
    [{ readOnlyHint: false }, 'write', false],
    [{ readOnlyHint: true }, 'read', false],
    [{ readOnlyHint: true, idempotentHint: true }, 'read', true],
    [{ readOnlyHint: false, idempotentHint: true }, 'write', false],
    [{ destructiveHint: true }, 'destructive', false],
    [{ readOnlyHint: true, destructiveHint: true, idempotentHint: true }, 'destructive', false],
  ] as const)('annotations %j → %s, idempotent %s', (annotations, effect, idempotent) => {
    const remote = tool(annotations);
    expect(effectOf(remote, 'do-thing', none)).toBe(effect);
    expect(idempotentOf(remote, 'do-thing', effectOf(remote, 'do-thing', none), none)).toBe(idempotent);
  });

  it('config overrides win, by remote or Steward name', () => {
    const remote = tool({ readOnlyHint: true, idempotentHint: true });
    expect(effectOf(remote, 'do-thing', { effects: { doThing: 'destructive' }, idempotent: [] })).toBe('destructive');
    expect(effectOf(tool({ destructiveHint: true }), 'do-thing', { effects: { 'do-thing': 'read' }, idempotent: [] })).toBe('read');
    expect(idempotentOf(tool(), 'do-thing', 'write', { effects: {}, idempotent: ['do-thing'] })).toBe(true);
    expect(idempotentOf(remote, 'do-thing', 'write', none)).toBe(false);
  });
});

describe('externalTool', () => {
  const call = async () => ({ ok: true });

  it('is mcp.<server>.<name>, touches no environment, and validates input with the remote draft-07 schema', () => {
    const { logger } = captureLogger();
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { m: { type: 'number' }, n: { type: 'number', default: 3 } }, required: ['m'], additionalProperties: false };
    const t = externalTool({ server: 'peer', name: 'do-thing', remote: tool({ title: 'Do it' }, { inputSchema: schema as Tool['inputSchema'] }), config: none, call, logger });
    expect(t).toMatchObject({ id: 'mcp.peer.do-thing', wireName: 'mcp__peer__do-thing', plugin: 'mcp', module: 'peer', name: 'do-thing', title: 'Do it', environments: [], kinds: [], supportsPlan: false, effect: 'write' });
    expect(t.description).toBe('Tool "doThing" of the external MCP server "peer".');
    const input: Record<string, unknown> = { m: 1 };
    expect(t.validateInput(input)).toBe(true);
    expect(input).toEqual({ m: 1, n: 3 });
    expect(t.validateInput({ m: 1, x: 2 })).toBe(false);
  });

  it('accepts any object when the remote schema cannot be compiled, and says so in the log', () => {
    const { logger, logs } = captureLogger();
    const remote = tool(undefined, { inputSchema: { type: 'object', properties: { x: { type: 'banana' } } } as Tool['inputSchema'], outputSchema: { type: 'object', required: 5 } as unknown as Tool['outputSchema'] });
    const t = externalTool({ server: 'peer', name: 'odd', remote, config: none, call, logger });
    expect(t.validateInput({ x: 'anything' })).toBe(true);
    expect(t.validateInput([])).toBe(false);
    expect(t.validateOutput).toBeUndefined();
    expect(logs.map((l) => [l.level, l.tool, l.msg])).toEqual([
      [40, 'mcp.peer.odd', "the remote's inputSchema cannot be compiled; inputs are checked only to be objects (the remote still validates them)"],
      [40, 'mcp.peer.odd', "the remote's outputSchema cannot be compiled; outputs are not checked against it"],
    ]);
  });

  it('reads a schema without $schema as 2020-12 and one with an unknown $schema as draft-07', () => {
    const { logger } = captureLogger();
    const make = (inputSchema: object) => externalTool({ server: 's', name: 't', remote: tool(undefined, { inputSchema: inputSchema as Tool['inputSchema'] }), config: none, call, logger });
    const tuple = make({ type: 'object', properties: { p: { type: 'array', prefixItems: [{ type: 'string' }] } } });
    expect(tuple.validateInput({ p: [1] })).toBe(false);
    const draft04 = make({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { a: { type: 'string' } } });
    expect(draft04.validateInput({ a: 1 })).toBe(false);
  });

  const make = (inputSchema: object, description?: string) =>
    externalTool({ server: 's', name: 't', remote: tool(undefined, { inputSchema: inputSchema as Tool['inputSchema'], ...(description && { description }) }), config: none, call, logger: captureLogger().logger });

  it('a top-level oneOf is listed flattened (merged properties, only what every branch requires, a note) and still checked as the remote wrote it', () => {
    const remote = {
      type: 'object',
      properties: { env: { type: 'string' } },
      required: ['env'],
      oneOf: [
        { properties: { build: { type: 'string' }, wait: { type: 'boolean' } }, required: ['build', 'wait'] },
        { properties: { model: { type: 'string' }, wait: { type: 'boolean', description: 'the second branch says it too' } }, required: ['model', 'wait'] },
      ],
    };
    const t = make(remote, 'Build status.');
    expect(t.inputSchema).toEqual({
      type: 'object',
      properties: { env: { type: 'string' }, build: { type: 'string' }, wait: { type: 'boolean' }, model: { type: 'string' } },
      required: ['env', 'wait'],
    });
    expect(t.description).toBe("Build status.\n\nInput (the server's schema says; checked when called): exactly one of: build + wait | model + wait.");
    expect(t.definition.inputSchema).toBe(t.inputSchema);
    expect(Object.isFrozen(t.inputSchema)).toBe(true);
    // Validation follows the remote's own schema, not the listing: both branches, or neither, are refused.
    expect(t.validateInput({ env: 'e', build: 'b', wait: true })).toBe(true);
    expect(t.validateInput({ env: 'e', model: 'm', wait: false })).toBe(true);
    expect(t.validateInput({ env: 'e', build: 'b', model: 'm', wait: true })).toBe(false);
    expect(t.validateInput({ env: 'e', wait: true })).toBe(false);
  });

  it('anyOf keeps only the common required names; allOf keeps every branch\'s; without a combinator the schema is listed as sent', () => {
    const anyOf = make({ type: 'object', anyOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }] });
    expect(anyOf.inputSchema).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } });
    expect(anyOf.description).toContain('at least one of: a | b.');
    expect(anyOf.validateInput({})).toBe(false);
    const allOf = make({ type: 'object', allOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }] });
    expect(allOf.inputSchema).toMatchObject({ required: ['a', 'b'] });
    expect(allOf.inputSchema).not.toHaveProperty('allOf');
    const plain = { type: 'object', properties: { q: { type: 'string', description: 'query' } }, required: ['q'] };
    expect(make(plain).inputSchema).toEqual(plain);
    expect(make(plain).description).toBe('Tool "doThing" of the external MCP server "s".');
  });

  it('[X, "null"] anywhere is listed as X with nullable: true; other lists of types stay; calls still take null', () => {
    const t = make({
      type: 'object',
      properties: { a: { type: ['string', 'null'] }, list: { type: 'array', items: { type: ['null', 'integer'] } }, mixed: { type: ['string', 'number'] } },
      $defs: { d: { type: ['object', 'null'] } },
    });
    expect(t.inputSchema).toEqual({
      type: 'object',
      properties: { a: { type: 'string', nullable: true }, list: { type: 'array', items: { type: 'integer', nullable: true } }, mixed: { type: ['string', 'number'] } },
      $defs: { d: { type: 'object', nullable: true } },
    });
    expect(t.validateInput({ a: null, list: [1, null], mixed: 2 })).toBe(true);
    expect(t.validateInput({ a: 1 })).toBe(false);
  });
});

describe('toOutput', () => {
  it('gives structuredContent when present, else the content items as sent', () => {
    expect(toOutput({ content: [{ type: 'text', text: '{}' }], structuredContent: { t: 1 } }, 's', 't')).toEqual({ t: 1 });
    const image = { type: 'image' as const, data: 'iVBORw0KGgo=', mimeType: 'image/png' };
    expect(toOutput({ content: [{ type: 'text', text: 'hi' }, image] }, 's', 't')).toEqual({ content: [{ type: 'text', text: 'hi' }, image] });
  });

  it('turns an isError result into MCP_TOOL_ERROR with the remote text', () => {
    let error: unknown;
    try {
      toOutput({ content: [{ type: 'text', text: 'no such table' }, { type: 'text', text: 'hint: check the name' }], isError: true }, 'db', 'query');
    } catch (e) {
      error = e;
    }
    expect(ToolError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MCP_TOOL_ERROR', message: 'no such table\nhint: check the name', detail: { server: 'db', tool: 'query' } });
    expect(() => toOutput({ content: [], isError: true }, 'db', 'query')).toThrow('tool "query" of external MCP server "db" reported an error without a message');
  });
});
