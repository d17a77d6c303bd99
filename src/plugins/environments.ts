import { StewardError, type ErrorDetail } from '../common/errors.js';
import type { EnvironmentConfig } from '../config/config.types.js';
import { deepFreeze } from './deep-freeze.js';
import type { ResolvedEnvironment } from './plugin-api.js';
import type { LoadedTool } from './plugin.types.js';

/** A frozen copy of one configured environment, as tools receive it (policy and model-sharing flags left out). */
export function resolveEnvironment(name: string, env: EnvironmentConfig): ResolvedEnvironment {
  const copy = structuredClone(env);
  return deepFreeze({
    name,
    kind: copy.kind,
    ...(copy.url !== undefined && { url: copy.url }),
    ...(copy.token !== undefined && { token: copy.token }),
    ...(copy.username !== undefined && { username: copy.username }),
    ...(copy.password !== undefined && { password: copy.password }),
    tls: { verify: copy.tls?.verify ?? true, ...(copy.tls?.caFile !== undefined && { caFile: copy.tls.caFile }) },
    ...(copy.timeoutMs !== undefined && { timeoutMs: copy.timeoutMs }),
    ...(copy.concurrency !== undefined && { concurrency: copy.concurrency }),
    options: copy.options ?? {},
  });
}

/** Every configured environment resolved once, by name. */
export function resolveEnvironments(configured: Record<string, EnvironmentConfig>): ReadonlyMap<string, ResolvedEnvironment> {
  return new Map(Object.entries(configured).map(([name, env]) => [name, resolveEnvironment(name, env)]));
}

/**
 * Maps the caller's `{ role: environmentName }` to the environments a tool takes: every declared role present, no
 * other role, each name configured and of a kind the tool's plugin serves. Throws TOOL_ENVIRONMENT_INVALID.
 */
export function bindEnvironments(
  tool: LoadedTool,
  given: Readonly<Record<string, string>> | undefined,
  available: ReadonlyMap<string, ResolvedEnvironment>,
): Readonly<Record<string, ResolvedEnvironment>> {
  const errors: ErrorDetail[] = [];
  const bound: Record<string, ResolvedEnvironment> = {};
  for (const role of tool.environments) {
    const name = given?.[role];
    const env = name === undefined ? undefined : available.get(name);
    if (name === undefined) errors.push({ path: `environments.${role}`, message: 'is required (the environment to use for this role)' });
    else if (!env) errors.push({ path: `environments.${role}`, message: `"${name}" is not a configured environment (known: ${[...available.keys()].join(', ') || 'none'})` });
    else if (!tool.kinds.includes(env.kind)) errors.push({ path: `environments.${role}`, message: `"${name}" is of kind ${env.kind}; ${tool.id} works on: ${tool.kinds.join(', ')}` });
    else bound[role] = env;
  }
  for (const role of Object.keys(given ?? {})) {
    if (!tool.environments.includes(role)) {
      errors.push({ path: `environments.${role}`, message: `unknown role (${tool.id} takes: ${tool.environments.join(', ') || 'no environment'})` });
    }
  }
  if (errors.length > 0) {
    throw new StewardError('TOOL_ENVIRONMENT_INVALID', `environments for ${tool.id}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return Object.freeze(bound);
}
