import type { Effect } from '../plugins/plugin-api.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'consumed';
/**
 * tool: a mutating tool call; gate: a playbook `approval` step; unknown_step: a non-idempotent step that may have run
 * before a crash; run_plan: the plan of every write step of a run, approved once (its steps are then released one by
 * one as `tool` approvals whose parent it is).
 */
export type ApprovalKind = 'tool' | 'gate' | 'unknown_step' | 'run_plan';
export type Decision = 'approve' | 'reject' | 'retry' | 'skip';

export interface ApprovalRow {
  id: string;
  run_id: string | null;
  step_key: string | null;
  kind: ApprovalKind;
  tool: string | null;
  effect: Effect | null;
  input: unknown;
  environments: Record<string, string> | null;
  call_digest: string | null;
  plan: unknown;
  message: string | null;
  requested_by: string;
  required_approvals: number;
  require_reason: boolean;
  allow_self_approval: boolean;
  status: ApprovalStatus;
  outcome: string | null;
  created_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  consumed_at: Date | null;
  /** The thread whose message the approval's run answers (read with the approval; not a column). */
  thread_id?: string | null;
  /** Who changed the arguments before approving (the original stays in original_input). */
  edited_by?: string | null;
  original_input?: unknown;
  /** A step's release under an approved run plan: the run plan's id. */
  parent_id?: string | null;
}

/** One write step of a run plan, as approved. */
export interface RunPlanStep {
  stepKey: string;
  stepId: string;
  tool: string;
  effect: Effect;
  /** Role → environment name. */
  environments: Record<string, string>;
  /** callDigest of the validated input: the step is released only to exactly this call. */
  inputDigest: string;
  /** The tool's dry-run plan, or null for a tool without one. */
  plan: unknown;
}

/** The `plan` of a run_plan approval. */
export interface RunPlan {
  steps: RunPlanStep[];
}

/** One change of a plan as the comparison sees it: what, to which asset, field by field (wording left out). */
export interface CanonicalChange {
  action: string;
  target: string;
  fields?: unknown[];
}

/** How a step's plan at apply time differs from the approved one. */
export interface PlanDrift {
  /** Changes the approved plan did not have. */
  added: CanonicalChange[];
  /** Changes of the approved plan that are gone. */
  removed: CanonicalChange[];
  /** Assets whose change differs (another action or other fields). */
  changed: { target: string; approved: CanonicalChange[]; now: CanonicalChange[] }[];
  /** The call's input differs from the approved one (e.g. an earlier read returned something else). */
  inputChanged: boolean;
}

export interface DecisionRow {
  approval_id: string;
  approver: string;
  decision: Decision;
  comment: string | null;
  decided_at: Date;
}

/** The effective approval policy for one action. */
export interface ApprovalPolicy {
  /** Effects that need a person's approval. */
  requireFor: Effect[];
  /** Effects whose approval must carry a comment (the reason). */
  requireReasonFor: Effect[];
  /** Distinct approvers needed. */
  approvers: number;
  allowSelfApproval: boolean;
  expiresAfterMs: number;
}

export const DEFAULT_POLICY: ApprovalPolicy = {
  requireFor: ['write', 'destructive'],
  requireReasonFor: ['destructive'],
  approvers: 1,
  allowSelfApproval: false,
  expiresAfterMs: 24 * 3600_000,
};

/** A partial policy as written in steward.yaml (environment) or a playbook. */
export interface PolicySpec {
  requireFor?: Effect[];
  requireReasonFor?: Effect[];
  approvers?: number;
  allowSelfApproval?: boolean;
  expiresAfterMs?: number;
}

/**
 * Combines the environment's policy (steward.yaml: the authority, it may relax the defaults, e.g. auto-approve writes
 * in a sandbox) with the playbook's, which can only tighten it: the union of what needs approval, the most
 * approvers, the shortest expiry; self-approval only when the environment allows it and the playbook does not forbid it.
 */
export function combinePolicies(environment: PolicySpec = {}, playbook: PolicySpec = {}): ApprovalPolicy {
  const union = (a: Effect[], b: Effect[] = []) => [...new Set([...a, ...b])];
  return {
    requireFor: union(environment.requireFor ?? DEFAULT_POLICY.requireFor, playbook.requireFor),
    requireReasonFor: union(environment.requireReasonFor ?? DEFAULT_POLICY.requireReasonFor, playbook.requireReasonFor),
    approvers: Math.max(environment.approvers ?? DEFAULT_POLICY.approvers, playbook.approvers ?? 1),
    expiresAfterMs: Math.min(environment.expiresAfterMs ?? DEFAULT_POLICY.expiresAfterMs, playbook.expiresAfterMs ?? Infinity),
    allowSelfApproval: environment.allowSelfApproval === true && playbook.allowSelfApproval !== false,
  };
}

export interface NewApprovalRow {
  id: string;
  kind: ApprovalKind;
  runId?: string | null;
  stepKey?: string | null;
  tool?: string | null;
  effect?: Effect | null;
  input?: unknown;
  environments?: Record<string, string> | null;
  digest: string | null;
  plan?: unknown;
  message?: string | null;
  requestedBy: string;
  expiresAt: Date;
  /** A step's release under a run plan: inserted approved, bound to the parent (one per step). */
  parentId?: string | null;
}
