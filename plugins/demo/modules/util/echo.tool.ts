import { defineTool } from '../../../../src/plugins/plugin-api.js';

interface EchoInput {
  message: string;
  uppercase: boolean;
}

/** Returns its input: the smallest round trip through validation, handler and output check. */
export const echo = defineTool<EchoInput, { message: string }>({
  id: 'demo.util.echo',
  title: 'Echo a message',
  description: 'Returns the message it is given, upper-cased on request. Touches no environment.',
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: { type: 'string', maxLength: 10000, description: 'Text to send back.' },
      uppercase: { type: 'boolean', default: false },
    },
  },
  outputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: { message: { type: 'string' } },
  },
  effect: 'read',
  idempotent: true,
  environments: [],
  examples: [
    { title: 'Say hello', input: { message: 'hello', uppercase: false } },
    { title: 'Shout', input: { message: 'hello', uppercase: true } },
  ],
  handler: (input) => ({ message: input.uppercase ? input.message.toUpperCase() : input.message }),
});
