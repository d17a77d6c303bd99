import { describe, expect, it } from '@jest/globals';
import { useColor } from './io.js';

describe('colours on the command line', () => {
  it('on a terminal unless NO_COLOR is set; never off a terminal unless FORCE_COLOR asks', () => {
    expect(useColor({ env: {}, isTTY: true })).toBe(true);
    expect(useColor({ env: { NO_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(useColor({ env: { NO_COLOR: '' }, isTTY: true })).toBe(true);
    expect(useColor({ env: {}, isTTY: false })).toBe(false);
    expect(useColor({ env: {} })).toBe(false);
    expect(useColor({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(true);
    expect(useColor({ env: { FORCE_COLOR: '0' }, isTTY: false })).toBe(false);
    expect(useColor({ env: { FORCE_COLOR: '1', NO_COLOR: '1' }, isTTY: true })).toBe(false);
  });
});
