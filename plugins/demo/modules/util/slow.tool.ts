import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from '../../../../src/plugins/plugin-api.js';

interface SlowInput {
  steps: number;
  intervalMs: number;
}

/** Takes a while on purpose: reports progress after every step and stops as soon as the call is cancelled. */
export const slow = defineTool<SlowInput, { steps: number }>({
  id: 'demo.util.slow',
  title: 'Work slowly, reporting progress',
  description: 'Waits intervalMs per step for the given number of steps, reporting progress after each; honours cancellation.',
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      steps: { type: 'integer', minimum: 1, maximum: 10000, default: 10 },
      intervalMs: { type: 'integer', minimum: 1, maximum: 60000, default: 100 },
    },
  },
  outputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['steps'],
    properties: { steps: { type: 'integer' } },
  },
  effect: 'read',
  idempotent: true,
  environments: [],
  examples: [{ title: 'Five steps of 20 ms', input: { steps: 5, intervalMs: 20 } }],
  handler: async ({ steps, intervalMs }, ctx) => {
    for (let step = 1; step <= steps; step++) {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
      ctx.progress({ progress: step, total: steps, message: `step ${step} of ${steps}` });
    }
    return { steps };
  },
});
