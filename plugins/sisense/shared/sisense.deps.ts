import { ToolError, type ResolvedEnvironment, type ToolContext } from '../../../src/plugins/plugin-api.js';
import { SisenseClient } from '../client/sisense.client.js';
import type { Query } from '../client/sisense.types.js';
import type { SisenseDeps, SisenseSettings } from './deps.js';
import { scrub, toToolError, whereOf } from './errors.js';
import * as lookup from './lookup.js';

/** Client tuning an environment may set under `options` (tests use small retry delays). */
const RETRY_OPTIONS = ['maxRetries', 'retryBaseMs', 'retryMaxMs', 'maxRetryAfterMs'] as const;

/** The SisenseDeps of one plugin instance. */
export function createSisenseDeps(settings: SisenseSettings): SisenseDeps {
  const clientFor = (env: ResolvedEnvironment, ctx: ToolContext): SisenseClient => {
    if (!env.url) throw new ToolError('SISENSE_CONFIG', `environment "${env.name}" has no url`, { environment: env.name });
    if (!env.token) throw new ToolError('SISENSE_CONFIG', `environment "${env.name}" has no token (an API token for ${whereOf(env)})`, { environment: env.name });
    const tuning: Record<string, number> = {};
    for (const key of RETRY_OPTIONS) if (typeof env.options[key] === 'number') tuning[key] = env.options[key];
    try {
      return new SisenseClient({
        url: env.url,
        token: env.token,
        tls: { verify: env.tls.verify, ...(env.tls.caFile !== undefined && { caFile: env.tls.caFile }) },
        timeoutMs: env.timeoutMs ?? settings.defaultTimeoutMs,
        logger: ctx.logger,
        signal: ctx.signal,
        onAnswer: (status) => ctx.metrics?.targetRequest(env.name, status),
        ...tuning,
      });
    } catch (e) {
      throw new ToolError('SISENSE_CONFIG', scrub(`environment "${env.name}": ${(e as Error).message}`, env), { environment: env.name });
    }
  };

  const listAll = async <T = Record<string, unknown>>(client: SisenseClient, path: string, query: Query = {}): Promise<T[]> => {
    const items: T[] = [];
    for await (const item of client.paginate<T>(path, query, settings.pageSize)) items.push(item);
    return items;
  };

  return {
    settings,
    clientFor,
    async withClient(ctx, fn, role = 'target') {
      const env = ctx.environments[role];
      if (!env) throw new ToolError('SISENSE_CONFIG', `no environment bound to the role "${role}"`);
      const client = clientFor(env, ctx);
      try {
        return await fn(client, env);
      } catch (e) {
        throw toToolError(e, env);
      } finally {
        client.close();
      }
    },
    toToolError,
    listAll,
    resolveDashboard: (client, ref, options) => lookup.resolveDashboard(listAll, client, ref, options?.admin ?? true),
    resolveDatamodel: (client, ref) => lookup.resolveDatamodel(listAll, client, ref),
    resolveUser: (client, ref) => lookup.resolveUser(listAll, client, ref),
    resolveGroup: (client, ref) => lookup.resolveGroup(listAll, client, ref),
    resolveRole: (client, ref) => lookup.resolveRole(client, ref),
    resolveFolder: (client, ref) => lookup.resolveFolder(listAll, client, ref),
    listFolders: (client) => lookup.listFolders(listAll, client),
    loadDirectory: (client) => lookup.loadDirectory(listAll, client),
  };
}
