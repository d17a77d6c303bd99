import { defineTool } from '../../../../src/plugins/plugin-api.js';

/** Does nothing, fast: measures the host's own overhead per call (bench/). */
export const noop = defineTool<Record<string, never>, Record<string, never>>({
  id: 'demo.util.noop',
  title: 'Do nothing',
  description: 'Returns an empty object at once. Used to measure the overhead of a tool call.',
  inputSchema: { type: 'object', additionalProperties: false, properties: {} },
  outputSchema: { type: 'object', additionalProperties: false, properties: {} },
  effect: 'read',
  idempotent: true,
  environments: [],
  examples: [{ title: 'No input', input: {} }],
  handler: () => ({}),
});
