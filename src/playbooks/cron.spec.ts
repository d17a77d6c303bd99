import { describe, expect, it } from '@jest/globals';
import { cronProblem } from './cron.js';
import { parseDuration } from './duration.js';
import { isTimeZone } from './playbook.schedule.js';

describe('schedule building blocks', () => {
  it('accepts 5- and 6-field cron expressions with names, ranges, steps and lists', () => {
    for (const ok of ['0 6 * * *', '*/15 * * * *', '0 0 6 * * MON-FRI', '30 2 1,15 jan-mar ?', '0 0 0 * * 7', '5-10/2 * * * *']) expect(cronProblem(ok)).toBeUndefined();
  });

  it('says which field is wrong', () => {
    expect(cronProblem('* * * *')).toBe('has 4 fields; use 5 (minute hour day month weekday) or 6 (seconds first)');
    expect(cronProblem('0 24 * * *')).toBe('hour field "24" is invalid (allowed 0-23, *, ranges a-b, steps /n, lists a,b)');
    expect(cronProblem('0 0 * * MON-FUN')).toMatch(/^day of week field "MON-FUN"/);
    expect(cronProblem('0 0 * 13 *')).toMatch(/^month field "13"/);
    expect(cronProblem('0 0 10-2 * *')).toMatch(/^day of month field "10-2"/);
    expect(cronProblem('*/0 * * * *')).toMatch(/^minute field/);
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
