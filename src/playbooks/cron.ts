import { Cron } from 'croner';

/**
 * Checks a playbook's `schedule.cron` with croner, the parser the scheduler runs it with (and steward.yaml's
 * schedules are checked with): 5 fields (minute first) or 6 (seconds first), `L`, `#n`, `W`, `?`, names and the
 * `@daily`-style nicknames. One parser, so `validate` never accepts what the scheduler refuses or the reverse.
 */
export function cronProblem(expr: string): string | undefined {
  let cron: Cron;
  try {
    cron = new Cron(expr.trim(), { mode: '5-or-6-parts', paused: true });
  } catch (e) {
    return `"${expr.trim()}" is not a valid cron expression: ${(e as Error).message.replace(/^CronPattern: /, '')}`;
  }
  return cron.nextRun() === null ? `"${expr.trim()}" never fires` : undefined;
}
