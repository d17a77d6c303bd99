import type { ParsedPlaybook, Step } from './playbook.types.js';

/** What GET /playbooks shows per playbook. */
export function summary(p: ParsedPlaybook) {
  return {
    id: p.id,
    ...(p.description !== undefined && { description: p.description }),
    labels: p.labels,
    file: p.file,
    inputs: p.inputs,
    environments: p.environments,
    steps: p.steps.map(outline),
    outputs: Object.keys(p.outputs),
    ...(p.schedule && { schedule: { cron: p.schedule.cron, timezone: p.schedule.timezone, enabled: p.schedule.enabled } }),
  };
}

/** GET /playbooks/{id}: the summary, the run-input schema and the validated document. */
export function detail(p: ParsedPlaybook) {
  return { ...summary(p), inputSchema: p.inputSchema, ...(p.policy && { policy: p.policy }), definition: p.definition };
}

type Outline = { id: string; kind: Step['kind']; name?: string; tool?: string; steps?: Outline[] };

function outline(s: Step): Outline {
  return {
    id: s.id,
    kind: s.kind,
    ...(s.name !== undefined && { name: s.name }),
    ...(s.kind === 'tool' && { tool: s.tool }),
    ...((s.kind === 'foreach' || s.kind === 'loop') && { steps: s.steps.map(outline) }),
  };
}
