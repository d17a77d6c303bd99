import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { APPROVAL_SETTLED, ApprovalService } from '../approvals/approval.service.js';
import type { ApprovalRow } from '../approvals/approval.types.js';
import { QUESTION_SETTLED } from '../questions/question.types.js';
import { QuestionRepository } from '../questions/question.repository.js';
import type { Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { formatAjvErrors } from '../common/json-schema.js';
import { runInputValidator } from '../playbooks/playbook.inputs.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { ENGINE_CLIENT } from '../mcp/mcp.module.js';
import type { EngineClient } from '../mcp/engine.client.js';
import type { ParsedPlaybook, Step } from '../playbooks/playbook.types.js';
import { PlaybooksService } from '../playbooks/playbooks.service.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import { PLUGIN_CATALOGUE, TOOL_INVOKER } from '../plugins/plugins.tokens.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { Store } from '../store/store.types.js';
import { EnvLimits } from './env-limits.js';
import { RunEventsService } from './run-events.service.js';
import { RunRepository, type RunFilter } from './run.repository.js';
import { isTerminal, type RunEvent, type RunEventMap, type RunEventType, type RunRow } from './run.types.js';
import { RunQueue } from './run.queue.js';
import { closeRun, Runner } from './runner.js';
import { InDoubtSteps } from './in-doubt.js';
import { RunLeases } from './run.leases.js';
import { retryingTransaction } from '../store/transaction-retry.js';
import type { AgentRuntime } from '../agent/agent.runtime.js';
import { agentMayUse, allowed, llmProblems } from '../agent/llm.checks.js';

/** An ad-hoc run: the agent answers a prompt with the environments and tools it is given. */
export interface StartPrompt {
  prompt: string;
  /** Environment names the agent may use. */
  environments: string[];
  /** Allow-list: tool ids or patterns (sisense.dashboard.*). */
  tools?: string[];
  /** false: no tool result reaches the model, whatever the environments allow. */
  shareToolResults?: boolean;
  threadId?: string;
}

export interface StartRun {
  playbook: string;
  inputs?: Record<string, unknown>;
  environments?: Record<string, string>;
  dryRun?: boolean;
  scheduleId?: string;
  /** false: no tool result of this run's agent steps reaches the model. */
  shareToolResults?: boolean;
  /** true: one approval of the whole run's plan; false: one per write step; absent: the playbook's policy.approval.scope. */
  approveOnce?: boolean;
}

/**
 * Runs: validated at the door (inputs against the playbook's input schema, every role bound to a configured
 * environment of the right kind), persisted, queued in order under a global limit, executed by the Runner, resumed
 * when an approval settles, recovered after a restart, cancelled on request.
 */
@Injectable()
export class RunsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly repo = new RunRepository();
  private readonly runner: Runner;
  private readonly queue: RunQueue;
  private readonly definitions = new Map<string, ParsedPlaybook>();
  private readonly limits: EnvLimits;
  private readonly inDoubt: InDoubtSteps;
  private readonly leases: RunLeases;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: StewardConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PlaybooksService) private readonly playbooks: PlaybooksService,
    @Inject(PLUGIN_CATALOGUE) private readonly catalogue: PluginCatalogue,
    @Inject(ENGINE_CLIENT) private readonly engine: EngineClient,
    @Inject(RunEventsService) private readonly events: RunEventsService,
    @Inject(ApprovalService) private readonly approvals: ApprovalService,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(TOOL_INVOKER) private readonly invoker: ToolInvoker,
  ) {
    const limits = (this.limits = new EnvLimits(config.environments, config.runs.defaultConcurrency));
    const inDoubt = (this.inDoubt = new InDoubtSteps({ store, approvals, invoker, repo: this.repo, events }));
    this.runner = new Runner({
      inDoubt,
      // LangChain is loaded on the first agent task, not at start (start-up time and memory of daemons without one).
      agent: { execute: async (ctx, task) => (await this.agentRuntime()).execute(ctx, task) } as AgentRuntime,
      engine,
      catalogue,
      repo: this.repo,
      limits,
      approval: async (id) => (await approvals.get(id).catch(() => undefined))?.approval,
      store,
      events,
      approvals,
      logger: logger.child({ component: 'runner' }),
    });
    this.queue = new RunQueue(config.runs.maxConcurrent, (id, signal) => this.execute(id, signal), this.logger);
    this.leases = new RunLeases({ store, repo: this.repo, queue: this.queue, inDoubt, logger, leaseMs: config.runs.leaseMs });
    this.approvals.runPolicy = async (runId) => {
      const pb = await this.definition(runId).catch(() => undefined);
      const p = pb?.policy?.approval;
      return p && { requireFor: p.requireFor, approvers: p.approvers, allowSelfApproval: p.allowSelfApproval, expiresAfterMs: p.expiresAfterMs };
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.bus.on(APPROVAL_SETTLED, (a: ApprovalRow) => {
      if (a.run_id) void this.leases.resume(a.run_id).catch((e: unknown) => this.logger.error({ err: e, run: a.run_id }, 'resume failed'));
    });
    // A question answered or expired: its run resumes (src/questions).
    this.bus.on(QUESTION_SETTLED, (q: { run_id: string }) => void this.leases.resume(q.run_id).catch((e: unknown) => this.logger.error({ err: e, run: q.run_id }, 'resume failed')));
    await this.leases.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leases.stop();
    await this.queue.stop();
  }

  async start(req: StartRun, who: Principal): Promise<RunRow> {
    const playbook = this.playbooks.get(req.playbook);
    if (!req.dryRun && hasAgentStep(playbook.steps)) this.requireLlm();
    const inputs = this.checkInputs(playbook, req.inputs ?? {});
    const environments = this.checkEnvironments(playbook, req.environments ?? {});
    const source = JSON.stringify(playbook.definition);
    const { run, event } = await this.store.transaction(async (tx) => {
      const row = await this.repo.insert(tx, {
        kind: 'playbook',
        playbook: playbook.id,
        digest: createHash('sha256').update(source).digest('hex'),
        definition: { source, file: playbook.file },
        inputs,
        environments,
        dryRun: req.dryRun === true,
        requestedBy: who.name,
        scheduleId: req.scheduleId,
        ...(req.shareToolResults === false && { shareToolResults: false }),
        ...(req.approveOnce !== undefined && { approveOnce: req.approveOnce }),
      });
      const e = await this.events.append(tx, row.id, 'run.queued', { playbook: playbook.id, requestedBy: who.name, dryRun: row.dry_run });
      return { run: row, event: e };
    });
    this.events.publish(event);
    this.definitions.set(run.id, playbook);
    this.logger.info({ run: run.id, playbook: playbook.id, by: who.name, dryRun: run.dry_run }, 'run queued');
    this.queue.push(run.id);
    return run;
  }

  /** Starts an agent run; refused up front when no model is configured or an environment or tool is unknown. */
  async startPrompt(req: StartPrompt, who: Principal): Promise<RunRow> {
    this.requireLlm();
    this.checkAgentScope(req.environments, req.tools);
    const inputs = { ...(req.tools ? { tools: req.tools } : {}), ...(req.threadId ? { threadId: req.threadId } : {}) };
    const environments = Object.fromEntries(req.environments.map((n) => [n, n]));
    const { run, event } = await this.store.transaction(async (tx) => {
      const row = await this.repo.insert(tx, {
        kind: 'prompt', prompt: req.prompt, inputs, environments, dryRun: false, requestedBy: who.name,
        ...(req.shareToolResults === false && { shareToolResults: false }),
      });
      const e = await this.events.append(tx, row.id, 'run.queued', { playbook: null, requestedBy: who.name, dryRun: false });
      return { run: row, event: e };
    });
    this.events.publish(event);
    this.logger.info({ run: run.id, by: who.name, environments: req.environments, thread: req.threadId }, 'agent run queued');
    this.queue.push(run.id);
    return run;
  }

  /** A thread's conversation from its checkpoints (what the model and the person said, tool outcomes). */
  async threadHistory(threadId: string) {
    return (await this.agentRuntime()).history(threadId);
  }

  /** Every environment configured, every allow-list entry matching an enabled tool (RUN_INVALID naming each). */
  checkAgentScope(environments: string[], tools?: string[]): void {
    const errors: string[] = [];
    for (const name of environments) if (!this.config.environments[name]) errors.push(`environments: no environment "${name}" is configured`);
    for (const pattern of tools ?? []) {
      if (!this.catalogue.tools().some((t) => allowed(t.id, [pattern]))) errors.push(`tools: no enabled tool matches "${pattern}"`);
    }
    if (errors.length) throw new StewardError('RUN_INVALID', errors.join('; '));
    // The same narrowing the agent applies (agentMayUse).
    if (!this.catalogue.tools().some((t) => agentMayUse(t, environments, this.config.environments, tools))) {
      throw new StewardError('RUN_INVALID', `no tool is usable with environments ${environments.join(', ')}${tools ? ` and tools ${tools.join(', ')}` : ''} (check the allow-lists, the environments' agentTools and their kinds)`);
    }
  }

  /** LLM_NOT_CONFIGURED unless `llm:` names a usable provider. */
  requireLlm(): void {
    const problems = llmProblems(this.config.llm);
    if (!this.config.llm?.provider || problems.length) {
      throw new StewardError('LLM_NOT_CONFIGURED', this.config.llm?.provider
        ? `the language model settings are incomplete: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`
        : 'no language model is configured: set llm.provider (openai, azure-openai, databricks or openai-compatible) in steward.yaml; playbooks without agent steps work without one');
    }
  }

  private agentRuntimeP?: Promise<AgentRuntime>;
  private agentRuntime(): Promise<AgentRuntime> {
    this.agentRuntimeP ??= import('../agent/index.js').then(({ createAgentRuntime }) =>
      createAgentRuntime({
        engine: this.engine,
        catalogue: this.catalogue,
        repo: this.repo,
        limits: this.limits,
        approvals: this.approvals,
        inDoubt: this.inDoubt,
        store: this.store,
        llm: this.config.llm ?? {},
        environments: this.config.environments,
      }),
    );
    return this.agentRuntimeP;
  }

  async get(id: string): Promise<RunRow> {
    const run = await this.repo.get(this.store, id);
    if (!run) throw new StewardError('RUN_NOT_FOUND', `run ${id} does not exist`);
    return run;
  }

  list(filter: RunFilter) {
    return this.repo.list(this.store, filter);
  }

  steps(id: string) {
    return this.repo.steps(this.store, id);
  }

  /** The questions the run asked (src/questions), newest first. */
  questions(id: string) {
    return new QuestionRepository().list(this.store, { runId: id, limit: 500 });
  }

  /**
   * Cancels a run: in one transaction (the run locked first, then its approvals, then its steps), the run ends
   * `cancelled`, its open approvals are cancelled, and every open step is closed — `unknown` for a write whose call
   * may already have reached the target (its approval was released), `cancelled` for the rest.
   */
  async cancel(id: string, who: Principal): Promise<RunRow> {
    const runSpec = await this.inDoubt.runSpec(id);
    const { run, events } = await retryingTransaction(this.store, async (tx) => {
      const r = await this.repo.lock(tx, id);
      if (!r) throw new StewardError('RUN_NOT_FOUND', `run ${id} does not exist`);
      if (isTerminal(r.state)) throw new StewardError('RUN_FINISHED', `run ${id} already ended ${r.state}; nothing to cancel`);
      const reason = `cancelled by ${who.name}`;
      const evs: RunEvent[] = [];
      const append = async <E extends RunEventType>(type: E, data: RunEventMap[E], stepKey?: string) => void evs.push(await this.events.append(tx, id, type, data, stepKey));
      await this.repo.setState(tx, id, 'cancelled', reason);
      await closeRun(tx, id, { repo: this.repo, approvals: this.approvals, inDoubt: this.inDoubt }, runSpec, 'the run was cancelled', append);
      await append('run.finished', { state: 'cancelled', reason });
      return { run: await this.repo.get(tx, id), events: evs };
    });
    this.events.publish(events);
    this.queue.cancel(id);
    this.logger.info({ run: id, by: who.name }, 'run cancelled');
    return run!;
  }

  /** The run's playbook as it was when the run started (its stored definition, re-validated). */
  private async definition(runId: string): Promise<ParsedPlaybook> {
    const cached = this.definitions.get(runId);
    if (cached) return cached;
    const run = await this.get(runId);
    if (!run.definition) throw new StewardError('RUN_INVALID', `run ${runId} has no playbook definition`);
    const pb = this.playbooks.parse(run.definition.source, run.definition.file);
    this.definitions.set(runId, pb);
    return pb;
  }

  private async execute(id: string, signal: AbortSignal): Promise<void> {
    if (!(await this.leases.claim(id))) {
      this.logger.debug({ run: id }, 'run is executing on another daemon');
      return;
    }
    try {
      const run = await this.repo.get(this.store, id);
      if (!run || isTerminal(run.state)) return;
      if (run.kind === 'prompt') {
        await this.runner.executePrompt(run, signal);
        return;
      }
      const state = await this.runner.execute(run, await this.definition(id), signal);
      if (isTerminal(state)) this.definitions.delete(id);
    } finally {
      await this.leases.release(id).catch((e: unknown) => this.logger.warn({ err: e, run: id }, 'could not release the run lease'));
    }
  }

  private checkInputs(playbook: ParsedPlaybook, given: Record<string, unknown>): Record<string, unknown> {
    const copy = structuredClone(given);
    const validate = runInputValidator(playbook.inputSchema);
    if (!validate(copy)) {
      const errors = formatAjvErrors(validate.errors ?? [], undefined, 'inputs');
      throw new StewardError('RUN_INVALID', `inputs for ${playbook.id} are invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
    }
    return copy;
  }

  private checkEnvironments(playbook: ParsedPlaybook, given: Record<string, string>): Record<string, string> {
    const errors: { path: string; message: string }[] = [];
    const roles = new Map(playbook.environments.map((r) => [r.name, r.kind]));
    for (const role of Object.keys(given)) if (!roles.has(role)) errors.push({ path: `environments.${role}`, message: `playbook ${playbook.id} has no environment role "${role}" (roles: ${[...roles.keys()].join(', ') || 'none'})` });
    for (const [role, kind] of roles) {
      const name = given[role];
      const env = name === undefined ? undefined : this.config.environments[name];
      if (name === undefined) errors.push({ path: `environments.${role}`, message: `role "${role}" needs an environment of kind ${kind}` });
      else if (!env) errors.push({ path: `environments.${role}`, message: `no environment "${name}" is configured` });
      else if (env.kind !== kind) errors.push({ path: `environments.${role}`, message: `environment "${name}" is of kind ${env.kind}; role "${role}" needs kind ${kind}` });
    }
    if (errors.length) throw new StewardError('RUN_INVALID', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    return { ...given };
  }

  /** Runs executing and waiting in the queue (the CLI waits for these before it exits). */
  queueSize(): { active: number; waiting: number } {
    return this.queue.size;
  }
}

/** Whether any step (nested in foreach too) is an agent step. */
function hasAgentStep(steps: readonly Step[]): boolean {
  return steps.some((s) => s.kind === 'agent' || ((s.kind === 'foreach' || s.kind === 'loop') && hasAgentStep(s.steps)));
}
