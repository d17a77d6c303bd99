import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool as lcTool, type StructuredToolInterface } from '@langchain/core/tools';
import { createAgent, createMiddleware } from 'langchain';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalService } from '../approvals/approval.service.js';
import type { ApprovalRow } from '../approvals/approval.types.js';
import type { Store } from '../store/store.types.js';
import { jsonProblem } from '../common/json-guard.js';
import { compileSchema, formatAjvErrors } from '../common/json-schema.js';
import type { EnvironmentConfig, LlmConfig } from '../config/config.types.js';
import type { EngineClient } from '../mcp/engine.client.js';
import { McpToolSurface } from '../mcp/mcp-tools.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { EnvLimits } from '../runs/env-limits.js';
import { BudgetSpent, EndRun, Interrupted, LOOP_BUDGET_SPENT, Park, stopFor, type RunContext } from '../runs/run-context.js';
import type { LoopBudget } from '../runs/loop-step.js';
import type { LoopBudgetKey } from '../playbooks/playbook.types.js';
import type { RunRepository } from '../runs/run.repository.js';
import type { StepRow } from '../runs/run.types.js';
import type { InDoubtSteps } from '../runs/in-doubt.js';
import { storable } from '../runs/run.repository.js';
import { errorOf, outputOf, requireLive } from '../runs/tool-step.js';
import { StoreCheckpointSaver } from './checkpointer.js';
import { createHash } from 'node:crypto';
import { awaitAnswer } from '../runs/question-step.js';
import { TEXT_ANSWER } from '../questions/question.types.js';
import { DeltaStream } from './delta-stream.js';
import { agentMayUse, FINAL_JSON, LLM_DEFAULTS } from './llm.checks.js';
import { privateView, sharedView, summarize } from './result-view.js';

export interface AgentRuntimeDeps {
  engine: EngineClient;
  catalogue: PluginCatalogue;
  repo: RunRepository;
  limits: EnvLimits;
  approvals: Pick<ApprovalService, 'get' | 'policyFor'>;
  /** Calls that may have reached their target without an answer: marked unknown for a person. */
  inDoubt: InDoubtSteps;
  store: Store;
  checkpointer: StoreCheckpointSaver;
  /** The chat model, or a thrown LLM_NOT_CONFIGURED. */
  model: () => BaseChatModel;
  llm: LlmConfig;
  environments: Readonly<Record<string, EnvironmentConfig>>;
}

/** One agent task: a prompt run, a thread message, or a playbook agent step. */
export interface AgentTask {
  /** Step key of the agent itself; its tool calls are `<key>.<callId>`. */
  key: string;
  stepId: string;
  /** The conversation (checkpoints) this task continues. */
  threadId: string;
  /** The person's message (prompt, thread message, rendered instruction). */
  instruction: string;
  /** Environment names the model may use. */
  environments: string[];
  /** Allow-list (ids or patterns) from the request or the step; undefined: every tool the environments allow. */
  tools?: string[];
  /** JSON Schema the final answer must satisfy (agent steps): one repair attempt, then the step fails. */
  output?: Record<string, unknown>;
  /** Per-run privacy override: false keeps results from the model even where environments would share them. */
  shareToolResults?: boolean;
  maxToolCalls?: number;
  /**
   * What the loops this agent step runs in leave it (loop.budget, less what their other agent steps used): caps its
   * own limits; running out of it throws BudgetSpent (the loop stops) instead of failing the run.
   */
  budget?: LoopBudget;
}

export interface AgentResult {
  answer: string;
  /** The answer parsed and validated against the task's output schema. */
  output?: unknown;
  usage: Counters;
}

interface Counters {
  modelCalls: number;
  toolCalls: number;
  tokens: number;
}

const DONE = new Set(['succeeded', 'failed', 'skipped']);

interface AgentLimits {
  maxModelCalls: number;
  maxToolCalls: number;
  maxTokens: number;
  /** The stop for reaching one: BudgetSpent when the loop's budget set it lower than the agent's own limit. */
  stop(which: LoopBudgetKey, why: string): EndRun;
}

/** An agent's limits: its own (the step's maxToolCalls, llm.limits, defaults) capped by its loops' budget. */
function agentLimits(task: AgentTask, llm: LlmConfig): AgentLimits {
  const own: Record<LoopBudgetKey, number> = {
    modelCalls: llm.limits?.maxModelCalls ?? LLM_DEFAULTS.maxModelCalls,
    toolCalls: task.maxToolCalls ?? llm.limits?.maxToolCalls ?? LLM_DEFAULTS.maxToolCalls,
    tokens: llm.limits?.maxTokens ?? LLM_DEFAULTS.maxTokens,
  };
  const byBudget = (k: LoopBudgetKey) => task.budget?.[k] !== undefined && task.budget[k] < own[k];
  const cap = (k: LoopBudgetKey) => (byBudget(k) ? task.budget![k]! : own[k]);
  return {
    maxModelCalls: cap('modelCalls'),
    maxToolCalls: cap('toolCalls'),
    maxTokens: cap('tokens'),
    stop: (k, why) => (byBudget(k) ? new BudgetSpent(`${why} (what the loop's budget left it)`) : new EndRun('failed', why)),
  };
}

/**
 * Finds Steward's control-flow errors through LangChain's and LangGraph's wrappers: `.cause` chains, and the
 * AggregateError LangGraph raises when several parallel calls stop at once (a stop beats a shutdown beats a park).
 */
function controlFlow(e: unknown, depth = 0): Error | undefined {
  const found: Error[] = [];
  for (let c = e, d = depth; c && d < 8; c = (c as { cause?: unknown }).cause, d++) {
    if (c instanceof Park || c instanceof EndRun || c instanceof Interrupted) {
      found.push(c);
      break;
    }
    const inner = (c as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const x of inner) {
      const f = controlFlow(x, d + 1);
      if (f) found.push(f);
    }
  }
  return found.find((f) => f instanceof EndRun) ?? found.find((f) => f instanceof Interrupted) ?? found[0];
}

/**
 * Receives the model's tokens. `lc_prefer_streaming` makes LangChain call the model through its streaming API when
 * this handler is attached (the answer is assembled from the chunks, usage from the last one).
 */
class TokenHandler extends BaseCallbackHandler {
  name = 'steward-agent-deltas';
  lc_prefer_streaming = true;

  constructor(private readonly onToken: (token: string) => void) {
    super();
  }

  override handleLLMNewToken(token: string): void {
    this.onToken(token);
  }
}

/**
 * The LangChain agent (`createAgent`) over Steward's MCP tools, behind the same gate as a playbook step.
 *
 * - Tools are listed from Steward's MCP server, filtered by the request's or step's allow-list and each
 *   environment's `agentTools`, and called through the engine's MCP client: the same validation, policy and
 *   approvals as any other caller.
 * - Every tool call is a step row `<key>.<callId>` — the ledger that makes resumption safe: a finished call is
 *   answered from the store, never repeated; a mutating call whose approval is pending parks the run (LangGraph's
 *   checkpoint in the store keeps the conversation); an approved one runs with the (possibly edited) arguments the
 *   approver saw; a rejected one goes back to the model as a tool error carrying the approver's comment.
 * - Results reach the model only where environments (and the run) allow it; otherwise `{tool, ok, count|size}`.
 * - Model calls, proposed calls and results are run events; limits end the run with the reason.
 */
export class AgentRuntime {
  /** Identical calls (tool and arguments) a model may make before the next one is refused. */
  static readonly MAX_REPEATS = 3;

  constructor(private readonly deps: AgentRuntimeDeps) {}

  async execute(ctx: RunContext, task: AgentTask): Promise<AgentResult> {
    const { deps } = this;
    const model = deps.model();
    const limits = agentLimits(task, deps.llm);
    const own = await this.row(ctx, task.key);
    if (own && DONE.has(own.state)) {
      const o = (own.output ?? {}) as { answer?: string; output?: unknown; usage?: Counters };
      return { answer: o.answer ?? '', output: o.output, usage: o.usage ?? { modelCalls: 0, toolCalls: 0, tokens: 0 } };
    }
    const counters: Counters = { modelCalls: 0, toolCalls: 0, tokens: 0, ...((own?.output as { usage?: Counters } | null)?.usage ?? {}) };
    const base = { step_id: task.stepId, kind: 'agent' };
    // Counters only grow: parallel calls save them from separate transactions, which may commit in any order.
    const saveCounters = async (db: Parameters<Parameters<RunContext['tx']>[0]>[0]) => {
      await db.query(
        `UPDATE run_steps SET output = jsonb_set(COALESCE(output, '{}'::jsonb), '{usage}', jsonb_build_object(
           'modelCalls', GREATEST(COALESCE((output->'usage'->>'modelCalls')::bigint, 0), $3::bigint),
           'toolCalls', GREATEST(COALESCE((output->'usage'->>'toolCalls')::bigint, 0), $4::bigint),
           'tokens', GREATEST(COALESCE((output->'usage'->>'tokens')::bigint, 0), $5::bigint)))
         WHERE run_id = $1 AND step_key = $2`,
        [ctx.run.id, task.key, counters.modelCalls, counters.toolCalls, counters.tokens],
      );
    };
    if (!own) {
      await ctx.tx(async (db, append) => {
        await deps.repo.upsertStep(db, ctx.run.id, task.key, { ...base, state: 'running', started: true, output: { usage: counters }, input: { instruction: task.instruction, tools: task.tools ?? null, environments: task.environments } });
        await append('step.started', { stepId: task.stepId, kind: 'agent', attempt: 1 }, task.key);
      });
    }

    const surface = new McpToolSurface(Object.fromEntries(task.environments.filter((n) => deps.environments[n]).map((n) => [n, deps.environments[n]])));
    const tools = await this.tools(task, surface);
    const byWire = new Map(tools.map((t) => [t.wireName, t]));
    const inflight = new Set<Promise<unknown>>();
    const started = Date.now();

    // The model's tokens as they arrive (streaming models), shown early as agent.delta events of the call they belong to.
    const deltas = new DeltaStream((text) => ctx.emit('agent.delta', { stepId: task.stepId, call: counters.modelCalls, text }, task.key));
    const streamed = deps.llm.streaming === false ? [] : [new TokenHandler((token) => deltas.push(token))];

    const gate = createMiddleware({
      name: 'StewardGate',
      wrapModelCall: async (request, handler) => {
        if (ctx.signal.aborted) throw stopFor(ctx.signal);
        let messages = request.messages;
        for (let repair = 0; ; repair++) {
          if (counters.modelCalls >= limits.maxModelCalls) throw limits.stop('modelCalls', `agent ${task.key}: the limit of ${limits.maxModelCalls} model calls was reached`);
          counters.modelCalls++;
          const call = counters.modelCalls;
          await ctx.emit('agent.model', { stepId: task.stepId, call, phase: 'start', messages: messages.length }, task.key);
          const t0 = Date.now();
          let res: AIMessage;
          try {
            res = strictToolCalls((await handler({ ...request, messages })) as AIMessage);
          } catch (e) {
            await deltas.flush();
            const cf = controlFlow(e);
            if (cf) throw cf;
            if (ctx.signal.aborted) throw stopFor(ctx.signal);
            const elapsed = Date.now() - t0;
            const timeoutMs = deps.llm.timeoutMs ?? LLM_DEFAULTS.timeoutMs;
            const attempts = (deps.llm.maxRetries ?? LLM_DEFAULTS.maxRetries) + 1;
            // Aborted attempts surface as TimeoutError or, through LangChain's signal, a bare connection error.
            const timedOut = /timeout|timed out/i.test(`${(e as Error).name} ${(e as Error).message}`) || elapsed >= timeoutMs * attempts;
            const streamHint = deps.llm.streaming !== false && /empty response/i.test((e as Error).message) ? ' (the model server sent no stream: set llm.streaming: false for a server that cannot stream)' : '';
            const message = timedOut ? `timed out (${attempts} attempt(s) of at most ${timeoutMs} ms each; llm.timeoutMs)` : `${(e as Error).message}${streamHint}`;
            await ctx.emit('agent.model', { stepId: task.stepId, call, phase: 'end', latencyMs: elapsed, error: message }, task.key);
            throw new EndRun('failed', `agent ${task.key}: the model call failed after retries: ${message}`);
          }
          await deltas.flush();
          const usage = usageOf(res);
          counters.tokens += usage.total;
          const invalid = res.invalid_tool_calls ?? [];
          await ctx.tx(async (db, append) => {
            await saveCounters(db);
            await append('agent.model', { stepId: task.stepId, call, phase: 'end', latencyMs: Date.now() - t0, usage, toolCalls: res.tool_calls?.length ?? 0, invalidToolCalls: invalid.length }, task.key);
            for (const tc of res.tool_calls ?? []) {
              const t = byWire.get(tc.name);
              await append('agent.proposed', { stepId: task.stepId, callId: tc.id ?? '', tool: t?.id ?? tc.name, effect: t?.effect ?? null, args: tc.args }, task.key);
            }
          });
          if (counters.tokens > limits.maxTokens) throw limits.stop('tokens', `agent ${task.key}: the token budget of ${limits.maxTokens} was used up (${counters.tokens} tokens)`);
          if (invalid.length === 0 || repair >= 1) {
            if (invalid.length) throw new EndRun('failed', `agent ${task.key}: the model sent tool calls whose arguments are not valid JSON, twice (${invalid.map((i) => i.name).join(', ')})`);
            return res;
          }
          // Malformed arguments: ask once more, saying what was wrong (the broken reply is not kept).
          messages = [
            ...request.messages,
            new HumanMessage(`Your last reply called ${invalid.map((i) => `${i.name ?? 'a tool'} (${i.error ?? 'arguments are not valid JSON'})`).join(', ')}. Tool arguments must be one valid JSON object. Call the tool again with valid JSON arguments.`),
          ];
        }
      },
      wrapToolCall: async (request) => {
        const asked = request.toolCall as { id?: string; name: string; args: Record<string, unknown> };
        const p = asked.name === ASK_TOOL ? this.ask(ctx, task, asked) : this.toolCall(ctx, task, request.toolCall as { id?: string; name: string; args: Record<string, unknown> }, byWire, surface, counters, limits, saveCounters);
        inflight.add(p);
        try {
          return await p;
        } finally {
          inflight.delete(p);
        }
      },
    });

    const offered = tools.map((t) => t.lc);
    offered.push(askTool());
    const agent = createAgent({
      model,
      tools: offered,
      systemPrompt: this.systemPrompt(task, tools),
      middleware: [gate],
      checkpointer: deps.checkpointer,
    });
    const config = { configurable: { thread_id: task.threadId }, recursionLimit: 4 * limits.maxModelCalls + 10, callbacks: streamed };
    try {
      // This task's message carries a stable id: whether it is in the conversation tells a resumption (after a park or
      // a restart) from a new message, whatever an earlier run of the same thread left pending.
      const humanId = `human:${ctx.run.id}:${task.key}`;
      const state = (await agent.getState(config as never)) as { next?: readonly string[]; values?: { messages?: BaseMessage[] } };
      const history = state.values?.messages ?? [];
      const mine = history.findIndex((m) => m.id === humanId);
      let messages: BaseMessage[];
      if (mine >= 0 && (state.next?.length ?? 0) === 0) {
        messages = history; // answered before a restart cut the bookkeeping short: finish from the stored answer
      } else if (mine >= 0) {
        messages = ((await agent.invoke(null, { ...config, signal: ctx.signal } as never)) as { messages: BaseMessage[] }).messages;
      } else {
        // Calls an earlier, ended run left unanswered (cancelled, expired, failed) are closed, never resumed.
        const input = [...unanswered(history).map((c) => new ToolMessage({ tool_call_id: c.id, name: c.name, status: 'error', content: 'NOT_RUN: the request that proposed this call ended before it ran; it was not executed.' })), new HumanMessage({ id: humanId, content: task.instruction })];
        messages = ((await agent.invoke({ messages: input }, { ...config, signal: ctx.signal } as never)) as { messages: BaseMessage[] }).messages;
      }
      let answer = textOf(messages[messages.length - 1]);
      let output: unknown;
      if (task.output) ({ answer, output } = await this.structured(ctx, task, model, messages, answer, counters, limits));
      await ctx.tx(async (db, append) => {
        await deps.repo.upsertStep(db, ctx.run.id, task.key, { ...base, state: 'succeeded', output: { answer, ...(task.output ? { output } : {}), usage: counters }, finished: true });
        await append('agent.answer', { stepId: task.stepId, text: answer }, task.key);
        await append('step.succeeded', { stepId: task.stepId, durationMs: Date.now() - started }, task.key);
      });
      return { answer, output, usage: counters };
    } catch (e) {
      // Calls made in parallel with the one that parked finish and record their results before the run parks.
      await Promise.allSettled([...inflight]);
      const cf = controlFlow(e);
      if (cf instanceof EndRun && cf.state !== 'cancelled') {
        await ctx.tx(async (db, append) => {
          const error = { code: cf instanceof BudgetSpent ? LOOP_BUDGET_SPENT : 'AGENT_STOPPED', message: cf.reason };
          await deps.repo.upsertStep(db, ctx.run.id, task.key, { ...base, state: 'failed', error, output: { usage: counters }, finished: true });
          await append('step.failed', { stepId: task.stepId, error, continued: false, durationMs: Date.now() - started }, task.key);
        });
      }
      if (cf) throw cf;
      if (ctx.signal.aborted) throw stopFor(ctx.signal);
      throw e;
    } finally {
      await deltas.close();
      deps.checkpointer.evict(task.threadId);
    }
  }

  /** A conversation as people read it: the person's messages, the model's answers and calls, tool outcomes. */
  async history(threadId: string): Promise<HistoryEntry[]> {
    // A saver of its own: reading must not disturb the shared one while a run of this thread is executing.
    const tuple = await new StoreCheckpointSaver(this.deps.store).getTuple({ configurable: { thread_id: threadId } });
    const messages = ((tuple?.checkpoint.channel_values as { messages?: BaseMessage[] } | undefined)?.messages ?? []);
    return messages.map((m): HistoryEntry => {
      const type = m.getType();
      if (type === 'human') return { role: 'user', content: textOf(m) };
      if (type === 'tool') {
        const t = m as ToolMessage;
        return { role: 'tool', toolCallId: t.tool_call_id, tool: t.name ?? null, status: t.status ?? 'success', content: textOf(m) };
      }
      const ai = m as AIMessage;
      return { role: 'assistant', content: textOf(m), ...(ai.tool_calls?.length ? { toolCalls: ai.tool_calls.map((c) => ({ id: c.id ?? '', tool: this.deps.catalogue.byWireName(c.name)?.id ?? c.name, args: c.args })) } : {}) };
    });
  }

  /** The tools this task may use: listed from Steward's MCP server, narrowed by every allow-list that applies. */
  private async tools(task: AgentTask, surface: McpToolSurface) {
    const listed = await this.deps.engine.listTools();
    const out: { id: string; wireName: string; effect: string; tool: LoadedTool; lc: StructuredToolInterface }[] = [];
    for (const wire of listed) {
      const t = this.deps.catalogue.byWireName(wire.name);
      if (!t || !agentMayUse(t, task.environments, this.deps.environments, task.tools)) continue;
      const described = surface.describe(t);
      const lc = lcTool(async () => 'executed by the Steward gate', {
        name: t.wireName,
        description: described.description ?? t.description,
        schema: described.inputSchema as Record<string, unknown>,
      }) as StructuredToolInterface;
      out.push({ id: t.id, wireName: t.wireName, effect: t.effect, tool: t, lc });
    }
    return out;
  }

  private systemPrompt(task: AgentTask, tools: { id: string; effect: string }[]): string {
    const envs = task.environments.map((n) => `${n} (${this.deps.environments[n]?.kind ?? 'unknown kind'}${this.deps.environments[n]?.description ? `: ${this.deps.environments[n].description}` : ''})`);
    return [
      'You are Steward, an operator for BI deployments. You act only through the tools given to you.',
      `Environments you may use: ${envs.join(', ') || 'none'}.`,
      `You have ${tools.length} tools; ${tools.filter((t) => t.effect !== 'read').length} of them change things (write or destructive).`,
      'Every call that changes something waits for a person to approve it; if they reject it you receive their comment as the tool error: take it into account and do not repeat the same call.',
      'Some tool results may be withheld from you for privacy: you then see only whether the call succeeded and how many items or bytes it returned. Do not guess the contents; say what you did and where the person can read the results (the run report).',
      `When you need a decision or a fact only the person has, call ${ASK_TOOL} with the question (and a JSON Schema for the answer: an enum for a choice); the run waits for their answer, which you then receive.`,
      'Be concise. When you are done, answer the person directly.',
      ...(task.output ? [`${FINAL_JSON}\n${JSON.stringify(task.output)}`] : []),
    ].join('\n');
  }

  /**
   * steward.ask: the model asks the person. The question is persisted and the run parks as for an approval
   * (src/runs/question-step.ts); answered, the call's row holds the answer and the model receives it as the result.
   */
  private async ask(ctx: RunContext, task: AgentTask, call: { id?: string; name: string; args: Record<string, unknown> }): Promise<ToolMessage> {
    const callId = call.id ?? `ask-${createHash('sha256').update(JSON.stringify(call.args)).digest('hex').slice(0, 12)}`;
    const reply = (content: string, status: 'success' | 'error' = 'success') => new ToolMessage({ content, tool_call_id: callId, name: call.name, status });
    const { question, answer } = call.args ?? {};
    if (typeof question !== 'string' || !question.trim() || question.length > 4000) return reply('TOOL_INPUT_INVALID: question must be a non-empty string (at most 4000 characters)', 'error');
    const schema = answer ?? TEXT_ANSWER;
    const problem = typeof schema !== 'object' || schema === null || Array.isArray(schema) ? 'must be a JSON Schema object' : schemaProblem(schema as Record<string, unknown>);
    if (problem) return reply(`TOOL_INPUT_INVALID: answer ${problem}`, 'error');
    const key = `${task.key}.${callId}`;
    const row = await this.row(ctx, key);
    if (row && DONE.has(row.state)) return reply(JSON.stringify(row.output));
    const input = { question, answer: schema };
    const got = await awaitAnswer(ctx, this.deps, { key, stepId: `${task.stepId}.ask`, question, schema: schema as Record<string, unknown>, row: { kind: 'question', tool: 'steward.ask', input } });
    await this.settle(ctx, task, key, { step_id: `${task.stepId}.ask`, kind: 'question', tool: 'steward.ask', effect: 'read', environments: {} }, input, 'succeeded', got, null);
    return reply(JSON.stringify(got));
  }

  /** One proposed call through the gate, answered from the ledger when it already ran. */
  private async toolCall(
    ctx: RunContext,
    task: AgentTask,
    call: { id?: string; name: string; args: Record<string, unknown> },
    byWire: Map<string, { id: string; tool: LoadedTool }>,
    surface: McpToolSurface,
    counters: Counters,
    limits: AgentLimits,
    saveCounters: (db: Parameters<Parameters<RunContext['tx']>[0]>[0]) => Promise<void>,
  ): Promise<ToolMessage> {
    const { deps } = this;
    const callId = call.id ?? `${call.name}-${counters.toolCalls}`;
    const reply = (content: string, status: 'success' | 'error' = 'success') => new ToolMessage({ content, tool_call_id: callId, name: call.name, status });
    const entry = byWire.get(call.name);
    if (!entry) return reply(`TOOL_NOT_ALLOWED: ${call.name} is not one of your tools`, 'error');
    const t = entry.tool;
    const { input, environments } = surface.split(t, call.args);
    // Arguments the store cannot hold (U+0000, a lone surrogate) are the model's mistake to correct, not a failed run.
    const bad = jsonProblem(input, 'input');
    if (bad) return reply(`TOOL_INPUT_INVALID: input for ${t.id} is invalid: ${bad.path}: ${bad.message}`, 'error');
    const outside = Object.values(environments).filter((n) => !task.environments.includes(n));
    if (outside.length) return reply(`TOOL_ENVIRONMENT_INVALID: environment ${outside.join(', ')} is not available here; use one of ${task.environments.join(', ')}`, 'error');
    const base = { step_id: `${task.stepId}.${t.name}`, kind: 'tool', tool: t.id, effect: t.effect, idempotent: t.idempotent, environments };

    // Some servers reuse call ids across turns: a stored row for this id but another tool is another call.
    let key = `${task.key}.${callId}`;
    let row = await this.row(ctx, key);
    for (let n = 2; row && row.tool !== t.id; n++) row = await this.row(ctx, (key = `${task.key}.${callId}~${n}`));
    if (row && DONE.has(row.state)) return reply(this.view(task, t, environments, row), row.state === 'failed' ? 'error' : 'success');

    let approvalId: string | undefined;
    let callInput: Record<string, unknown> = input;
    let note = '';
    if (row?.approval_id) {
      const found = await deps.approvals.get(row.approval_id).catch(() => undefined);
      const a: ApprovalRow | undefined = found?.approval;
      if (a?.status === 'pending') throw new Park(`agent call ${key} waits for approval ${a.id}`);
      if (a?.status === 'expired') throw new EndRun('expired', `approval ${a.id} for agent call ${key} expired`);
      if (a?.status === 'consumed') {
        // Released and never finished (a restart): an idempotent call runs again (the gate releases it again to this
        // call); any other is in doubt and a person decides.
        if (!t.idempotent) {
          const marked = await deps.inDoubt.mark(ctx.run, { ...base, step_key: key, step_id: base.step_id, input: row.input ?? input, approval_id: a.id }, `call ${key} did not finish after approval ${a.id} released it`, false);
          if (!marked) throw new EndRun('cancelled', 'the run ended while the call was in doubt');
          throw new Park(`agent call ${key} (${t.id}) is in doubt; approval ${marked.id} decides: retry or skip`);
        }
        approvalId = a.id;
        callInput = (row.input ?? input) as Record<string, unknown>;
      }
      if (a?.kind === 'unknown_step' && a.status === 'approved' && a.outcome === 'skip') {
        const error = { code: 'SKIPPED', message: `the call was interrupted by a restart and ${a.id} decided to skip it; its outcome is unknown` };
        await this.settle(ctx, task, key, base, input, 'skipped', null, error);
        return reply(`${error.code}: ${error.message}`, 'error');
      }
      if (a?.status === 'rejected') {
        const d = found!.decisions.find((x) => x.decision === 'reject');
        const error = { code: 'APPROVAL_REJECTED', message: `${d?.approver ?? 'an approver'} rejected this call (approval ${a.id})${d?.comment ? ` with the comment: ${d.comment}` : ' without a comment'}` };
        await this.settle(ctx, task, key, base, input, 'failed', null, error);
        return reply(`${error.code}: ${error.message}`, 'error');
      }
      if (a?.status === 'approved') {
        approvalId = a.id;
        // A retry after a restart repeats exactly what was in flight (possibly an approver's edit of the model's call).
        if (a.kind === 'unknown_step') callInput = (row.input ?? input) as Record<string, unknown>;
        if (a.edited_by) {
          callInput = a.input as Record<string, unknown>;
          note = ` ${a.edited_by} changed the arguments before approving; the call ran with ${JSON.stringify(callInput)}.`;
        }
      }
    } else if (!row) {
      // Checked and counted before any await: calls proposed together must not all pass the check at once.
      if (counters.toolCalls >= limits.maxToolCalls) throw limits.stop('toolCalls', `agent ${task.key}: the limit of ${limits.maxToolCalls} tool calls was reached`);
      counters.toolCalls++;
      // A model stuck on one call: the same tool with the same arguments again gets a refusal, and a stop after that.
      const repeats = await this.repeats(ctx, task.key, t.id, input, environments);
      if (repeats >= AgentRuntime.MAX_REPEATS + 3) throw new EndRun('failed', `agent ${task.key}: the model kept repeating ${t.id} with the same arguments (${repeats} times)`);
      if (repeats >= AgentRuntime.MAX_REPEATS) {
        const error = { code: 'REPEATED_CALL', message: `${t.id} was already called ${repeats} times with exactly these arguments; the result is not going to be different. Use what you have, change the arguments, or answer.` };
        await this.settle(ctx, task, key, base, input, 'skipped', null, error);
        return reply(`${error.code}: ${error.message}`, 'error');
      }
    }

    await ctx.tx(async (db, append) => {
      await requireLive(db, ctx);
      await saveCounters(db);
      await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, input: callInput, state: 'running', attempt: (row?.attempt ?? 0) + 1, started: true });
      await append('step.started', { stepId: base.step_id, kind: 'tool', tool: t.id, attempt: (row?.attempt ?? 0) + 1 }, key);
    });
    const callStarted = Date.now();
    const r = await deps.limits.run(environments, t.effect, () =>
      deps.engine
        .call({ tool: t.id, input: callInput, environments, runId: ctx.run.id, stepId: key, approvalId, signal: ctx.signal })
        .catch((e: unknown): CallToolResult => {
          if (ctx.signal.aborted) throw stopFor(ctx.signal);
          return { isError: true, content: [{ type: 'text', text: `TOOL_FAILED: ${(e as Error).message}` }] };
        }),
    );
    const pending = r._meta?.['steward/approval'] as { id: string } | undefined;
    if (pending) {
      await ctx.tx((db) => deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'awaiting_approval', approval_id: pending.id, attempt: row?.attempt ?? 0 }));
      throw new Park(`agent call ${key} (${t.id}) waits for approval ${pending.id}`);
    }
    const err = errorOf(r);
    const settled = await this.settle(ctx, task, key, base, callInput, err ? 'failed' : 'succeeded', err ? null : storable(outputOf(r)), err ?? null, Date.now() - callStarted);
    return reply(this.view(task, t, environments, settled) + note, err ? 'error' : 'success');
  }

  private async settle(
    ctx: RunContext,
    task: AgentTask,
    key: string,
    base: { step_id: string; kind: string; tool: string; effect: string; environments: Record<string, string> },
    input: Record<string, unknown>,
    state: 'succeeded' | 'failed' | 'skipped',
    output: unknown,
    error: { code: string; message: string } | null,
    durationMs = 0,
  ): Promise<StepRow> {
    const shared = this.shares(task, base.environments);
    await ctx.tx(async (db, append) => {
      await this.deps.repo.upsertStep(db, ctx.run.id, key, { ...base, input, state, output, error, finished: true });
      await append('agent.result', { stepId: task.stepId, callId: key.slice(task.key.length + 1), tool: base.tool, ok: state === 'succeeded', ...(error ? { error } : summarize(output)), shared }, key);
      if (state === 'succeeded') await append('step.succeeded', { stepId: base.step_id, durationMs }, key);
      else if (state === 'failed') await append('step.failed', { stepId: base.step_id, error: error!, continued: true, durationMs }, key);
      else await append('step.skipped', { stepId: base.step_id, reason: error?.message ?? 'skipped' }, key);
    });
    return { state, output, error } as StepRow;
  }

  /** What the model sees of a finished call. */
  private view(task: AgentTask, t: LoadedTool, environments: Record<string, string>, row: Pick<StepRow, 'state' | 'output' | 'error'>): string {
    if (row.state !== 'succeeded') {
      // Errors reach the model (it needs them to correct itself) but capped: upstream messages can quote records.
      const message = row.error?.message ?? row.state;
      return `${row.error?.code ?? 'FAILED'}: ${message.length > 600 ? `${message.slice(0, 600)}… (cut)` : message}`;
    }
    return this.shares(task, environments) ? sharedView(t.id, row.output, this.deps.llm.maxResultBytes ?? LLM_DEFAULTS.maxResultBytes) : privateView(t.id, row.output);
  }

  /** Results are shared only when every environment of the call allows it and the run did not opt out. */
  private shares(task: AgentTask, environments: Record<string, string>): boolean {
    if (task.shareToolResults === false) return false;
    const fallback = this.deps.llm.shareToolResults ?? false;
    const names = Object.values(environments);
    if (names.length === 0) return fallback;
    return names.every((n) => this.deps.environments[n]?.shareToolResults ?? fallback);
  }

  /** The final answer as JSON valid against the task's schema; one repair attempt. */
  private async structured(
    ctx: RunContext,
    task: AgentTask,
    model: BaseChatModel,
    messages: BaseMessage[],
    answer: string,
    counters: Counters,
    limits: AgentLimits,
  ): Promise<{ answer: string; output: unknown }> {
    const validate = compileSchema(task.output!);
    const check = (text: string): { ok: true; value: unknown } | { ok: false; why: string } => {
      const json = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (e) {
        return { ok: false, why: `not valid JSON (${(e as Error).message})` };
      }
      if (!validate(value)) return { ok: false, why: formatAjvErrors(validate.errors ?? [], undefined, 'answer').map((x) => `${x.path}: ${x.message}`).join('; ') };
      return { ok: true, value };
    };
    const first = check(answer);
    if (first.ok) return { answer, output: first.value };
    if (counters.modelCalls >= limits.maxModelCalls) throw limits.stop('modelCalls', `agent ${task.key}: the answer does not match the output schema (${first.why}) and the model call limit leaves no repair attempt`);
    counters.modelCalls++;
    await ctx.emit('agent.model', { stepId: task.stepId, call: counters.modelCalls, phase: 'start', messages: messages.length + 1, purpose: 'repair' }, task.key);
    const t0 = Date.now();
    const repaired = (await model.invoke([
      ...messages,
      new HumanMessage(`Your answer must be only a JSON value valid against this JSON Schema:\n${JSON.stringify(task.output)}\nIt was ${first.why}. Reply with the corrected JSON only.`),
    ], { signal: ctx.signal }).catch((e: unknown) => {
      throw new EndRun('failed', `agent ${task.key}: the repair call failed: ${(e as Error).message}`);
    })) as AIMessage;
    const usage = usageOf(repaired);
    counters.tokens += usage.total;
    await ctx.emit('agent.model', { stepId: task.stepId, call: counters.modelCalls, phase: 'end', latencyMs: Date.now() - t0, usage, toolCalls: 0, invalidToolCalls: 0 }, task.key);
    if (counters.tokens > limits.maxTokens) throw limits.stop('tokens', `agent ${task.key}: the token budget was used up by the repair call (${counters.tokens} tokens)`);
    const text = textOf(repaired);
    const second = check(text);
    if (!second.ok) throw new EndRun('failed', `agent ${task.key}: the answer does not match the output schema after one repair attempt: ${second.why}`);
    return { answer: text, output: second.value };
  }

  /** How often this agent already called the tool with exactly this input (its call rows). */
  private async repeats(ctx: RunContext, agentKey: string, tool: string, input: Record<string, unknown>, environments: Record<string, string>): Promise<number> {
    const r = await this.deps.store.query<{ n: string }>(
      `SELECT count(*) AS n FROM run_steps WHERE run_id = $1 AND starts_with(step_key, $2) AND tool = $3 AND input = $4::jsonb AND environments = $5::jsonb`,
      [ctx.run.id, `${agentKey}.`, tool, JSON.stringify(input), JSON.stringify(environments)],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  private async row(ctx: RunContext, key: string): Promise<StepRow | undefined> {
    return (await this.deps.store.query<StepRow>('SELECT * FROM run_steps WHERE run_id = $1 AND step_key = $2', [ctx.run.id, key])).rows[0];
  }
}

/** The model's wire name of steward.ask (Steward's own tool: offered to every agent task, never through the gate). */
export const ASK_TOOL = 'steward__ask';

/** The LangChain tool the model sees; calls are answered by AgentRuntime.ask, never by this function. */
function askTool(): StructuredToolInterface {
  return lcTool(async () => 'answered by Steward', {
    name: ASK_TOOL,
    description: 'Ask the person who started this run a question and wait for their answer (persisted; the run resumes when they answer). Use it for a decision or a fact only they have, not for what a tool can find out.',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['question'],
      properties: {
        question: { type: 'string', description: 'The question, self-contained.' },
        answer: { type: 'object', description: 'JSON Schema of the answer: {"type":"string","enum":[...]} for a choice, {"type":"number"}, {"type":"boolean"}, or an object of those. Default: free text.' },
      },
    },
  }) as StructuredToolInterface;
}

/** Why a JSON Schema the model gave cannot be used (undefined when it compiles). */
function schemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    compileSchema(schema);
    return undefined;
  } catch (e) {
    return `is not a usable JSON Schema: ${(e as Error).message}`;
  }
}

/** Token usage of one model reply (zeros when the provider reports none). */
/**
 * A streamed answer's tool calls are parsed by LangChain as partial JSON, which turns truncated arguments (`{"oops": `)
 * into a call with fewer arguments. Steward holds them to what a whole answer is held to: a call whose streamed
 * arguments are not one complete JSON object is invalid (and gets the repair round), never run with what could be read.
 */
export function strictToolCalls(m: AIMessage): AIMessage {
  const chunks = (m as AIMessage & { tool_call_chunks?: { id?: string; index?: number; name?: string; args?: string }[] }).tool_call_chunks;
  if (!chunks?.length || !m.tool_calls?.length) return m;
  const raw = new Map<number, { id?: string; name?: string; args: string }>();
  for (const c of chunks) {
    const at = raw.get(c.index ?? 0) ?? { args: '' };
    raw.set(c.index ?? 0, { id: at.id ?? c.id, name: at.name ?? c.name, args: at.args + (c.args ?? '') });
  }
  const argsById = new Map([...raw.values()].filter((r) => r.id).map((r) => [r.id!, r.args]));
  const complete = (text: string | undefined) => {
    if (text === undefined) return true;
    try {
      const v: unknown = JSON.parse(text.trim() === '' ? '{}' : text);
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    } catch {
      return false;
    }
  };
  const bad = m.tool_calls.filter((c) => !complete(c.id ? argsById.get(c.id) : undefined));
  if (!bad.length) return m;
  m.tool_calls = m.tool_calls.filter((c) => !bad.includes(c));
  m.invalid_tool_calls = [
    ...(m.invalid_tool_calls ?? []),
    ...bad.map((c) => ({ type: 'invalid_tool_call' as const, id: c.id, name: c.name, args: c.id ? argsById.get(c.id) : undefined, error: 'arguments are not valid JSON' })),
  ];
  return m;
}

function usageOf(m: AIMessage): { input: number; output: number; total: number } {
  const u = m.usage_metadata;
  return { input: u?.input_tokens ?? 0, output: u?.output_tokens ?? 0, total: u?.total_tokens ?? (u ? u.input_tokens + u.output_tokens : 0) };
}

/** Tool calls of the conversation's last model turn that have no result message. */
function unanswered(history: BaseMessage[]): { id: string; name: string }[] {
  const lastAi = [...history].reverse().find((m) => m.getType() === 'ai') as AIMessage | undefined;
  if (!lastAi?.tool_calls?.length) return [];
  const answered = new Set(history.filter((m) => m.getType() === 'tool').map((m) => (m as ToolMessage).tool_call_id));
  return lastAi.tool_calls.filter((c) => c.id && !answered.has(c.id)).map((c) => ({ id: c.id!, name: c.name }));
}

export interface HistoryEntry {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: { id: string; tool: string; args: unknown }[];
  toolCallId?: string;
  tool?: string | null;
  status?: string;
}

export function textOf(m: BaseMessage | undefined): string {
  if (!m) return '';
  const c = m.content;
  if (typeof c === 'string') return c;
  return c.map((p) => (typeof p === 'string' ? p : p.type === 'text' ? (p as { text: string }).text : '')).join('');
}
