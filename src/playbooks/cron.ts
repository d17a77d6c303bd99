/** Light validation of cron expressions (5 fields, or 6 with seconds first); the scheduler does the rest. */

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, any: true },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, any: true, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

type Field = (typeof FIELDS)[number];

/** Why the expression is not a valid cron expression, or undefined. */
export function cronProblem(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return `has ${parts.length} fields; use 5 (minute hour day month weekday) or 6 (seconds first)`;
  const fields = parts.length === 6 ? FIELDS : FIELDS.slice(1);
  for (let i = 0; i < parts.length; i++) {
    const bad = parts[i]!.split(',').find((item) => !validItem(item, fields[i]!));
    if (bad !== undefined) return `${fields[i]!.name} field "${parts[i]}" is invalid (allowed ${fields[i]!.min}-${fields[i]!.max}, *, ranges a-b, steps /n, lists a,b)`;
  }
  return undefined;
}

function validItem(item: string, f: Field): boolean {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return false;
  if (range === '*' || (range === '?' && 'any' in f)) return true;
  const bounds = range!.split('-');
  if (bounds.length > 2) return false;
  const values = bounds.map((b) => value(b, f));
  if (values.some((v) => v === undefined)) return false;
  return values.length === 1 || values[0]! <= values[1]!;
}

function value(text: string, f: Field): number | undefined {
  const named = 'names' in f ? (f.names as readonly string[]).indexOf(text.toUpperCase()) : -1;
  if (named >= 0) return f.name === 'month' ? named + 1 : named;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= f.min && n <= f.max ? n : undefined;
}
