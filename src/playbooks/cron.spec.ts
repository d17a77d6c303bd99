import { describe, expect, it } from '@jest/globals';
import { cronProblem } from './cron.js';
import { parseDuration } from './duration.js';
import { isTimeZone } from './playbook.schedule.js';
import { cronError } from '../schedule/cron-plan.js';
import { loadContract } from '../common/paths.js';

describe('schedule building blocks', () => {
  it('accepts what croner (the scheduler) accepts: 5 or 6 fields, names, L, #n, ? and nicknames', () => {
    for (const ok of ['0 6 * * *', '*/15 * * * *', '0 0 6 * * MON-FRI', '30 2 1,15 jan-mar ?', '0 0 0 * * 7', '5-10/2 * * * *', '0 0 L * *', '0 9 * * MON#1', '@daily', '@hourly', ' @weekly ']) {
      expect(cronProblem(ok)).toBeUndefined();
    }
  });

  it('refuses what croner refuses, saying why', () => {
    expect(cronProblem('* * * *')).toMatch(/^"\* \* \* \*" is not a valid cron expression: .*five, six/);
    expect(cronProblem('0 24 * * *')).toBe('"0 24 * * *" is not a valid cron expression: Invalid value for hour: 24');
    expect(cronProblem('0 0 1-31/40 * *')).toMatch(/steps cannot be greater than maximum value/);
    expect(cronProblem('0 0 * * MON-FUN')).toMatch(/illegal characters/);
    expect(cronProblem('0 0 * 13 *')).toMatch(/not a valid cron expression/);
    expect(cronProblem('0 0 10-2 * *')).toMatch(/From value is larger than to value/);
    expect(cronProblem('*/0 * * * *')).toMatch(/illegal stepping/);
    expect(cronProblem('@fortnightly')).toMatch(/not a valid cron expression/);
    expect(cronProblem('0 0 30 2 *')).toBe('"0 0 30 2 *" never fires');
  });

  it('agrees with the scheduler (steward.yaml schedules) on every expression', () => {
    const cases = ['0 0 L * *', '0 9 * * MON#1', '@daily', '0 0 1-31/40 * *', '0 24 * * *', '* * * *', '30 2 1,15 jan-mar ?', '0 0 30 2 *'];
    for (const c of cases) expect([c, cronProblem(c) === undefined]).toEqual([c, cronError(c, 'UTC') === undefined]);
  });

  it('the editor schemas (playbook schedule.cron, steward.yaml schedules) let every croner form through', () => {
    const playbook = loadContract<{ $defs: { schedule: { properties: { cron: { pattern: string } } } } }>('playbook.schema.json');
    const pattern = new RegExp(playbook.$defs.schedule.properties.cron.pattern);
    for (const ok of ['@daily', '0 0 L * *', '0 9 * * MON#1', '0 30 6 * * MON-FRI']) expect(pattern.test(ok)).toBe(true);
    expect(JSON.stringify(loadContract('config.schema.json'))).toContain(JSON.stringify(pattern.source));
  });

  it('parses durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('30 seconds')).toBeUndefined();
  });

  it('knows IANA time zones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
