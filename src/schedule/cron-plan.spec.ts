import { describe, expect, it } from '@jest/globals';
import { compileCron, cronError, jitterFor, minGapMs, planDue, type CatchUp } from './cron-plan.js';
import { ManualClock } from './manual-clock.js';

const t = (s: string) => new Date(s).getTime();
const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());
const HOURLY = compileCron('0 * * * *', 'UTC');

function due(catchUp: CatchUp, last: string, now: string, extra: { windowMs?: number; jitterMs?: number; maxCatchUp?: number } = {}) {
  const p = planDue({
    plan: HOURLY, lastFireAt: t(last), now: t(now), catchUp, windowMs: extra.windowMs, graceMs: 30_000, maxCatchUp: extra.maxCatchUp ?? 100,
    jitter: (s) => jitterFor('config:x', s, extra.jitterMs),
  });
  return { fire: p.fire.map((f) => `${new Date(f.at).toISOString().slice(11, 16)} ${f.kind}`), missed: p.missed && { ...p.missed, first: new Date(p.missed.first).toISOString().slice(11, 16), last: new Date(p.missed.last).toISOString().slice(11, 16) }, claimUpTo: p.claimUpTo && new Date(p.claimUpTo).toISOString() };
}

describe('cron plans (croner, IANA zones, DST)', () => {
  it('spring forward in Berlin: 02:30 does not exist, the fixed-time job runs at 03:00; an interval job skips the gap', () => {
    expect(iso(fires(compileCron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 3))).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    expect(iso(fires(compileCron('0,30 * * * *', 'Europe/Berlin'), '2026-03-29T00:15:00Z', 3))).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
  });

  it('fall back in Berlin: 02:30 happens twice; the fixed-time job runs once, an interval job both times', () => {
    expect(iso(fires(compileCron('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 2))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(iso(fires(compileCron('30 * * * *', 'Europe/Berlin'), '2026-10-24T23:45:00Z', 3))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:30:00.000Z']);
  });

  it('New York, 6 fields with seconds, names', () => {
    expect(iso(fires(compileCron('15 0 9 * * MON-FRI', 'America/New_York'), '2026-03-06T00:00:00Z', 2))).toEqual(['2026-03-06T14:00:15.000Z', '2026-03-09T13:00:15.000Z']);
  });

  it('between(): oldest first; past `max` only the most recent are enumerated', () => {
    expect(HOURLY.between(t('2026-01-01T00:00:00Z'), t('2026-01-01T03:00:00Z'), 10)).toEqual({ times: [t('2026-01-01T01:00:00Z'), t('2026-01-01T02:00:00Z'), t('2026-01-01T03:00:00Z')], more: false });
    const far = compileCron('* * * * *', 'UTC').between(t('2025-01-01T00:00:00Z'), t('2026-01-01T00:00:00Z'), 3);
    expect(far).toEqual({ times: [t('2025-12-31T23:58:00Z'), t('2025-12-31T23:59:00Z'), t('2026-01-01T00:00:00Z')], more: true });
  });

  it('says what is wrong with an expression or a zone, and how often it fires', () => {
    expect(cronError('0 6 * * *', 'Europe/Berlin')).toBeUndefined();
    expect(cronError('61 * * * *', 'UTC')).toBe('Invalid value for minute: 61');
    expect(cronError('0 0 30 2 *', 'UTC')).toBe('"0 0 30 2 *" never fires');
    expect(cronError('0 6 * * *', 'Europe/Atlantis')).toMatch(/^unknown time zone "Europe\/Atlantis"/);
    expect(minGapMs(compileCron('* * * * * *', 'UTC'), 0)).toBe(1000);
    expect(minGapMs(compileCron('0,30 9 * * * *', 'UTC'), 0)).toBe(30_000);
    expect(minGapMs(compileCron('0 6 * * *', 'UTC'), 0)).toBe(86_400_000);
  });

  it('jitter is below its bound and the same for the same schedule and fire time', () => {
    const a = jitterFor('config:a', t('2026-01-01T06:00:00Z'), 60_000);
    expect(a).toBe(jitterFor('config:a', t('2026-01-01T06:00:00Z'), 60_000));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(60_000);
    expect(jitterFor('config:a', 0, undefined)).toBe(0);
  });
});

describe('what is due after downtime', () => {
  it('nothing due before the next fire time; an on-time fire runs whatever the policy', () => {
    expect(due('none', '2026-01-01T10:00:00Z', '2026-01-01T10:59:59Z')).toEqual({ fire: [], missed: undefined, claimUpTo: undefined });
    for (const p of ['none', 'last', 'all'] as const) {
      expect(due(p, '2026-01-01T10:00:00Z', '2026-01-01T11:00:20Z')).toEqual({ fire: ['11:00 cron'], missed: undefined, claimUpTo: '2026-01-01T11:00:00.000Z' });
    }
  });

  it('none: missed fires are reported, not run', () => {
    expect(due('none', '2026-01-01T10:00:00Z', '2026-01-01T13:30:00Z')).toMatchObject({ fire: [], missed: { count: 3, more: false, first: '11:00', last: '13:00' }, claimUpTo: '2026-01-01T13:00:00.000Z' });
  });

  it('last: the most recent missed fire runs, unless a newer one is on time', () => {
    expect(due('last', '2026-01-01T10:00:00Z', '2026-01-01T13:30:00Z')).toMatchObject({ fire: ['13:00 catch-up'], missed: { count: 2, first: '11:00', last: '12:00' } });
    expect(due('last', '2026-01-01T10:00:00Z', '2026-01-01T13:00:10Z')).toMatchObject({ fire: ['13:00 cron'], missed: { count: 2 } });
    expect(due('last', '2026-01-01T10:00:00Z', '2026-01-01T13:30:00Z', { windowMs: 20 * 60_000 })).toMatchObject({ fire: [], missed: { count: 3 } });
  });

  it('all: each missed fire within the window, oldest first, at most maxCatchUp', () => {
    expect(due('all', '2026-01-01T10:00:00Z', '2026-01-01T13:30:00Z').fire).toEqual(['11:00 catch-up', '12:00 catch-up', '13:00 catch-up']);
    expect(due('all', '2026-01-01T10:00:00Z', '2026-01-01T13:00:05Z').fire).toEqual(['11:00 catch-up', '12:00 catch-up', '13:00 cron']);
    expect(due('all', '2026-01-01T10:00:00Z', '2026-01-01T13:30:00Z', { windowMs: 2 * 3600_000 })).toMatchObject({ fire: ['12:00 catch-up', '13:00 catch-up'], missed: { count: 1, first: '11:00' } });
    expect(due('all', '2025-01-01T00:00:00Z', '2026-01-01T00:30:00Z', { maxCatchUp: 2 })).toMatchObject({ fire: ['23:00 catch-up', '00:00 catch-up'], missed: { count: 1, more: true } });
  });

  it('jitter delays a fire: not due until fire time + jitter', () => {
    const j = jitterFor('config:x', t('2026-01-01T11:00:00Z'), 600_000);
    const before = new Date(t('2026-01-01T11:00:00Z') + j - 1).toISOString();
    const after = new Date(t('2026-01-01T11:00:00Z') + j).toISOString();
    expect(due('none', '2026-01-01T10:00:00Z', before, { jitterMs: 600_000 }).fire).toEqual([]);
    expect(due('none', '2026-01-01T10:00:00Z', after, { jitterMs: 600_000 }).fire).toEqual(['11:00 cron']);
  });
});

describe('ManualClock', () => {
  it('fires timers in time order as it is moved, never backwards', async () => {
    const c = new ManualClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    c.setTimer(() => seen.push(`b@${new Date(c.now()).toISOString()}`), 2000);
    c.setTimer(() => seen.push(`a@${new Date(c.now()).toISOString()}`), 1000);
    const cancel = c.setTimer(() => seen.push('never'), 1500);
    cancel();
    await c.runTo('2026-01-01T00:00:05Z', async () => undefined);
    expect(seen).toEqual(['a@2026-01-01T00:00:01.000Z', 'b@2026-01-01T00:00:02.000Z']);
    c.set('2025-01-01T00:00:00Z');
    expect(new Date(c.now()).toISOString()).toBe('2026-01-01T00:00:05.000Z');
  });
});

function fires(plan: ReturnType<typeof compileCron>, from: string, n: number): number[] {
  const out: number[] = [];
  let at = t(from);
  while (out.length < n) out.push((at = plan.next(at)!));
  return out;
}
