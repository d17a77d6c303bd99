import { cronProblem } from './cron.js';
import { parseDuration } from './duration.js';
import { checkInputValues } from './playbook.inputs.js';
import type { RawPolicy, RawSchedule } from './playbook.raw.js';
import type { ApprovalPolicySpec, ScheduleSpec } from './playbook.types.js';
import type { Reporter } from './reporter.js';

/** Configured environments (steward.yaml), when known: lets schedules be checked against them. */
export type KnownEnvironments = Readonly<Record<string, { kind: string }>>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reserved for the scheduler: checks the shape's meaning (cron, zone, inputs, environment bindings). */
export function checkSchedule(
  s: RawSchedule,
  ctx: { report: Reporter; inputSchema: Record<string, unknown>; roles: ReadonlyMap<string, string>; environments?: KnownEnvironments },
): ScheduleSpec {
  const { report } = ctx;
  const cron = cronProblem(s.cron);
  if (cron) report.error(['schedule', 'cron'], cron);
  const timezone = s.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) report.error(['schedule', 'timezone'], `unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin)`);
  checkInputValues(ctx.inputSchema, s.inputs ?? {}, ['schedule', 'inputs'], report);
  const bound = s.environments ?? {};
  for (const [role, name] of Object.entries(bound)) {
    const kind = ctx.roles.get(role);
    const known = ctx.environments?.[name];
    if (kind === undefined) report.error(['schedule', 'environments', role], `undeclared environment role "${role}"`, true);
    else if (ctx.environments && !known) report.error(['schedule', 'environments', role], `no environment "${name}" in the configuration`);
    else if (known && known.kind !== kind) report.error(['schedule', 'environments', role], `environment "${name}" is of kind ${known.kind}; role "${role}" needs ${kind}`);
  }
  for (const role of ctx.roles.keys()) {
    if (!(role in bound)) report.error(['schedule', 'environments'], `role "${role}" is not bound to an environment`, !s.environments);
  }
  const window = s.catchUpWindow !== undefined ? positive(s.catchUpWindow, ['schedule', 'catchUpWindow'], report) : undefined;
  if (window !== undefined && (s.catchUp ?? 'none') === 'none') report.warning(['schedule', 'catchUpWindow'], 'has no effect with catchUp: none', true);
  const jitter = s.jitter !== undefined ? positive(s.jitter, ['schedule', 'jitter'], report) : undefined;
  return {
    cron: s.cron.trim(),
    timezone,
    inputs: s.inputs ?? {},
    environments: bound,
    overlap: s.overlap ?? 'skip',
    catchUp: s.catchUp ?? 'none',
    ...(window !== undefined && { catchUpWindowMs: window }),
    ...(jitter !== undefined && { jitterMs: jitter }),
    enabled: s.enabled ?? true,
  };
}

/** Reserved for approvals: durations in milliseconds. */
export function checkPolicy(p: RawPolicy, report: Reporter): ApprovalPolicySpec {
  if (!p.approval) return {};
  const { expiresAfter, ...rest } = p.approval;
  const ms = expiresAfter !== undefined ? positive(expiresAfter, ['policy', 'approval', 'expiresAfter'], report) : undefined;
  return { approval: { ...rest, ...(ms !== undefined && { expiresAfterMs: ms }) } };
}

function positive(text: string, path: (string | number)[], report: Reporter): number {
  const ms = parseDuration(text) ?? 0;
  if (ms <= 0) report.error(path, 'must be longer than 0');
  return ms;
}
