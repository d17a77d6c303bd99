/**
 * The error catalogue: every error Steward's API can answer with has a stable string code, an HTTP status and a
 * title here, and nowhere else. Services throw these; the global ProblemFilter turns them into
 * application/problem+json. Tool errors (returned to a model) and runner control flow are separate families.
 */

export const ERROR_CATALOGUE = {
  // request / validation
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  INVALID_JSON: { status: 400, title: 'Request body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  // auth
  AUTH_MISSING_TOKEN: { status: 401, title: 'Authentication required' },
  AUTH_MALFORMED_TOKEN: { status: 401, title: 'Malformed Authorization header' },
  AUTH_INVALID_TOKEN: { status: 401, title: 'Unknown bearer token' },
  AUTH_FORBIDDEN: { status: 403, title: 'Insufficient role' },
  HOST_FORBIDDEN: { status: 403, title: 'Host not allowed' },
  ORIGIN_FORBIDDEN: { status: 403, title: 'Origin not allowed' },
  AUTH_SESSION_INVALID: { status: 401, title: 'Console session invalid or ended' },
  CSRF_REFUSED: { status: 403, title: 'CSRF token missing or wrong' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  AUTH_TOKEN_INVALID: { status: 401, title: 'JWT access token rejected' },
  AUTH_NO_ROLE: { status: 403, title: 'No Steward role for this token' },
  AUTH_ISSUER_UNAVAILABLE: { status: 503, title: "The token issuer's keys cannot be read" },
  AUTH_NOT_OAUTH_SERVER: { status: 404, title: 'Steward is not an OAuth authorization server' },
  AUTH_SSO_NOT_CONFIGURED: { status: 404, title: 'Single sign-on is not configured' },
  // approvals and runs
  APPROVAL_NOT_PENDING: { status: 409, title: 'Approval is not pending' },
  APPROVAL_EXPIRED: { status: 409, title: 'Approval expired' },
  APPROVAL_ALREADY_DECIDED: { status: 409, title: 'Already decided by this approver' },
  APPROVAL_SELF: { status: 403, title: 'Self-approval is not allowed' },
  RUN_NOT_FOUND: { status: 404, title: 'No such run' },
  RUN_FINISHED: { status: 409, title: 'Run already finished' },
  RUN_INVALID: { status: 400, title: 'Invalid run request' },
  CURSOR_INVALID: { status: 400, title: 'Invalid event cursor' },
  // config / store / runtime
  CONFIG_INVALID: { status: 500, title: 'Configuration is invalid' },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable' },
  STORE_NOT_WRITABLE: { status: 500, title: 'Store path is not writable' },
  STORE_LOCKED: { status: 500, title: 'Store is in use by another process' },
  NOT_READY: { status: 503, title: 'Not ready' },
  // plugins / tools (calls rejected before a handler runs; failures inside a tool are tool results, not these)
  TOOL_NOT_FOUND: { status: 404, title: 'No such tool' },
  TOOL_INPUT_INVALID: { status: 400, title: 'Tool input is invalid' },
  TOOL_INPUT_TOO_LARGE: { status: 413, title: 'Tool input too large' },
  TOOL_ENVIRONMENT_INVALID: { status: 400, title: 'Tool environments are invalid' },
  // playbooks
  PLAYBOOK_INVALID: { status: 400, title: 'Playbook is invalid' },
  PLAYBOOK_NOT_FOUND: { status: 404, title: 'No such playbook' },
  // schedules, findings
  SCHEDULE_NOT_FOUND: { status: 404, title: 'No such schedule' },
  FINDING_NOT_FOUND: { status: 404, title: 'No such finding' },
  LLM_NOT_CONFIGURED: { status: 409, title: 'No language model is configured' },
  THREAD_NOT_FOUND: { status: 404, title: 'No such thread' },
  THREAD_BUSY: { status: 409, title: 'Thread is answering a message' },
  APPROVAL_EDIT_REFUSED: { status: 400, title: 'Approval edit refused' },
  APPROVAL_CHANGED: { status: 409, title: 'Approval arguments changed' },
  APPROVAL_PLAN_FAILED: { status: 409, title: "The approval's dry run says the call would fail" },
  QUESTION_NOT_FOUND: { status: 404, title: 'No such question' },
  QUESTION_NOT_PENDING: { status: 409, title: 'Question is no longer pending' },
  QUESTION_ANSWER_INVALID: { status: 400, title: "The answer does not match the question's schema" },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  /** JSON path or YAML path of the offending value, when there is one. */
  path?: string;
  message: string;
  [key: string]: unknown;
}

export class StewardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly errors?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: ErrorDetail[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StewardError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.title = ERROR_CATALOGUE[code].title;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/** Configuration problems: every error found, each with its YAML path (and line:col when known). */
export class ConfigError extends StewardError {
  constructor(
    readonly file: string | undefined,
    errors: ErrorDetail[],
  ) {
    super('CONFIG_INVALID', formatConfigErrors(file, errors), { errors });
    this.name = 'ConfigError';
  }
}

function formatConfigErrors(file: string | undefined, errors: ErrorDetail[]): string {
  const where = file ?? 'built-in defaults';
  const lines = errors.map((e) => {
    const pos = typeof e.line === 'number' ? `${e.line}:${e.column ?? 1}: ` : '';
    return `  ${pos}${e.path ? `${e.path}: ` : ''}${e.message}`;
  });
  return `invalid configuration (${where}), ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

export const isStewardError = (e: unknown): e is StewardError => e instanceof StewardError;
