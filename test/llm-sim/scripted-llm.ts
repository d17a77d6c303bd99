import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readChatRequest, sendAnswer, sendError, type ChatRequest, type Usage, type WireToolCall } from '../../src/sandbox/demo-model/openai-wire.js';

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
 * is set, and `data: [DONE]`. `chunkDelayMs` spaces the chunks so a test can watch tokens arrive. The wire (request
 * parsing, answers, chunks, usage) is src/sandbox/demo-model/openai-wire.ts, shared with the sandbox's demo model.
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

export type { ChatRequest, Usage } from '../../src/sandbox/demo-model/openai-wire.js';

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
    const body = await readChatRequest(req, res);
    if (!body) return;
    requests.push({ body, headers: req.headers });
    const step = script.shift();
    if (!step) {
      const last = body.messages[body.messages.length - 1];
      return sendError(res, 400, `scripted LLM: script exhausted at request ${requests.length} (last message: ${JSON.stringify(last).slice(0, 300)})`);
    }
    const reply = typeof step === 'function' ? step(body) : step;
    if (reply.delayMs) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed || req.socket.destroyed) return; // the client gave up (timeout)
    }
    if ('status' in reply) {
      return sendError(res, reply.status, reply.message ?? `scripted ${reply.status}`, reply.status === 429 ? 'rate_limit_exceeded' : 'server_error', reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {});
    }
    const toolCalls: WireToolCall[] | undefined =
      'toolCalls' in reply
        ? reply.toolCalls.map((t) => ({ id: t.id ?? `call_${++callSeq}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } }))
        : 'rawToolCalls' in reply
          ? reply.rawToolCalls.map((t) => ({ id: t.id ?? `call_${++callSeq}`, type: 'function', function: { name: t.name, arguments: t.arguments } }))
          : undefined;
    const answer = { content: 'content' in reply ? (reply.content ?? null) : null, toolCalls, usage: reply.usage ?? { prompt_tokens: 100, completion_tokens: 20 } };
    await sendAnswer(res, `chatcmpl-${requests.length}`, body, answer, reply);
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
