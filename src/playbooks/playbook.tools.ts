import type { PathSegment } from '../common/json-schema.js';
import { checkArguments } from './tool-arguments.js';
import type { RawStep } from './playbook.raw.js';
import type { Reporter } from './reporter.js';
import type { ToolInfo, ToolLookup } from './tool-lookup.js';

export interface ToolCheckContext {
  report: Reporter;
  lookup: ToolLookup;
  /** Playbook environment role → kind. */
  roles: ReadonlyMap<string, string>;
}

const names = (xs: Iterable<string>): string => [...xs].join(', ') || 'none';

/** Checks a tool step against the tool: it exists, retry only if idempotent, environments, literal arguments. */
export function checkToolStep(step: RawStep, path: PathSegment[], ctx: ToolCheckContext): Record<string, string> {
  const tool = ctx.lookup.get(step.tool!);
  if (!tool) {
    ctx.report.error([...path, 'tool'], `unknown tool "${step.tool}"`);
    return {};
  }
  if (step.retry && !tool.idempotent) ctx.report.error([...path, 'retry'], `${tool.id} is not idempotent: retrying it could apply it twice`, true);
  checkArguments(tool, step.with ?? {}, [...path, 'with'], ctx.report);
  return bindRoles(tool, step.env ?? {}, path, ctx);
}

/** Tool role → playbook role: explicit `env:`, else a same-named role, else the only role for a single-role tool. */
function bindRoles(tool: ToolInfo, env: Record<string, string>, path: PathSegment[], ctx: ToolCheckContext): Record<string, string> {
  const bound: Record<string, string> = {};
  for (const key of Object.keys(env)) {
    if (!tool.environments.includes(key)) ctx.report.error([...path, 'env', key], `${tool.id} has no environment role "${key}" (its roles: ${names(tool.environments)})`, true);
  }
  for (const role of tool.environments) {
    const explicit = env[role];
    const at = explicit !== undefined ? [...path, 'env', role] : [...path, 'tool'];
    const mapped = explicit ?? (ctx.roles.has(role) ? role : tool.environments.length === 1 && ctx.roles.size === 1 ? [...ctx.roles.keys()][0]! : undefined);
    if (mapped === undefined) {
      ctx.report.error(at, `${tool.id} needs an environment for its role "${role}": declare it under environments or map it with env: { ${role}: <role> } (declared: ${names(ctx.roles.keys())})`);
      continue;
    }
    const kind = ctx.roles.get(mapped);
    if (kind === undefined) ctx.report.error(at, `undeclared environment role "${mapped}" (declared: ${names(ctx.roles.keys())})`);
    else if (!tool.kinds.includes(kind)) ctx.report.error(at, `environment role "${mapped}" is of kind ${kind}; ${tool.id} works on: ${names(tool.kinds)}`);
    else bound[role] = mapped;
  }
  return bound;
}

/** An agent step: tool ids and patterns must name known tools, env must map to declared roles. */
export function checkAgentStep(step: RawStep, path: PathSegment[], ctx: ToolCheckContext): Record<string, string> {
  const agent = step.agent!;
  const all = ctx.lookup.tools?.();
  agent.tools.forEach((pattern, i) => {
    if (!pattern.endsWith('*')) {
      if (!ctx.lookup.get(pattern)) ctx.report.error([...path, 'agent', 'tools', i], `unknown tool "${pattern}"`);
    } else if (all && !all.some((t) => t.id.startsWith(pattern.slice(0, -1)))) {
      ctx.report.error([...path, 'agent', 'tools', i], `no tool matches "${pattern}"`);
    }
  });
  for (const [key, role] of Object.entries(agent.env ?? {})) {
    if (!ctx.roles.has(role)) ctx.report.error([...path, 'agent', 'env', key], `undeclared environment role "${role}" (declared: ${names(ctx.roles.keys())})`);
  }
  return { ...(agent.env ?? {}) };
}
