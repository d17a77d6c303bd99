/**
 * Typed view of steward.yaml after `${env:}` / `${file:}` references are resolved, defaults applied and the whole
 * document validated against schemas/config.schema.json. Written once here, beside the schema that is the source of
 * truth; keep the two in step (config.schema.spec.ts checks the example file against both).
 */

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ServerConfig {
  host: string;
  port: number;
  /** Largest accepted JSON request body, in bytes. */
  bodyLimitBytes: number;
  /** Extra Host header values accepted besides the bind address and localhost (DNS-rebinding protection). */
  allowedHosts: string[];
  /** Browser origins allowed to call the API (CORS and MCP Origin validation). Empty: none. */
  allowedOrigins: string[];
  /** Grace period for in-flight work on SIGTERM/SIGINT before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** /mcp session caps and idle reaping. */
  mcpSessions: { max: number; perToken: number; idleTimeoutMs: number };
}

export interface StoreConnectConfig {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export interface StoreConfig {
  /** Embedded PGlite data directory (default .steward/data). Mutually exclusive with url. */
  path?: string;
  /** PostgreSQL connection URL. */
  url?: string;
  poolSize: number;
  connect: StoreConnectConfig;
}

export interface TokenConfig {
  name: string;
  /** A literal token, or `sha256:<64 hex>` (the SHA-256 of the token). */
  token: string;
  role: Role;
}

export interface AuthConfig {
  tokens: TokenConfig[];
  /** Single sign-on: JWT access tokens from one issuer, beside the static tokens (src/auth/jwt.authenticator.ts). */
  jwt?: JwtAuthConfig;
}

/** auth.jwt after defaults (schemas/config.schema.json is the source of truth). */
export interface JwtAuthConfig {
  /** Exactly the tokens' iss claim. */
  issuer: string;
  audience: string | string[];
  /** Default: the jwks_uri of <issuer>/.well-known/openid-configuration. */
  jwksUri?: string;
  algorithms: string[];
  /** Duration text (exp / nbf skew). */
  clockTolerance: string;
  /** Duration text: least time between two JWKS fetches caused by an unknown key id. */
  jwksCooldown: string;
  /** Claim or dotted path naming the caller; default preferred_username, then sub. */
  nameClaim?: string;
  /** Published as scopes_supported. */
  scopes?: string[];
  roles: { claim: string; map: Record<string, Role>; default: 'none' | 'viewer' };
}

export interface LoggingConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** json (default when stdout is not a terminal), pretty (default on a terminal). */
  format: 'auto' | 'json' | 'pretty';
}

export interface EnvironmentConfig {
  kind: string;
  description?: string;
  url?: string;
  token?: string;
  username?: string;
  password?: string;
  tls?: { verify?: boolean; caFile?: string };
  timeoutMs?: number;
  concurrency?: { read?: number; write?: number };
  policy?: EnvironmentPolicyConfig;
  /** Whether tool results from this environment may be shown to a language model (default false). */
  shareToolResults?: boolean;
  /** Tools an agent may call in this environment (ids or patterns); default all. */
  agentTools?: string[];
  /** Plugin-specific options, validated by the plugin serving this kind. */
  options?: Record<string, unknown>;
}

export interface LlmConfig {
  provider?: 'openai' | 'azure-openai' | 'databricks' | 'openai-compatible';
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  temperature?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Stream answers (default true): tokens reach the run as agent.delta events. */
  streaming?: boolean;
  shareToolResults?: boolean;
  azure?: { instanceName?: string; deploymentName?: string; apiVersion?: string; endpoint?: string };
  limits?: { maxModelCalls?: number; maxToolCalls?: number; maxTokens?: number };
  maxResultBytes?: number;
}

export interface PluginSettings {
  enabled?: boolean;
  modules?: string[];
  tools?: string[];
  settings?: Record<string, unknown>;
  /** Approval policy for this plugin's tools, combined (strictest) with the environments' (src/approvals). */
  policy?: EnvironmentPolicyConfig;
}

export interface PluginsConfig {
  /** Extra directories searched for plugins, besides ./plugins. */
  dirs: string[];
  [pluginId: string]: PluginSettings | string[];
}

export interface StewardConfig {
  server: ServerConfig;
  store: StoreConfig;
  auth: AuthConfig;
  logging: LoggingConfig;
  environments: Record<string, EnvironmentConfig>;
  llm: LlmConfig;
  plugins: PluginsConfig;
  /** `defaultPolicy`: for calls that name no environment and whose plugin sets no policy. */
  approvals?: { defaultPolicy?: EnvironmentPolicyConfig };
  playbooks: { dirs: string[]; /** Largest playbook file read (bytes). */ maxFileBytes: number };
  runs: RunsConfig;
  schedules: SchedulesConfig;
  notifications: NotificationsConfig;
  /** The web console (/console). */
  console: ConsoleConfig;
}

export interface ConsoleConfig {
  /** Duration text: how long a session lasts after sign-in (default 12h). */
  sessionTtl: string;
}

export type OverlapPolicy = 'skip' | 'queue' | 'cancel-previous';
export type CatchUpPolicy = 'none' | 'last' | 'all';

/** A schedule declared in steward.yaml (id `config:<name>`): one playbook, run against one or several environment bindings. */
export interface ScheduleEntryConfig {
  playbook: string;
  /** 5 fields (minute first) or 6 (seconds first). */
  cron: string;
  /** IANA zone (default UTC). */
  timezone?: string;
  inputs?: Record<string, unknown>;
  /** Playbook role -> environment name; a list runs the playbook once per binding at each fire. */
  environments?: Record<string, string> | Record<string, string>[];
  overlap?: OverlapPolicy;
  catchUp?: CatchUpPolicy;
  /** Duration text (`6h`): missed fires older than this are not caught up. */
  catchUpWindow?: string;
  /** Duration text: each fire is delayed by a stable pseudo-random amount below this. */
  jitter?: string;
  enabled?: boolean;
}

export interface SchedulesConfig {
  /** Duration text: schedules firing more often than this are refused (default 60s). */
  minInterval: string;
  /** Reload schedules when steward.yaml or a playbook file changes on disk. */
  watch: boolean;
  entries: Record<string, ScheduleEntryConfig>;
}

export const NOTIFICATION_EVENTS = ['run.failed', 'findings.new', 'approval.requested', 'approval.expired'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type FindingSeverity = 'info' | 'warning' | 'error' | 'critical';

export interface WebhookConfig {
  name: string;
  url: string;
  /** json: Steward's own payload; slack: Slack incoming-webhook message; teams: Microsoft Teams (Workflows) Adaptive Card. */
  format: 'json' | 'slack' | 'teams';
  /** HMAC-SHA256 key for X-Steward-Signature (write it as ${env:NAME}). */
  secret?: string;
  events: NotificationEvent[];
  /** findings.new: only findings at or above this severity. */
  minSeverity: FindingSeverity;
  timeoutMs: number;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
}

export interface NotificationsConfig {
  /** Base URL of this daemon as people reach it, for links in messages. */
  publicUrl?: string;
  webhooks: WebhookConfig[];
}

export interface RunsConfig {
  maxConcurrent: number;
  sseHeartbeatMs: number;
  /** Run lease on a shared PostgreSQL store (ms). */
  leaseMs: number;
  defaultConcurrency: { read: number; write: number };
}

export interface EnvironmentPolicyConfig {
  requireFor?: ('read' | 'write' | 'destructive')[];
  requireReasonFor?: ('read' | 'write' | 'destructive')[];
  approvers?: number;
  allowSelfApproval?: boolean;
  expiresAfter?: string;
}

/** The loaded configuration plus what the loader learned while resolving it. */
export interface LoadedConfig {
  config: StewardConfig;
  /** Absolute path of the file read, or undefined for built-in defaults. */
  file?: string;
  /** Directory relative paths in the config resolve against (the file's directory, or the cwd). */
  baseDir: string;
  /** Every secret value seen while loading (resolved references, tokens, passwords, keys): fed to the Redactor. */
  secrets: string[];
}

export const CONFIG = Symbol('STEWARD_CONFIG');
