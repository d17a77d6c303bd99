import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { startDemoModel, type DemoModelServer } from './demo-model.server.js';

/** The demo model over HTTP, through the same client the agent uses (@langchain/openai), whole and streamed. */
describe('the demo model server', () => {
  let server: DemoModelServer;
  beforeAll(async () => {
    server = await startDemoModel();
  });
  afterAll(() => server?.close());

  const model = () => new ChatOpenAI({ model: 'steward-demo', apiKey: 'not-needed', maxRetries: 0, streamUsage: true, configuration: { baseURL: server.url, maxRetries: 0 } });
  const listTool = { type: 'function' as const, function: { name: 'postgres__catalog__list', description: 'Lists entries. Read-only.', parameters: { type: 'object', properties: {} } } };
  const plan = new HumanMessage('You plan the discovery of the PostgreSQL database sandbox-db (schemas ["shop"]), round 1 of at most 3.');

  it('answers a whole request with its note, and usage', async () => {
    const r = await model().invoke([new HumanMessage('Hello')]);
    expect(r.content).toMatch(/^This is steward-demo, the Steward sandbox's scripted demo model - not a language model/);
    expect(r.usage_metadata?.input_tokens).toBeGreaterThan(0);
  });

  it('streams: text in chunks, a tool call with its arguments, usage in the last chunk', async () => {
    let text = '';
    for await (const chunk of await model().stream([new HumanMessage('Hello')])) text += chunk.content as string;
    expect(text).toMatch(/^This is steward-demo/);
    let calls: unknown[] = [];
    let usage: unknown;
    for await (const chunk of await model().bindTools([listTool]).stream([plan])) {
      if (chunk.tool_call_chunks?.length) calls = [...calls, ...chunk.tool_call_chunks];
      if (chunk.usage_metadata) usage = chunk.usage_metadata;
    }
    const joined = calls as { name?: string; args?: string }[];
    expect(joined.find((c) => c.name)?.name).toBe('postgres__catalog__list');
    expect(JSON.parse(joined.map((c) => c.args ?? '').join(''))).toEqual({ kinds: ['table'], limit: 100 });
    expect(usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
  });

  it('names its model, and answers what it cannot read as OpenAI does', async () => {
    expect(await (await fetch(`${server.url}/models`)).json()).toMatchObject({ data: [{ id: 'steward-demo' }] });
    const notFound = await fetch(`${server.url}/embeddings`, { method: 'POST', body: '{}' });
    expect({ status: notFound.status, body: await notFound.json() }).toEqual({ status: 404, body: { error: { message: 'no route POST /v1/embeddings', type: 'invalid_request_error' } } });
    const bad = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{"model": "steward-demo"' });
    expect({ status: bad.status, body: await bad.json() }).toEqual({ status: 400, body: { error: { message: 'body is not JSON', type: 'invalid_request_error' } } });
    const noMessages = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{"model": "steward-demo"}' });
    expect((await noMessages.json()) as unknown).toEqual({ error: { message: 'body must be a JSON object with a messages list', type: 'invalid_request_error' } });
  });
});
