import { describe, expect, it } from '@jest/globals';
import { SEGMENT } from '../../plugins/tool-id.js';
import { mapToolNames, normaliseToolName } from './tool-name.js';

describe('normaliseToolName', () => {
  it.each([
    ['echo', 'echo'],
    ['getTinyImage', 'get-tiny-image'],
    ['get-tiny-image', 'get-tiny-image'],
    ['long_running', 'long_running'],
    ['getHTTPStatus', 'get-http-status'],
    ['HTTPRequest', 'http-request'],
    ['Echo', 'echo'],
    ['files.read', 'files-read'],
    ['list  all / items', 'list-all-items'],
    ['a__b', 'a_b'],
    ['_private_', 'private'],
    ['2fa-check', 'tool-2fa-check'],
    ['v2Api', 'v2-api'],
  ])('%s → %s', (remote, name) => {
    expect(normaliseToolName(remote)).toBe(name);
    expect(SEGMENT.test(name)).toBe(true);
  });

  it('gives up on a name with nothing usable in it', () => {
    expect(normaliseToolName('???')).toBeUndefined();
    expect(normaliseToolName('')).toBeUndefined();
  });
});

describe('mapToolNames', () => {
  it('maps each Steward name back to the remote name', () => {
    expect(mapToolNames(['echo', 'getTinyImage'])).toEqual({ names: new Map([['echo', 'echo'], ['get-tiny-image', 'getTinyImage']]), skipped: [] });
  });

  it('skips every name of a collision, and names without letters, saying why', () => {
    const { names, skipped } = mapToolNames(['fetchData', 'fetch-data', 'echo', '!!!']);
    expect([...names.keys()]).toEqual(['echo']);
    expect(skipped).toEqual([
      { tool: '!!!', reason: 'its name has no letters or digits to make a Steward tool name from' },
      { tool: 'fetchData', reason: 'the names "fetchData", "fetch-data" all become "fetch-data"; none is mounted' },
      { tool: 'fetch-data', reason: 'the names "fetchData", "fetch-data" all become "fetch-data"; none is mounted' },
    ]);
  });
});
