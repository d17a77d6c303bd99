import { describe, expect, it } from '@jest/globals';
import { EnvLimits } from './env-limits.js';

/** Runs `n` calls through the limits and reports the most that were ever in flight at once. */
async function peak(limits: EnvLimits, bound: Record<string, string>, effect: 'read' | 'write' | 'destructive', n: number) {
  let inFlight = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      limits.run(bound, effect, async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      }),
    ),
  );
  return most;
}

describe('EnvLimits: per-environment caps on tool calls in flight', () => {
  const limits = new EnvLimits({ prod: { kind: 'sisense', concurrency: { read: 3, write: 1 } }, qa: { kind: 'sisense' } }, { read: 5, write: 2 });

  it('caps reads and writes separately, from the environment or the defaults', async () => {
    expect(await peak(limits, { target: 'prod' }, 'read', 12)).toBe(3);
    expect(await peak(limits, { target: 'prod' }, 'write', 6)).toBe(1);
    expect(await peak(limits, { target: 'prod' }, 'destructive', 6)).toBe(1);
    expect(await peak(limits, { target: 'qa' }, 'read', 12)).toBe(5);
    expect(await peak(limits, { target: 'qa' }, 'write', 6)).toBe(2);
  });

  it('a call on two environments holds a slot in each, and concurrent crossing calls do not deadlock', async () => {
    const [a, b] = await Promise.all([
      peak(limits, { source: 'qa', target: 'prod' }, 'write', 4),
      peak(limits, { source: 'prod', target: 'qa' }, 'write', 4),
    ]);
    expect(Math.max(a, b)).toBe(1);
  });

  it('calls that touch no environment are not limited', async () => {
    expect(await peak(limits, {}, 'write', 10)).toBe(10);
  });
});
