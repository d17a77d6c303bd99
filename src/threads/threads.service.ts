import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { hasRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { iso } from '../common/time.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { newId } from '../runs/run.repository.js';
import { isTerminal, type RunRow } from '../runs/run.types.js';
import { RunsService } from '../runs/runs.service.js';
import type { Store } from '../store/store.types.js';

export interface ThreadRow {
  id: string;
  owner: string;
  title: string | null;
  environments: string[];
  tools: string[] | null;
  share_tool_results: boolean | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewThread {
  environments: string[];
  tools?: string[];
  shareToolResults?: boolean;
  title?: string;
}

/**
 * Conversations with the agent. A thread belongs to the token that created it (others see 404, admins see all);
 * each message is an agent run in the thread's conversation (events, approvals, report like any run), one at a
 * time; the history lives in the store as the conversation's checkpoints and survives restarts.
 */
@Injectable()
export class ThreadsService {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(req: NewThread, who: Principal): Promise<ThreadRow> {
    this.runs.requireLlm();
    this.runs.checkAgentScope(req.environments, req.tools);
    const id = newId('thr');
    const r = await this.store.query<ThreadRow>(
      `INSERT INTO agent_threads (id, owner, title, environments, tools, share_tool_results) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING *`,
      [id, who.name, req.title ?? null, JSON.stringify(req.environments), req.tools ? JSON.stringify(req.tools) : null, req.shareToolResults ?? null],
    );
    this.logger.info({ thread: id, by: who.name }, 'thread created');
    return r.rows[0];
  }

  /** The thread if `who` may see it; THREAD_NOT_FOUND otherwise (a foreign thread is not revealed). */
  async get(id: string, who: Principal): Promise<ThreadRow> {
    const r = await this.store.query<ThreadRow>('SELECT * FROM agent_threads WHERE id = $1', [id]);
    const t = r.rows[0];
    if (!t || (t.owner !== who.name && !hasRole(who, 'admin'))) throw new StewardError('THREAD_NOT_FOUND', `thread ${id} does not exist`);
    return t;
  }

  async list(who: Principal, limit: number): Promise<ThreadRow[]> {
    return (await this.store.query<ThreadRow>('SELECT * FROM agent_threads WHERE owner = $1 ORDER BY created_at DESC LIMIT $2', [who.name, limit])).rows;
  }

  /** A new message: refused while the previous one is still being answered (the conversation is sequential). */
  async message(id: string, content: string, who: Principal): Promise<RunRow> {
    const t = await this.get(id, who);
    if (t.owner !== who.name) throw new StewardError('AUTH_FORBIDDEN', `thread ${id} belongs to "${t.owner}"; only its owner can continue it`);
    const busy = (await this.runsOf(id)).find((r) => !isTerminal(r.state));
    if (busy) throw new StewardError('THREAD_BUSY', `thread ${id} is still answering (run ${busy.id} is ${busy.state}); wait for it or cancel it`);
    const run = await this.runs
      .startPrompt(
        { prompt: content, environments: t.environments, ...(t.tools ? { tools: t.tools } : {}), ...(t.share_tool_results !== null ? { shareToolResults: t.share_tool_results } : {}), threadId: id },
        who,
      )
      .catch((e: unknown) => {
        // Two messages at once: the store's unique index on a thread's active run lets only one start.
        if ((e as { code?: string }).code === '23505') throw new StewardError('THREAD_BUSY', `thread ${id} is already answering another message; wait for it or cancel it`);
        throw e;
      });
    await this.store.query('UPDATE agent_threads SET updated_at = now() WHERE id = $1', [id]);
    return run;
  }

  async view(id: string, who: Principal) {
    const t = await this.get(id, who);
    const runs = await this.runsOf(id);
    return {
      ...toThreadView(t),
      messages: await this.runs.threadHistory(id),
      runs: runs.map((r) => ({ id: r.id, state: r.state, reason: r.reason, prompt: r.prompt, createdAt: iso(r.created_at), finishedAt: iso(r.finished_at) })),
    };
  }

  private async runsOf(threadId: string): Promise<RunRow[]> {
    return (await this.store.query<RunRow>(`SELECT * FROM runs WHERE kind = 'prompt' AND inputs->>'threadId' = $1 ORDER BY created_at`, [threadId])).rows;
  }
}

export const toThreadView = (t: ThreadRow) => ({
  id: t.id,
  owner: t.owner,
  title: t.title,
  environments: t.environments,
  tools: t.tools,
  shareToolResults: t.share_tool_results,
  createdAt: iso(t.created_at),
  updatedAt: iso(t.updated_at),
});
