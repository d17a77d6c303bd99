import { setTimeout as sleep } from 'node:timers/promises';
import { ElicitResultSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { StewardApi } from './steward-api.js';

/** How long a call waits for a person's decision after sending the approval URL (default 10 minutes). */
export const DEFAULT_ELICITATION_WAIT_MS = 10 * 60_000;
const POLL_MS = 250;
/** A waiting call reports progress this often (clients that reset their timeout on progress keep waiting). */
const HEARTBEAT_MS = 5_000;

/** What the request handler's `extra` offers that this needs. */
export interface RequestChannel {
  signal: AbortSignal;
  sendRequest: (request: { method: 'elicitation/create'; params: Record<string, unknown> }, schema: typeof ElicitResultSchema, options?: { timeout?: number; signal?: AbortSignal }) => Promise<{ action: string }>;
  sendNotification: (notification: { method: string; params: Record<string, unknown> }) => Promise<void>;
}

export type ElicitedDecision =
  | { status: 'approved' | 'rejected' | 'expired' | 'cancelled'; by?: string; comment?: string | null }
  /** Not decided: the client declined to open the URL, the wait ran out or the call was cancelled. */
  | { status: 'undecided'; why: string };

/** URL-mode elicitation (MCP 2025-11-25) is what the client declared. */
export const supportsUrlElicitation = (caps: ClientCapabilities | undefined): boolean => !!(caps?.elicitation as { url?: unknown } | undefined)?.url;

/**
 * A write waits for a person: the client is sent the console page of the approval (elicitation/create, mode url)
 * and, once the user agreed to open it, the call waits — bounded — for the decision, then says it is complete
 * (notifications/elicitation/complete). The caller then runs the approved call or returns the rejection.
 */
export async function elicitDecision(opts: {
  api: StewardApi;
  approvalId: string;
  url: string;
  message: string;
  channel: RequestChannel;
  progressToken?: string | number;
  waitMs?: number;
  log: Logger;
}): Promise<ElicitedDecision> {
  const { api, approvalId, channel } = opts;
  const waitMs = opts.waitMs ?? DEFAULT_ELICITATION_WAIT_MS;
  let answer: { action: string };
  try {
    answer = await channel.sendRequest({ method: 'elicitation/create', params: { mode: 'url', elicitationId: approvalId, url: opts.url, message: opts.message } }, ElicitResultSchema, {
      timeout: waitMs,
      signal: channel.signal,
    });
  } catch (e) {
    opts.log.info({ approval: approvalId, err: (e as Error).message }, 'approval URL not shown to the client');
    return { status: 'undecided', why: `the client did not take the approval URL (${(e as Error).message})` };
  }
  if (answer.action !== 'accept') return { status: 'undecided', why: `the user chose ${answer.action} instead of opening the approval page` };

  const end = Date.now() + waitMs;
  let beat = Date.now() + HEARTBEAT_MS;
  let progress = 0;
  while (!channel.signal.aborted) {
    const decided = await api.approvalDecision(approvalId);
    if (decided.status !== 'pending') {
      await channel.sendNotification({ method: 'notifications/elicitation/complete', params: { elicitationId: approvalId } }).catch(() => undefined);
      return { ...decided, status: decided.status };
    }
    if (Date.now() >= end) return { status: 'undecided', why: `no decision within ${Math.round(waitMs / 1000)} s` };
    if (opts.progressToken !== undefined && Date.now() >= beat) {
      beat = Date.now() + HEARTBEAT_MS;
      await channel.sendNotification({ method: 'notifications/progress', params: { progressToken: opts.progressToken, progress: ++progress, message: `waiting for a person to decide approval ${approvalId}` } }).catch(() => undefined);
    }
    await sleep(POLL_MS, undefined, { signal: channel.signal }).catch(() => undefined);
  }
  return { status: 'undecided', why: 'the call was cancelled' };
}
