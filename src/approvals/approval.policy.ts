import type { EnvironmentPolicyConfig, StewardConfig } from '../config/config.types.js';
import { parseDuration } from '../playbooks/duration.js';
import { DEFAULT_POLICY, type PolicySpec } from './approval.types.js';

/**
 * The policy steward.yaml sets for one call: the strictest of the policies of the environments it names and of its
 * plugin (`plugins.<id>.policy`; `plugins.mcp` for external MCP servers); a call that names no environment and whose
 * plugin sets none follows `approvals.defaultPolicy`. undefined: nothing configured (the defaults apply).
 */
export function configuredPolicy(config: StewardConfig, environments: Readonly<Record<string, string>>, plugin?: string): PolicySpec | undefined {
  const specs = Object.values(environments).map((name) => toSpec(config.environments[name]?.policy));
  const pluginPolicy = plugin ? (config.plugins[plugin] as { policy?: EnvironmentPolicyConfig } | string[] | undefined) : undefined;
  if (pluginPolicy && !Array.isArray(pluginPolicy) && pluginPolicy.policy) specs.push(toSpec(pluginPolicy.policy));
  if (!specs.length && config.approvals?.defaultPolicy) specs.push(toSpec(config.approvals.defaultPolicy));
  return specs.length ? specs.reduce(mergeEnv) : undefined;
}

/** A policy as written in steward.yaml (expiresAfter as a duration) in the form the merge takes. */
function toSpec(raw: EnvironmentPolicyConfig | undefined): PolicySpec {
  const { expiresAfter, ...rest } = raw ?? {};
  const ms = typeof expiresAfter === 'string' ? parseDuration(expiresAfter) : undefined;
  return { ...rest, ...(ms !== undefined ? { expiresAfterMs: ms } : {}) };
}

/** Several environments in one call: the strictest of their policies. */
function mergeEnv(a: PolicySpec, b: PolicySpec): PolicySpec {
  return {
    requireFor: [...new Set([...(a.requireFor ?? DEFAULT_POLICY.requireFor), ...(b.requireFor ?? DEFAULT_POLICY.requireFor)])],
    requireReasonFor: [...new Set([...(a.requireReasonFor ?? DEFAULT_POLICY.requireReasonFor), ...(b.requireReasonFor ?? DEFAULT_POLICY.requireReasonFor)])],
    approvers: Math.max(a.approvers ?? 1, b.approvers ?? 1),
    expiresAfterMs: Math.min(a.expiresAfterMs ?? Infinity, b.expiresAfterMs ?? Infinity) === Infinity ? undefined : Math.min(a.expiresAfterMs ?? Infinity, b.expiresAfterMs ?? Infinity),
    allowSelfApproval: (a.allowSelfApproval ?? true) && (b.allowSelfApproval ?? true) && (a.allowSelfApproval === true || b.allowSelfApproval === true),
  };
}
