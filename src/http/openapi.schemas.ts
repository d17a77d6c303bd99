/**
 * Response schemas of the API, by operation, for the OpenAPI document (the controllers' own decorators describe the
 * inputs). Open objects (extra fields allowed) so adding a field to a view does not make the document lie; what a
 * client relies on is named. Shapes follow the views in run.views.ts, approvals.controller.ts, findings.controller.ts,
 * threads.service.ts and the other controllers.
 */
type Schema = Record<string, unknown>;

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const time = { type: ['string', 'null'], format: 'date-time' } as const;
const any = {} as const;
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const list = (key: string, item: Schema, extra: Record<string, Schema> = {}): Schema => obj({ [key]: { type: 'array', items: item }, ...extra });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nextCursor = { next: { type: ['string', 'null'], description: 'Pass as `before` for the next page; null on the last page.' } };

const RUN_STATES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired', 'unknown'];

export const SCHEMAS: Record<string, Schema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; `code` is the stable error code.',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: str,
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: str,
      code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
      requestId: str,
      instance: str,
      errors: { type: 'array', items: { type: 'object', properties: { path: str, message: str }, required: ['path', 'message'] } },
    },
  },
  Run: obj(
    {
      id: { type: 'string', pattern: '^run_' },
      kind: { enum: ['playbook', 'prompt'] },
      playbook: nstr,
      prompt: nstr,
      state: { type: 'string', examples: RUN_STATES },
      reason: nstr,
      dryRun: { type: 'boolean' },
      shareToolResults: { type: ['boolean', 'null'] },
      approveOnce: { type: ['boolean', 'null'], description: 'true: one approval of the whole run plan; false: per write step; null: the playbook decides (policy.approval.scope).' },
      inputs: { type: 'object' },
      environments: any,
      requestedBy: str,
      scheduleId: nstr,
      outputs: any,
      lastEventId: { type: 'integer' },
      createdAt: time,
      startedAt: time,
      finishedAt: time,
    },
    ['id', 'kind', 'state', 'requestedBy', 'createdAt'],
  ),
  Step: obj({ key: str, id: str, kind: str, state: str, attempt: { type: 'integer' }, tool: nstr, effect: nstr, environments: any, input: any, output: any, plan: any, planView: { anyOf: [ref('PlanView'), { type: 'null' }] }, dryRun: { type: ['boolean', 'null'] }, error: any, approvalId: nstr, startedAt: time, finishedAt: time }, ['key', 'id', 'kind', 'state']),
  Approval: obj(
    {
      id: { type: 'string', pattern: '^apr_' },
      runId: nstr,
      stepKey: nstr,
      kind: { type: 'string', examples: ['tool', 'gate', 'unknown_step', 'run_plan'] },
      parentId: { type: ['string', 'null'], description: 'A step released under an approved run plan: the run_plan approval.' },
      status: { enum: ['pending', 'approved', 'rejected', 'expired', 'cancelled', 'consumed'] },
      outcome: nstr,
      tool: nstr,
      effect: nstr,
      input: any,
      environments: any,
      plan: any,
      planView: { anyOf: [ref('PlanView'), ref('RunPlanView'), { type: 'null' }], description: "The plan as people read it: one tool's, or (kind run_plan) each step's." },
      planFailure: any,
      message: nstr,
      requestedBy: str,
      requiredApprovals: { type: 'integer' },
      createdAt: time,
      expiresAt: time,
      decidedAt: time,
      decisions: { type: 'array', items: obj({ by: str, decision: str, comment: nstr, at: time }, ['by', 'decision']) },
    },
    ['id', 'kind', 'status', 'requestedBy', 'decisions'],
  ),
  Question: obj(
    {
      id: { type: 'string', pattern: '^q_' },
      runId: str,
      stepKey: { type: 'string', description: 'The ask step, or the agent call (<agent>.<callId>) that asked.' },
      question: str,
      schema: { type: 'object', description: 'JSON Schema (draft 2020-12) the answer must satisfy.' },
      from: { type: ['array', 'null'], items: str, description: "Who may answer: names or roles (that role or higher); null: the run's requester or any operator+." },
      askedBy: str,
      status: { enum: ['pending', 'answered', 'expired', 'cancelled'] },
      answer: any,
      answeredBy: nstr,
      answeredAt: time,
      createdAt: time,
      expiresAt: time,
    },
    ['id', 'runId', 'stepKey', 'question', 'schema', 'askedBy', 'status', 'expiresAt'],
  ),
  PlanView: {
    type: 'object',
    description: 'A dry-run plan as people read it: one item per asset (+ create, ~ update with the fields that change, - delete, = skip, ! fail) and totals.',
    required: ['summary', 'items', 'totals', 'planned'],
    properties: {
      summary: str,
      planned: { type: 'boolean', description: 'false: the tool has no dry run, or the dry run failed (then error).' },
      error: obj({ code: str, message: str }),
      items: {
        type: 'array',
        items: obj(
          {
            symbol: { enum: ['+', '~', '-', '=', '!'] },
            action: { enum: ['create', 'update', 'delete', 'skip', 'fail'] },
            kind: nstr,
            target: str,
            label: str,
            reason: str,
            detail: str,
            fields: { type: 'array', items: obj({ field: str, before: any, after: any }, ['field']) },
          },
          ['symbol', 'action', 'kind', 'target', 'label'],
        ),
      },
      totals: obj({ create: { type: 'integer' }, update: { type: 'integer' }, delete: { type: 'integer' }, skip: { type: 'integer' }, fail: { type: 'integer' } }),
    },
  },
  RunPlanView: obj({
    steps: { type: 'array', items: obj({ stepId: str, stepKey: str, tool: nstr, view: ref('PlanView') }) },
    totals: obj({ create: { type: 'integer' }, update: { type: 'integer' }, delete: { type: 'integer' }, skip: { type: 'integer' }, fail: { type: 'integer' } }),
  }),
  Finding: obj({ fingerprint: str, check: str, severity: str, environment: nstr, asset: nstr, message: str, playbook: nstr, state: str, firstSeenAt: time, lastSeenAt: time, resolvedAt: time, timesSeen: { type: 'integer' } }, ['fingerprint', 'check', 'severity', 'message', 'state']),
  Tool: obj({ id: str, plugin: str, effect: str, inputSchema: { type: 'object' } }, ['id']),
  Thread: obj({ id: str }, ['id']),
  Schedule: obj({ id: str, paused: { type: 'boolean' } }, ['id']),
  Delivery: obj({ id: str }, ['id']),
};

const RUN_ACCEPTED = obj({ id: str, state: str, links: obj({ self: str, events: str, report: str }) });
const SSE = { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events: `id` (the event seq), `event` (its type), `data` (the run event as JSON).' } } };

/** `METHOD /path` → content of its success response. */
export const SUCCESS: Record<string, Record<string, { schema: Schema }>> = {
  'GET /ready': { 'application/json': { schema: obj({ status: { const: 'ready' }, store: obj({ kind: str, ok: { type: 'boolean' } }) }) } },
  'GET /version': { 'application/json': { schema: obj({ name: str, version: str, instanceId: str, startedAt: time, node: str, store: str }) } },
  'GET /whoami': { 'application/json': { schema: obj({ name: str, role: { enum: ['viewer', 'operator', 'approver', 'admin'] } }) } },
  'GET /config': { 'application/json': { schema: { type: 'object', description: 'The effective steward.yaml, secrets redacted.' } } },
  'GET /tools': { 'application/json': { schema: list('tools', ref('Tool')) } },
  'GET /tools/{id}': { 'application/json': { schema: ref('Tool') } },
  'GET /playbooks/{id}': { 'application/json': { schema: obj({ id: str, inputSchema: { type: 'object' }, definition: { type: 'object' } }, ['id', 'inputSchema', 'definition']) } },
  'GET /approvals': { 'application/json': { schema: list('approvals', ref('Approval')) } },
  'GET /approvals/{id}': { 'application/json': { schema: ref('Approval') } },
  'POST /approvals/{id}': { 'application/json': { schema: ref('Approval') } },
  'POST /runs': { 'application/json': { schema: RUN_ACCEPTED } },
  'GET /runs': { 'application/json': { schema: list('runs', ref('Run'), nextCursor) } },
  'GET /runs/{id}': {
    'application/json': {
      schema: {
        allOf: [
          ref('Run'),
          obj(
            {
              steps: { type: 'array', items: ref('Step') },
              questions: { type: 'array', items: ref('Question'), description: 'Questions the run asked (pending ones included).' },
              waitingFor: { enum: ['answer', 'approval', null], description: 'What an awaiting_approval run waits on: an answer to a pending question, or an approval; null otherwise.' },
            },
            ['steps'],
          ),
        ],
      },
    },
  },
  'GET /questions': { 'application/json': { schema: list('questions', ref('Question')) } },
  'GET /questions/{id}': { 'application/json': { schema: ref('Question') } },
  'POST /questions/{id}': { 'application/json': { schema: ref('Question') } },
  'POST /runs/{id}/cancel': { 'application/json': { schema: ref('Run') } },
  'GET /runs/{id}/events': SSE,
  'GET /events': SSE,
  'GET /runs/{id}/report': { 'application/json': { schema: obj({ summary: { type: 'object' } }, ['summary']) }, 'text/markdown': { schema: str } },
  'POST /threads': { 'application/json': { schema: { allOf: [ref('Thread'), obj({ links: obj({ self: str, messages: str }) })] } } },
  'GET /threads': { 'application/json': { schema: list('threads', ref('Thread')) } },
  'POST /threads/{id}/messages': { 'application/json': { schema: obj({ runId: str, state: str, links: obj({ run: str, events: str, thread: str }) }) } },
  'GET /threads/{id}': { 'application/json': { schema: ref('Thread') } },
  'GET /findings': { 'application/json': { schema: list('findings', ref('Finding'), nextCursor) } },
  'GET /findings/{fingerprint}': { 'application/json': { schema: ref('Finding') } },
  'GET /runs/{id}/findings-diff': { 'application/json': { schema: { type: 'object', description: 'Findings new, still open and resolved by this run.' } } },
  'GET /notifications': { 'application/json': { schema: list('deliveries', ref('Delivery')) } },
  'GET /notifications/{id}': { 'application/json': { schema: { allOf: [ref('Delivery'), obj({ body: any })] } } },
  'GET /schedules': { 'application/json': { schema: obj({ schedules: { type: 'array', items: ref('Schedule') }, problems: { type: 'array' }, reload: any, running: { type: 'boolean' } }, ['schedules', 'problems', 'running']) } },
  'GET /schedules/{id}': { 'application/json': { schema: ref('Schedule') } },
  'POST /schedules/{id}/pause': { 'application/json': { schema: ref('Schedule') } },
  'POST /schedules/{id}/resume': { 'application/json': { schema: ref('Schedule') } },
  'POST /schedules/{id}/trigger': { 'application/json': { schema: obj({ id: str, fires: any }) } },
  'POST /reload': { 'application/json': { schema: { type: 'object', description: 'What the reload changed, or why the file was refused.' } } },
};

/** Generic error responses (components.responses), each application/problem+json with the Problem schema. */
export const ERRORS: Record<string, { status: string; description: string }> = {
  BadRequest: { status: '400', description: 'The request is invalid (body, query or path); `errors` names each problem.' },
  Unauthorized: { status: '401', description: 'No bearer token, a malformed one, or one this daemon does not know.' },
  Forbidden: { status: '403', description: "The token's role is not enough for this route (or the action is not allowed for this caller)." },
  NotFound: { status: '404', description: 'No such resource (or not one this caller may see).' },
  Conflict: { status: '409', description: 'The resource is not in a state that allows this.' },
  PayloadTooLarge: { status: '413', description: 'The body exceeds server.bodyLimitBytes.' },
  UnsupportedMediaType: { status: '415', description: 'The body is not application/json.' },
  TooManyRequests: { status: '429', description: 'A limit was reached; retry later.' },
  InternalError: { status: '500', description: 'An internal error; the daemon log has the details under requestId.' },
  Unavailable: { status: '503', description: 'Not ready (store unreachable) or shutting down.' },
};

/** Descriptions of the controllers' tags; a tag not listed here is described by its name. */
export const TAGS: Record<string, string> = {
  approvals: 'Actions waiting for a person: list, read, decide (approve, reject, retry, skip).',
  daemon: 'Liveness, readiness, version, the caller, the effective configuration and metrics.',
  findings: 'Governance findings across runs, with their history.',
  notifications: 'Deliveries of notifications (webhooks) and their outcome.',
  playbooks: 'The loaded playbooks and validation of a playbook text.',
  plugins: 'The loaded plugins and their status.',
  questions: 'Questions runs ask a person (playbook ask steps, the agent\'s steward.ask): the inbox, answers.',
  runs: 'Runs of playbooks and ad-hoc prompts: start, follow (SSE), report, cancel.',
  schedules: 'Cron schedules: list, pause, resume, trigger; reload steward.yaml.',
  threads: 'Conversations with the agent; each message is a run.',
  tools: 'The tool registry: every tool with its schemas and effect.',
};
