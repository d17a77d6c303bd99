import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { packageRoot } from '../common/paths.js';

/**
 * EventSource delivers a named SSE event only to a listener for that name: a run event type the console's stream.js
 * does not list would be dropped without a word. Every type of RunEventMap must be listed.
 */
describe('console event stream', () => {
  it('listens to every run event type of RunEventMap', () => {
    const types = readFileSync(join(packageRoot(), 'src/runs/run.types.ts'), 'utf8');
    const map = /export interface RunEventMap \{([\s\S]*?)\n\}/.exec(types)?.[1] ?? '';
    const declared = [...map.matchAll(/^ {2}'?([a-z_.]+)'?\s*:/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(15);
    const stream = readFileSync(join(packageRoot(), 'src/console/web/stream.js'), 'utf8');
    const listed = /const TYPES = \[([\s\S]*?)\];/.exec(stream)?.[1] ?? '';
    const listens = new Set([...listed.matchAll(/'([a-z_.]+)'/g)].map((m) => m[1]));
    expect(declared.filter((t) => !listens.has(t))).toEqual([]);
  });
});
