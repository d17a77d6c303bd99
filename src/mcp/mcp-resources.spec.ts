import { describe, expect, it } from '@jest/globals';
import { coerceInput } from './mcp-prompts.js';
import { parseResourceUri } from './mcp-resources.js';

describe('steward:// resource URIs', () => {
  it.each([
    ['steward://runs/run_abc123', { kind: 'run', id: 'run_abc123' }],
    ['steward://runs/run_abc123/report.md', { kind: 'report.md', id: 'run_abc123' }],
    ['steward://runs/run_abc123/report.json', { kind: 'report.json', id: 'run_abc123' }],
    ['steward://approvals/apr_1', { kind: 'approval', id: 'apr_1' }],
    ['steward://playbooks/sisense-wellcheck', { kind: 'playbook', id: 'sisense-wellcheck' }],
    ['steward://findings', { kind: 'findings' }],
    ['steward://findings/dashboard.unreadable', { kind: 'findings', check: 'dashboard.unreadable' }],
    ['steward://findings/mcp%2Fcolour', { kind: 'findings', check: 'mcp/colour' }],
    ['steward://findings/mcp/colour', { kind: 'findings', check: 'mcp/colour' }],
  ])('%s', (uri, ref) => {
    expect(parseResourceUri(uri)).toEqual(ref);
  });

  it.each(['https://runs/run_1', 'steward://runs/', 'steward://runs/run_1/report.pdf', 'steward://runs/a b', 'steward://findings/%E0%A4%A', 'steward://other/x'])('%s names nothing', (uri) => {
    expect(parseResourceUri(uri)).toBeUndefined();
  });
});

describe('prompt arguments as playbook inputs', () => {
  const input = (type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object', items?: { type: 'string' | 'integer' }) => ({ name: 'x', type, required: false, ...(items && { items }) });
  it.each([
    [input('integer'), '42', 42],
    [input('number'), ' 1.5 ', 1.5],
    [input('integer'), 'many', 'many'],
    [input('boolean'), 'true', true],
    [input('boolean'), 'false', false],
    [input('boolean'), 'yes', 'yes'],
    [input('array', { type: 'string' }), 'a, b', ['a', 'b']],
    [input('array', { type: 'integer' }), '1,2', [1, 2]],
    [input('array'), '["a",1]', ['a', 1]],
    [input('object'), '{"a":1}', { a: 1 }],
    [input('object'), '{nope', '{nope'],
    [input('string'), ' kept as is ', ' kept as is '],
  ])('%j %j', (i, text, value) => {
    expect(coerceInput(i, text)).toEqual(value);
  });
});
