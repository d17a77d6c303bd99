import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from '../../../../src/plugins/plugin-api.js';

interface StallInput {
  ms: number;
}

/**
 * A write that takes a while and must not be repeated blindly (not idempotent): the durability tests kill the
 * daemon while it is in flight and expect a person to decide whether to retry it.
 */
export const stall = defineTool<StallInput, { waitedMs: number }>({
  id: 'demo.util.stall',
  title: 'Stall, as a write',
  description: 'Waits ms milliseconds (honouring cancellation) and counts as a non-idempotent write. For durability tests.',
  inputSchema: { type: 'object', additionalProperties: false, required: ['ms'], properties: { ms: { type: 'integer', minimum: 0, maximum: 600000 } } },
  outputSchema: { type: 'object', additionalProperties: false, required: ['waitedMs'], properties: { waitedMs: { type: 'integer' } } },
  effect: 'write',
  idempotent: false,
  environments: [],
  examples: [{ title: 'Two seconds', input: { ms: 2000 } }],
  plan: ({ ms }) => ({ summary: `would wait ${ms} ms`, changes: [{ action: 'update', target: 'nothing', detail: 'a stall changes nothing real' }] }),
  handler: async ({ ms }, ctx) => {
    await sleep(ms, undefined, { signal: ctx.signal });
    return { waitedMs: ms };
  },
});
