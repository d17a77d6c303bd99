import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { hasRole, type Principal } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import type { RunEvent } from '../runs/run.types.js';
import type { StewardApi } from './steward-api.js';

/** MCP's "resource not found" error code. */
export const RESOURCE_NOT_FOUND = -32002;
export const SCHEME = 'steward://';
const JSON_TYPE = 'application/json';
/** Runs and pending approvals resources/list shows (the newest). */
const LISTED = 25;

export const RESOURCE_TEMPLATES: ResourceTemplate[] = [
  { uriTemplate: 'steward://runs/{id}', name: 'run', title: 'Run', description: 'A run: its state, inputs, environments, outputs and steps.', mimeType: JSON_TYPE },
  { uriTemplate: 'steward://runs/{id}/report.md', name: 'run-report-md', title: 'Run report (Markdown)', description: 'The run report: steps, actions, approvals (who, when, why), findings and their diff against the previous run.', mimeType: 'text/markdown' },
  { uriTemplate: 'steward://runs/{id}/report.json', name: 'run-report-json', title: 'Run report (JSON)', description: 'The run report as JSON.', mimeType: JSON_TYPE },
  { uriTemplate: 'steward://approvals/{id}', name: 'approval', title: 'Approval', description: 'An approval: what will run, where, its dry-run plan, who asked, who decided.', mimeType: JSON_TYPE },
  { uriTemplate: 'steward://findings/{check}', name: 'findings-by-check', title: 'Findings of one check', description: 'The findings of one check id (percent-encode a "/" in it), most recently seen first.', mimeType: JSON_TYPE },
  { uriTemplate: 'steward://playbooks/{id}', name: 'playbook', title: 'Playbook source', description: "A playbook's YAML source.", mimeType: 'application/yaml' },
];

/** What a steward:// URI names, or undefined when it names nothing Steward serves. */
export type ResourceRef =
  | { kind: 'run' | 'report.md' | 'report.json' | 'approval' | 'playbook'; id: string }
  | { kind: 'findings'; check?: string };

export function parseResourceUri(uri: string): ResourceRef | undefined {
  if (!uri.startsWith(SCHEME)) return undefined;
  const path = uri.slice(SCHEME.length);
  const seg = '([A-Za-z0-9_.:-]{1,200})';
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^runs/${seg}$`).exec(path))) return { kind: 'run', id: m[1]! };
  if ((m = new RegExp(`^runs/${seg}/report\\.(md|json)$`).exec(path))) return { kind: m[2] === 'md' ? 'report.md' : 'report.json', id: m[1]! };
  if ((m = new RegExp(`^approvals/${seg}$`).exec(path))) return { kind: 'approval', id: m[1]! };
  if ((m = new RegExp(`^playbooks/${seg}$`).exec(path))) return { kind: 'playbook', id: m[1]! };
  if (path === 'findings') return { kind: 'findings' };
  if (path.startsWith('findings/') && path.length > 'findings/'.length) {
    try {
      const check = decodeURIComponent(path.slice('findings/'.length));
      return check.length <= 300 ? { kind: 'findings', check } : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** An MCP protocol error (a plain Error with a code: McpError would prefix its message a second time on the wire). */
export const protocolError = (code: number, message: string, data?: unknown) => Object.assign(new Error(message), { code, ...(data !== undefined && { data }) });

/** A StewardError as the protocol error a client sees: not found → -32002, anything else → invalid params. */
function asProtocolError(e: unknown, uri: string): unknown {
  if (!isStewardError(e)) return e;
  return e.status === 404 ? protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} (${e.message})`, { uri }) : protocolError(ErrorCode.InvalidParams, `${e.code}: ${e.message}`);
}

const json = (uri: string, value: unknown): ReadResourceResult => ({ contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) }] });

/** Reads one resource for `who` with the REST API's access rules; throws the protocol error to answer with. */
export async function readResource(api: StewardApi, uri: string, who: Principal): Promise<ReadResourceResult> {
  const ref = parseResourceUri(uri);
  if (!ref) throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} (Steward serves ${RESOURCE_TEMPLATES.map((t) => t.uriTemplate).join(', ')}, steward://findings)`, { uri });
  try {
    switch (ref.kind) {
      case 'run':
        return json(uri, await api.run(ref.id, who));
      case 'report.json':
        return json(uri, await api.report(ref.id, who));
      case 'report.md':
        return { contents: [{ uri, mimeType: 'text/markdown', text: await api.reportMarkdown(ref.id, who) }] };
      case 'approval':
        return json(uri, await api.approval(ref.id, who));
      case 'playbook':
        return { contents: [{ uri, mimeType: 'application/yaml', text: await api.playbookSource(ref.id) }] };
      case 'findings':
        return json(uri, { ...(ref.check !== undefined && { check: ref.check }), findings: await api.findings({ check: ref.check }) });
    }
  } catch (e) {
    throw asProtocolError(e, uri);
  }
}

/** resources/list: the findings, every playbook, the newest readable runs and the pending approvals the caller sees. */
export async function listResources(api: StewardApi, who: Principal): Promise<Resource[]> {
  const [runs, approvals] = await Promise.all([api.runs({ limit: LISTED }, who), api.approvals({ status: 'pending', limit: LISTED }, who)]);
  return [
    { uri: 'steward://findings', name: 'findings', title: 'Findings', description: 'Governance findings across runs, most recently seen first.', mimeType: JSON_TYPE },
    ...api.playbooks().map((p) => ({ uri: `steward://playbooks/${p.id}`, name: `playbook ${p.id}`, title: `Playbook ${p.id}`, ...(p.description && { description: p.description }), mimeType: 'application/yaml' })),
    ...runs.map((r) => ({
      uri: `steward://runs/${r.id}`,
      name: `run ${r.id}`,
      title: `Run ${r.id} (${r.playbook ?? 'ad hoc'}, ${r.state})`,
      description: `${r.kind === 'playbook' ? `Playbook ${r.playbook}` : 'Ad-hoc prompt'}${r.dryRun ? ' (dry run)' : ''}, requested by ${r.requestedBy}, ${r.state}. Report: steward://runs/${r.id}/report.md`,
      mimeType: JSON_TYPE,
    })),
    ...approvals.map((a) => ({
      uri: `steward://approvals/${a.id}`,
      name: `approval ${a.id}`,
      title: `Approval ${a.id} (${a.tool ?? a.kind}, pending)`,
      description: `Waiting for a person: ${a.tool ?? a.kind} requested by ${a.requestedBy}${a.runId ? ` in run ${a.runId}` : ''}.`,
      mimeType: JSON_TYPE,
    })),
  ];
}

/**
 * Subscriptions and list changes for one session: a subscribed run (or its report) gets notifications/resources/
 * updated when an event of it arrives, a subscribed approval when it is requested, decided or expires; a new or
 * finished run, or an approval requested, sends one notifications/resources/list_changed (at most one per
 * `debounceMs`) when the caller may see that run.
 */
export class ResourceWatch {
  private readonly subscribed = new Set<string>();
  private readonly pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private readonly off: () => void;
  private closed = false;

  constructor(
    private readonly server: Server,
    private readonly api: StewardApi,
    private readonly who: Principal,
    private readonly log: Logger,
    private readonly debounceMs = 500,
  ) {
    this.off = api.onRunEvent((e) => this.onEvent(e));
  }

  async subscribe(uri: string): Promise<void> {
    // Only what the caller may read can be watched: reading it checks existence and access.
    await readResource(this.api, uri, this.who);
    this.subscribed.add(uri);
  }

  unsubscribe(uri: string): void {
    this.subscribed.delete(uri);
  }

  close(): void {
    this.closed = true;
    this.off();
    clearTimeout(this.timer);
    this.subscribed.clear();
  }

  private onEvent(e: RunEvent): void {
    if (this.closed) return;
    const run = `${SCHEME}runs/${e.runId}`;
    for (const uri of [run, `${run}/report.md`, `${run}/report.json`]) if (this.subscribed.has(uri)) this.updated(uri);
    const approvalId = (e.data as { approvalId?: unknown }).approvalId;
    if (typeof approvalId === 'string' && this.subscribed.has(`${SCHEME}approvals/${approvalId}`)) this.updated(`${SCHEME}approvals/${approvalId}`);
    if (e.type === 'run.queued' || e.type === 'run.finished' || e.type === 'approval.requested') {
      this.pending.add(e.runId);
      this.timer ??= setTimeout(() => void this.flush(), this.debounceMs).unref();
    }
  }

  private updated(uri: string): void {
    void this.server.sendResourceUpdated({ uri }).catch((err: unknown) => this.log.debug({ err, uri }, 'resource update not sent'));
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const runs = [...this.pending];
    this.pending.clear();
    const visible = hasRole(this.who, 'approver') || (await Promise.all(runs.map((id) => this.api.readableRunRow(id, this.who)))).some(Boolean);
    if (visible && !this.closed) await this.server.sendResourceListChanged().catch((err: unknown) => this.log.debug({ err }, 'resource list change not sent'));
  }
}

/** Registers resources/list, templates, read, subscribe and unsubscribe on `server` for `who`. */
export function registerResources(server: Server, api: StewardApi, who: Principal, log: Logger): ResourceWatch {
  const watch = new ResourceWatch(server, api, who, log);
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await listResources(api, who) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => readResource(api, req.params.uri, who));
  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    await watch.subscribe(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    watch.unsubscribe(req.params.uri);
    return {};
  });
  return watch;
}
