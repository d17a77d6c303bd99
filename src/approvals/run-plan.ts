import type { Effect } from '../plugins/plugin-api.js';
import type { ApprovalPolicy, CanonicalChange, PlanDrift, RunPlan, RunPlanStep } from './approval.types.js';

/**
 * Approving a run's plan once (a run_plan approval): the policy it is asked under, and the comparison of a step's plan
 * at apply time with the approved one. Plans are compared by what they would do — each change's action, target and
 * fields — never by their wording (summary, detail, reason).
 */

/** The changes of a plan, canonical and sorted (a plan without changes, or no plan, has none). */
export function canonicalChanges(plan: unknown): CanonicalChange[] {
  const changes = (plan as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes)) return [];
  return changes
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .map((c) => ({ action: String(c.action), target: String(c.target), ...(Array.isArray(c.fields) && c.fields.length ? { fields: canonical(c.fields) as unknown[] } : {}) }))
    .sort((a, b) => cmp(key(a), key(b)));
}

/** The drift between the approved plan and the plan now; undefined when they would do the same (and the input is the same). */
export function planDrift(approved: RunPlanStep, plan: unknown, inputDigest: string): PlanDrift | undefined {
  const before = groupByTarget(canonicalChanges(approved.plan));
  const now = groupByTarget(canonicalChanges(plan));
  const drift: PlanDrift = { added: [], removed: [], changed: [], inputChanged: approved.inputDigest !== inputDigest };
  for (const [target, was] of before) {
    const is = now.get(target);
    if (!is) drift.removed.push(...was);
    else if (JSON.stringify(was) !== JSON.stringify(is)) drift.changed.push({ target, approved: was, now: is });
  }
  for (const [target, is] of now) if (!before.has(target)) drift.added.push(...is);
  // A plan that could not be made (an error instead of changes) never matches.
  const failedNow = isErrorPlan(plan) && !isErrorPlan(approved.plan);
  if (!drift.inputChanged && !failedNow && !drift.added.length && !drift.removed.length && !drift.changed.length) return undefined;
  return drift;
}

/** One line saying what drifted: `2 added, 1 removed, 1 changed; its input differs`. */
export function driftSummary(d: PlanDrift): string {
  const parts = [d.added.length && `${d.added.length} added`, d.removed.length && `${d.removed.length} removed`, d.changed.length && `${d.changed.length} changed`].filter(Boolean);
  return [parts.length ? parts.join(', ') : 'the plan could not be compared', d.inputChanged ? 'its input differs from the approved one' : ''].filter(Boolean).join('; ');
}

/** The step of a run plan with this key. */
export const planStepOf = (plan: unknown, stepKey: string): RunPlanStep | undefined => (plan as RunPlan | null)?.steps?.find((s) => s.stepKey === stepKey);

/**
 * The policy one approval of several steps is asked under: the strictest of theirs — the most approvers, the shortest
 * expiry, self-approval only when every step allows it, and a reason when any step needs one (for its effect).
 */
export function combinedPolicy(steps: { policy: ApprovalPolicy; effect: Effect }[]): { policy: ApprovalPolicy; effect: Effect } {
  const effect: Effect = steps.some((s) => s.effect === 'destructive') ? 'destructive' : steps.some((s) => s.effect === 'write') ? 'write' : 'read';
  const reason = steps.some((s) => s.policy.requireReasonFor.includes(s.effect));
  return {
    effect,
    policy: {
      requireFor: [...new Set(steps.flatMap((s) => s.policy.requireFor))],
      requireReasonFor: reason ? [effect] : [],
      approvers: Math.max(1, ...steps.map((s) => s.policy.approvers)),
      expiresAfterMs: Math.min(...steps.map((s) => s.policy.expiresAfterMs)),
      allowSelfApproval: steps.every((s) => s.policy.allowSelfApproval),
    },
  };
}

const isErrorPlan = (plan: unknown): boolean => !!plan && typeof plan === 'object' && 'error' in plan && !('changes' in plan);

const key = (c: CanonicalChange): string => JSON.stringify([c.target, c.action, c.fields ?? null]);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function groupByTarget(changes: CanonicalChange[]): Map<string, CanonicalChange[]> {
  const m = new Map<string, CanonicalChange[]>();
  for (const c of changes) m.set(c.target, [...(m.get(c.target) ?? []), c]);
  return m;
}

/** JSON with object keys in order (the same fields however a plugin ordered them). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}
