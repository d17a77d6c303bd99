import { describe, expect, it } from '@jest/globals';
import { parseToolId, TOOL_ID, WIRE_NAME, wireName } from './tool-id.js';

describe('tool ids', () => {
  it('parses <plugin>.<module>.<name>', () => {
    expect(parseToolId('sisense.dashboards.export_all')).toEqual({ plugin: 'sisense', module: 'dashboards', name: 'export_all' });
  });

  it.each(['Sisense.a.b', 'a.b', 'a.b.c.d', 'a.b.1c', 'a.b.c_', 'a.b__c.d', 'a._b.c', 'a.b.c d', ''])('rejects %j', (id) => {
    expect(TOOL_ID.test(id)).toBe(false);
    expect(parseToolId(id)).toBeUndefined();
  });
});

describe('wireName', () => {
  it('replaces dots with __, which no segment may contain, so the mapping is one to one', () => {
    expect(wireName('sisense.dashboards.export')).toBe('sisense__dashboards__export');
    expect(wireName('a-b.c_d.e')).toBe('a-b__c_d__e');
  });

  it('is at most 64 characters of [A-Za-z0-9_-], stable, and distinct for long ids sharing a prefix', () => {
    const long = (n: number) => `plugin.${'m'.repeat(40)}.name-${n}-${'x'.repeat(30)}`;
    const names = [1, 2, 3].map((n) => wireName(long(n)));
    for (const name of names) {
      expect(name).toMatch(WIRE_NAME);
      expect(name).toHaveLength(64);
    }
    expect(new Set(names).size).toBe(3);
    expect(wireName(long(1))).toBe(names[0]);
    expect(names[0]).toMatch(/^plugin__m{40}__name-_[0-9a-f]{8}$/);
  });

  it('keeps a name of exactly 64 characters as it is', () => {
    const id = `p.m.${'n'.repeat(58)}`;
    expect(wireName(id)).toBe(`p__m__${'n'.repeat(58)}`);
    expect(wireName(id)).toHaveLength(64);
  });
});
