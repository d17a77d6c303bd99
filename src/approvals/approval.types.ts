import type { Effect } from '../plugins/plugin-api.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'consumed';
/** tool: a mutating tool call; gate: a playbook `approval` step; unknown_step: a non-idempotent step that may have run before a crash. */
export type ApprovalKind = 'tool' | 'gate' | 'unknown_step';
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
}
