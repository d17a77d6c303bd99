import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The OpenAI chat-completions wire, server side: what a model server reads (POST .../chat/completions, a JSON body)
 * and how it answers - a whole `chat.completion`, or with `stream: true` a `text/event-stream` of
 * `chat.completion.chunk` objects as OpenAI streams them (the role, the content in pieces, each tool call's id and
 * name followed by its arguments in pieces, the finish reason, a usage chunk with empty choices when
 * `stream_options.include_usage` is set, then `data: [DONE]`). Shared by the sandbox's demo model and the tests'
 * scripted model server (test/llm-sim/scripted-llm.ts), so both speak exactly what @langchain/openai expects.
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatMessage {
  role: string;
  content: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown } }[];
  [k: string]: unknown;
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One answer of the model: text, tool calls, or both. */
export interface WireAnswer {
  content: string | null;
  toolCalls?: WireToolCall[];
  usage: Usage;
}

export interface StreamPacing {
  /** Characters per content or arguments chunk (default 4). */
  chunkSize?: number;
  /** Pause between chunks (default 0). */
  chunkDelayMs?: number;
  /** After this many content chunks, wait for `until` before sending the rest. */
  pauseAfter?: { chunks: number; until: Promise<unknown> };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An error in OpenAI's shape: `{error: {message, type}}`. */
export function sendError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error', headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { message, type } }, headers);
}

/**
 * Reads a chat-completions request. Anything else is answered here (404 for another route, 400 for a body that is
 * not a JSON object with a messages list) and undefined returned.
 */
export async function readChatRequest(req: IncomingMessage, res: ServerResponse): Promise<ChatRequest | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (req.method !== 'POST' || !req.url?.split('?')[0].endsWith('/chat/completions')) {
    sendError(res, 404, `no route ${req.method} ${req.url}`);
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    sendError(res, 400, 'body is not JSON');
    return undefined;
  }
  if (!body || typeof body !== 'object' || !Array.isArray((body as ChatRequest).messages)) {
    sendError(res, 400, 'body must be a JSON object with a messages list');
    return undefined;
  }
  return body as ChatRequest;
}

const withTotal = (u: Usage) => ({ ...u, total_tokens: u.prompt_tokens + u.completion_tokens });

/** The whole `chat.completion` object of an answer. */
export function completion(id: string, body: ChatRequest, answer: WireAnswer): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content, ...(answer.toolCalls ? { tool_calls: answer.toolCalls } : {}) },
        finish_reason: answer.toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: withTotal(answer.usage),
  };
}

/** Answers as OpenAI streams (see the file's comment); stops writing when the client went away. */
export async function streamCompletion(res: ServerResponse, id: string, body: ChatRequest, answer: WireAnswer, pacing: StreamPacing = {}): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const size = Math.max(1, pacing.chunkSize ?? 4);
  const pieces = (text: string) => (text ? Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size)) : []);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const write = async (chunk: unknown) => {
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (pacing.chunkDelayMs) await new Promise((r) => setTimeout(r, pacing.chunkDelayMs));
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
  await write(chunk({ role: 'assistant', content: '' }));
  for (const [i, piece] of pieces(answer.content ?? '').entries()) {
    if (pacing.pauseAfter && i === pacing.pauseAfter.chunks) await pacing.pauseAfter.until;
    await write(chunk({ content: piece }));
  }
  for (const [index, tc] of (answer.toolCalls ?? []).entries()) {
    await write(chunk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }));
    for (const piece of pieces(tc.function.arguments)) await write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  await write(chunk({}, answer.toolCalls ? 'tool_calls' : 'stop'));
  const include = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (include) await write({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: withTotal(answer.usage) });
  if (!res.destroyed) res.end('data: [DONE]\n\n');
}

/** Answers a request: streamed when it asked for a stream (and `ignoreStream` is not set), else as one JSON object. */
export async function sendAnswer(res: ServerResponse, id: string, body: ChatRequest, answer: WireAnswer, pacing: StreamPacing & { ignoreStream?: boolean } = {}): Promise<void> {
  if (body.stream === true && !pacing.ignoreStream) return streamCompletion(res, id, body, answer, pacing);
  sendJson(res, 200, completion(id, body, answer));
}

/** The text of a message's content (a string, or OpenAI's list of parts). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}
