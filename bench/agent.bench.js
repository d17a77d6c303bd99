// Agent: Steward's own overhead around a model. A local OpenAI-compatible server answers instantly (first a call of
// demo.util.noop, then a final answer once it sees the tool result), so the figures are the engine's: LangChain's
// createAgent, the gate, the ledger rows and events, checkpoints in the store, through the real @langchain/openai
// client over loopback HTTP.
//   - first agent run after start (includes loading LangChain on demand);
//   - N prompt runs (2 model calls + 1 tool call each) submitted through RunsService, 16 at a time: runs/s,
//     per-run latency p50/p99, per model call and per tool call overhead (run latency / calls);
//   - RSS after, with LangChain loaded.
// Embedded store (PGlite). Needs `npm run build` first. Env: BENCH_AGENT_RUNS (default 200), BENCH_AGENT_STREAMING=0
// (whole answers instead of streamed ones).
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
const { startDaemon } = await import(dist('daemon.js'));
const { fromText } = await import(dist('config/config.loader.js'));
const { RunsService } = await import(dist('runs/runs.service.js'));

const N = Number(process.env.BENCH_AGENT_RUNS ?? 200);
const IN_FLIGHT = 16;
let seq = 0;
let modelRequests = 0;

const llm = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    modelRequests++;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const last = body.messages[body.messages.length - 1];
    const message =
      last.role === 'tool'
        ? { role: 'assistant', content: 'done' }
        : { role: 'assistant', content: null, tool_calls: [{ id: `call_${++seq}`, type: 'function', function: { name: 'demo__util__noop', arguments: '{}' } }] };
    const usage = { prompt_tokens: 50, completion_tokens: 5, total_tokens: 55 };
    const finish = message.tool_calls ? 'tool_calls' : 'stop';
    if (body.stream) {
      // As OpenAI streams (Steward streams by default, llm.streaming): the message in one delta, then finish, usage, [DONE].
      const chunk = (choices, extra = {}) => `data: ${JSON.stringify({ id: `c${seq}`, object: 'chat.completion.chunk', created: 0, model: body.model, choices, ...extra })}\n\n`;
      const delta = message.tool_calls ? { role: 'assistant', tool_calls: message.tool_calls.map((t, index) => ({ index, ...t })) } : { role: 'assistant', content: message.content };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk([{ index: 0, delta, finish_reason: null }]) + chunk([{ index: 0, delta: {}, finish_reason: finish }]) + chunk([], { usage }) + 'data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `c${seq}`, object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message, finish_reason: finish }], usage }));
  });
});
await new Promise((r) => llm.listen(0, '127.0.0.1', r));

const dir = mkdtempSync(join(tmpdir(), 'steward-bench-agent-'));
const yaml = [
  'logging: { level: warn, format: json }',
  'environments: { lab: { kind: demo, concurrency: { read: 64, write: 8 } } }',
  'runs: { maxConcurrent: 64 }',
  `llm: { provider: openai-compatible, baseUrl: "http://127.0.0.1:${llm.address().port}/v1", model: bench, maxRetries: 0, streaming: ${process.env.BENCH_AGENT_STREAMING !== '0'} }`,
].join('\n');
const loaded = fromText(join(dir, 'steward.yaml'), yaml, dir, {});
const rssBefore = process.memoryUsage().rss;
const daemon = await startDaemon({ loaded, port: 0, host: '127.0.0.1' });
const runs = daemon.app.get(RunsService);
const WHO = { name: 'bench', role: 'operator' };

async function runOne() {
  const t0 = performance.now();
  const run = await runs.startPrompt({ prompt: 'noop please', environments: ['lab'], tools: ['demo.util.noop'] }, WHO);
  for (;;) {
    const r = await runs.get(run.id);
    if (['succeeded', 'failed', 'cancelled', 'rejected', 'expired'].includes(r.state)) {
      if (r.state !== 'succeeded') throw new Error(`run ${run.id} ${r.state}: ${r.reason}`);
      return performance.now() - t0;
    }
    await new Promise((res) => setTimeout(res, 2));
  }
}

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const first = await runOne();
console.log(`first agent run after start (loads LangChain): ${first.toFixed(0)} ms`);

const latencies = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < N) {
      next++;
      latencies.push(await runOne());
    }
  }),
);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(`${N} agent runs (2 model calls + 1 tool call each), ${IN_FLIGHT} at a time: ${(N / wall).toFixed(1)} runs/s, latency p50 ${pct(latencies, 50).toFixed(0)} ms p99 ${pct(latencies, 99).toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(1)} ms per run (daemon and the model stub, one process)`);
console.log(`model requests served: ${modelRequests}; engine time per model call + tool call round ≈ ${(pct(latencies, 50) / 3).toFixed(1)} ms at p50 (loaded)`);

const single = [];
for (let i = 0; i < 20; i++) single.push(await runOne());
console.log(`one at a time (20 runs): latency p50 ${pct(single, 50).toFixed(0)} ms — Steward's overhead for 2 model calls and 1 gated tool call`);
globalThis.gc?.();
const mem = process.memoryUsage();
console.log(`RSS ${(mem.rss / 2 ** 20).toFixed(0)} MB (before start ${(rssBefore / 2 ** 20).toFixed(0)} MB), heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB`);
await daemon.close();
llm.close();
