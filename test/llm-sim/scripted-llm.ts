import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible chat-completions server for tests: the real @langchain/openai client (and the openai
 * SDK under it) talks HTTP to it exactly as to api.openai.com, a vLLM or an Ollama. Each request takes the next
 * scripted reply; a reply may be computed from the request (to answer with what a tool returned, say). Every request
 * body is recorded so tests can assert what the model was shown (privacy mode) and which tools it was offered.
 *
 * Replies:
 *   { content }                         a final answer
 *   { toolCalls: [{ name, args }] }     tool calls (args become the JSON `arguments` string)
 *   { rawToolCalls: [{ name, arguments }] }  tool calls with arguments sent verbatim (malformed JSON)
 *   { status: 429 | 500 | ..., retryAfter? }  an HTTP error in OpenAI's error shape
 *   ...plus delayMs on any of them to answer late (timeouts)
 * An exhausted script answers 400 (never retried) naming the request, so a test fails with a clear message.
 *
 * A request with `stream: true` is answered as OpenAI streams: `text/event-stream` of `chat.completion.chunk` objects
 * (the role, then the content in pieces of `chunkSize` characters, then each tool call's id and name followed by its
 * arguments in pieces, then the finish reason), a usage chunk with empty choices when `stream_options.include_usage`
 * is set, and `data: [DONE]`. `chunkDelayMs` spaces the chunks so a test can watch tokens arrive.
 */
export type ScriptedReply = (
  | { content: string; usage?: Usage }
  | { toolCalls: { name: string; args: unknown; id?: string }[]; content?: string; usage?: Usage }
  | { rawToolCalls: { name: string; arguments: string; id?: string }[]; usage?: Usage }
  | { status: number; message?: string; retryAfter?: number }
) & {
  /** Answer this late (a slow or hanging provider; the client's timeout fires first). */
  delayMs?: number;
  /** Streamed answers: characters per content or arguments chunk (default 4). */
  chunkSize?: number;
  /** Streamed answers: pause between chunks (default 0). */
  chunkDelayMs?: number;
  /** Answer a streamed request with a whole JSON answer, as a server that cannot stream does. */
  ignoreStream?: boolean;
  /** Streamed answers: after this many content chunks, wait for `until` before sending the rest (a test watches the middle of a stream). */
  pauseAfter?: { chunks: number; until: Promise<unknown> };
};

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown } }[];
  [k: string]: unknown;
}

export type Step = ScriptedReply | ((req: ChatRequest) => ScriptedReply);

export interface ScriptedLlm {
  /** Base URL to configure as `llm.baseUrl` (ends in /v1). */
  url: string;
  requests: { body: ChatRequest; headers: IncomingMessage['headers'] }[];
  /** Appends replies to the script. */
  push(...steps: Step[]): void;
  /** Replies not used yet. */
  remaining(): number;
  /** Drops the replies not used yet. */
  clear(): void;
  close(): Promise<void>;
}

let callSeq = 0;

export async function startScriptedLlm(steps: Step[] = []): Promise<ScriptedLlm> {
  const script = [...steps];
  const requests: ScriptedLlm['requests'] = [];
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return send(404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
    let body: ChatRequest;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    } catch {
      return send(400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    requests.push({ body, headers: req.headers });
    const step = script.shift();
    if (!step) {
      const last = body.messages[body.messages.length - 1];
      return send(400, { error: { message: `scripted LLM: script exhausted at request ${requests.length} (last message: ${JSON.stringify(last).slice(0, 300)})`, type: 'invalid_request_error' } });
    }
    const reply = typeof step === 'function' ? step(body) : step;
    if (reply.delayMs) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed || req.socket.destroyed) return; // the client gave up (timeout)
    }
    if ('status' in reply) {
      return send(reply.status, { error: { message: reply.message ?? `scripted ${reply.status}`, type: reply.status === 429 ? 'rate_limit_exceeded' : 'server_error' } }, reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {});
    }
    const usage = reply.usage ?? { prompt_tokens: 100, completion_tokens: 20 };
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((t) => ({ id: t.id ?? `call_${++callSeq}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } }))
        : 'rawToolCalls' in reply
          ? reply.rawToolCalls.map((t) => ({ id: t.id ?? `call_${++callSeq}`, type: 'function', function: { name: t.name, arguments: t.arguments } }))
          : undefined;
    if (body.stream === true && !reply.ignoreStream) return stream(res, body, reply, usage, toolCalls);
    send(200, {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'content' in reply ? (reply.content ?? null) : null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }

  async function stream(
    res: ServerResponse,
    body: ChatRequest,
    reply: ScriptedReply,
    usage: Usage,
    toolCalls: { id: string; type: string; function: { name: string; arguments: string } }[] | undefined,
  ): Promise<void> {
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const size = Math.max(1, reply.chunkSize ?? 4);
    const pieces = (text: string) => (text ? Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size)) : []);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const write = async (chunk: unknown) => {
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    await write(chunk({ role: 'assistant', content: '' }));
    const content = 'content' in reply ? (reply.content ?? '') : '';
    for (const [i, piece] of pieces(content).entries()) {
      if (reply.pauseAfter && i === reply.pauseAfter.chunks) await reply.pauseAfter.until;
      await write(chunk({ content: piece }));
    }
    for (const [index, tc] of (toolCalls ?? []).entries()) {
      await write(chunk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }));
      for (const piece of pieces(tc.function.arguments)) await write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
    await write(chunk({}, toolCalls ? 'tool_calls' : 'stop'));
    const include = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (include) await write({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...s) => void script.push(...s),
    remaining: () => script.length,
    clear: () => void script.splice(0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** steward.yaml's `llm:` block for a scripted server at `url` (model `scripted`), with the retries and timeout given. */
export const scriptedLlmYaml = (url: string, opts: { maxRetries?: number; timeoutMs?: number; extra?: string } = {}): string =>
  `llm:\n  provider: openai-compatible\n  baseUrl: ${url}\n  model: scripted\n` +
  (opts.maxRetries !== undefined ? `  maxRetries: ${opts.maxRetries}\n` : '') +
  (opts.timeoutMs !== undefined ? `  timeoutMs: ${opts.timeoutMs}\n` : '') +
  (opts.extra ?? '');

/** The tool messages (role "tool") of a request: what the model was shown of each result. */
export const toolMessages = (req: ChatRequest): { id: string; content: string }[] =>
  req.messages.filter((m) => m.role === 'tool').map((m) => ({ id: m.tool_call_id ?? '', content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) }));
