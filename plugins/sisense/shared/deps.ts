import type { AnyToolDefinition, ResolvedEnvironment, ToolContext } from '../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../client/sisense.client.js';
import type { Query } from '../client/sisense.types.js';
import type { DashboardSummary, DatamodelSummary, Directory, SisenseFolder, SisenseGroup, SisenseRole, SisenseUser } from './sisense.models.js';

export type * from './sisense.models.js';

/** The plugin's settings (plugin.yaml `settings`), defaults applied by the host. */
export interface SisenseSettings {
  /** Items per page of a skip/limit listing. */
  pageSize: number;
  /** Per-attempt timeout of a request when the environment sets no `timeoutMs`. */
  defaultTimeoutMs: number;
  /** Largest export (dashboards, schema) a tool returns inline; beyond it the tool fails with EXPORT_TOO_LARGE. */
  maxExportBytes: number;
  /** Between two build-status reads while a build runs. */
  buildPollMs: number;
  /** How long `sisense.datamodel.build` waits for a build before failing with BUILD_TIMEOUT. */
  buildTimeoutMs: number;
  /** Requests a migration keeps in flight at once. */
  migrationConcurrency: number;
}

export interface ResolveDashboardOptions {
  /** Search every dashboard (`/api/v1/dashboards/admin`, admins only) instead of the token user's visible ones. Default true. */
  admin?: boolean;
}

/**
 * What every Sisense tool module receives. Lookups throw ToolError NOT_FOUND / AMBIGUOUS (detail: `{ kind, ref,
 * candidates }`) and SISENSE_* for failed calls when run inside `withClient`.
 */
export interface SisenseDeps {
  readonly settings: SisenseSettings;

  /**
   * A new client for one environment (url, token, tls, timeoutMs; ctx.logger; cancelled by ctx.signal). The caller
   * closes it (`client.close()`); prefer `withClient`, which also maps errors. Throws SISENSE_CONFIG when the
   * environment has no url or token.
   */
  clientFor(env: ResolvedEnvironment, ctx: ToolContext): SisenseClient;

  /**
   * Runs `fn` with a client for `ctx.environments[role]` (default `target`), then closes it; a SisenseApiError
   * becomes a ToolError (SISENSE_UNAUTHORIZED, SISENSE_FORBIDDEN, SISENSE_UNREACHABLE, SISENSE_TLS, SISENSE_TIMEOUT,
   * SISENSE_BAD_RESPONSE, SISENSE_HTTP_<status>) whose message names the environment and never the token.
   */
  withClient<T>(ctx: ToolContext, fn: (client: SisenseClient, env: ResolvedEnvironment) => Promise<T>, role?: string): Promise<T>;

  /** The ToolError for any error (a SisenseApiError mapped as above); other errors are returned unchanged. */
  toToolError(err: unknown, env: ResolvedEnvironment): unknown;

  /** Every item of a skip/limit listing, settings.pageSize per page (a non-array answer: SISENSE_BAD_RESPONSE). */
  listAll<T = Record<string, unknown>>(client: SisenseClient, path: string, query?: Query): Promise<T[]>;

  /**
   * A dashboard by oid or title (case-insensitive when no exact match). `adminAccess` on the result: found through
   * the admin paths, so later calls about it pass `adminAccess=true`.
   */
  resolveDashboard(client: SisenseClient, ref: string, options?: ResolveDashboardOptions): Promise<DashboardSummary & { adminAccess: boolean }>;
  /** A data model by oid or title. */
  resolveDatamodel(client: SisenseClient, ref: string): Promise<DatamodelSummary>;
  /** A user by id or email (case-insensitive). */
  resolveUser(client: SisenseClient, ref: string): Promise<SisenseUser>;
  /** A group by id or name (case-insensitive when no exact match). */
  resolveGroup(client: SisenseClient, ref: string): Promise<SisenseGroup>;
  /** A role by id, name (`contributor`) or display name (`Designer`). */
  resolveRole(client: SisenseClient, ref: string): Promise<SisenseRole>;
  /** A folder by oid, path `Sales/Deep Dives`, or name when unique; `path` is its full path. */
  resolveFolder(client: SisenseClient, ref: string): Promise<SisenseFolder & { path: string }>;
  /** Every folder (flat) with an oid map; `folderPath(folder, byOid)` in lookup.ts gives `Sales/Deep Dives`. */
  listFolders(client: SisenseClient): Promise<{ folders: SisenseFolder[]; byOid: Map<string, SisenseFolder> }>;
  /** Users, groups and roles with id maps, read once (for name lookups across many assets). */
  loadDirectory(client: SisenseClient): Promise<Directory>;
}

/** What a module's index exports: `(deps) => tools`. */
export type SisenseModule = (deps: SisenseDeps) => AnyToolDefinition[];
