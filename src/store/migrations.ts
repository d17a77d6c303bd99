import type { Migration } from './store.types.js';

/**
 * The schema, as numbered migrations in Postgres dialect (the same SQL runs on PGlite and on PostgreSQL).
 *
 * Rules:
 * - Append only. Never edit, renumber or remove a migration that has shipped: databases in the field have recorded it.
 *   Fix a mistake with a new migration.
 * - Ids strictly increasing (the migrator checks). Each migration runs in its own transaction, so keep to
 *   transactional DDL (no CREATE INDEX CONCURRENTLY, no ALTER TYPE ... ADD VALUE used in the same migration).
 * - Plain statements separated by `;`; no parameters. Several statements per migration are fine.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE steward_meta (
        key        text PRIMARY KEY,
        value      jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 2,
    name: 'runs',
    sql: `
      CREATE TABLE runs (
        id              text PRIMARY KEY,
        kind            text NOT NULL CHECK (kind IN ('playbook', 'prompt')),
        playbook        text,
        playbook_digest text,
        definition      jsonb,
        prompt          text,
        inputs          jsonb NOT NULL DEFAULT '{}',
        environments    jsonb NOT NULL DEFAULT '{}',
        dry_run         boolean NOT NULL DEFAULT false,
        state           text NOT NULL,
        reason          text,
        requested_by    text NOT NULL,
        schedule_id     text,
        outputs         jsonb,
        last_event_id   bigint NOT NULL DEFAULT 0,
        created_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        finished_at     timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX runs_state_created_idx ON runs (state, created_at);
      CREATE INDEX runs_created_idx ON runs (created_at DESC);

      CREATE TABLE run_steps (
        run_id       text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_key     text NOT NULL,
        step_id      text NOT NULL,
        kind         text NOT NULL,
        state        text NOT NULL,
        attempt      integer NOT NULL DEFAULT 0,
        tool         text,
        effect       text,
        idempotent   boolean,
        input        jsonb,
        environments jsonb,
        output       jsonb,
        plan         jsonb,
        error        jsonb,
        dry_run      text,
        approval_id  text,
        started_at   timestamptz,
        finished_at  timestamptz,
        seq          serial,
        PRIMARY KEY (run_id, step_key)
      );

      CREATE TABLE run_events (
        run_id   text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq      bigint NOT NULL,
        type     text NOT NULL,
        step_key text,
        data     jsonb NOT NULL,
        at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE approvals (
        id                  text PRIMARY KEY,
        run_id              text REFERENCES runs (id) ON DELETE CASCADE,
        step_key            text,
        kind                text NOT NULL,
        tool                text,
        effect              text,
        input               jsonb,
        environments        jsonb,
        call_digest         text,
        plan                jsonb,
        message             text,
        requested_by        text NOT NULL,
        required_approvals  integer NOT NULL DEFAULT 1,
        require_reason      boolean NOT NULL DEFAULT false,
        allow_self_approval boolean NOT NULL DEFAULT false,
        status              text NOT NULL,
        outcome             text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        expires_at          timestamptz NOT NULL,
        decided_at          timestamptz,
        consumed_at         timestamptz
      );
      CREATE INDEX approvals_status_idx ON approvals (status, expires_at);
      CREATE INDEX approvals_run_idx ON approvals (run_id);

      CREATE TABLE approval_decisions (
        approval_id text NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
        approver    text NOT NULL,
        decision    text NOT NULL,
        comment     text,
        decided_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (approval_id, approver)
      );

      CREATE TABLE findings (
        run_id      text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_key    text NOT NULL,
        fingerprint text NOT NULL,
        check_id    text NOT NULL,
        severity    text NOT NULL,
        environment text,
        asset       text,
        message     text NOT NULL,
        detail      jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, fingerprint)
      );
      CREATE INDEX findings_fingerprint_idx ON findings (fingerprint);
    `,
  },
  {
    id: 3,
    name: 'schedules, findings history, notifications',
    sql: `
      CREATE INDEX runs_schedule_idx ON runs (schedule_id, created_at) WHERE schedule_id IS NOT NULL;

      CREATE TABLE schedules_state (
        id           text PRIMARY KEY,
        last_fire_at timestamptz NOT NULL,
        paused       boolean NOT NULL DEFAULT false,
        paused_by    text,
        paused_at    timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE schedule_fires (
        id           bigserial PRIMARY KEY,
        schedule_id  text NOT NULL,
        fire_at      timestamptz NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('cron', 'catch-up', 'manual')),
        target       text NOT NULL,
        environments jsonb NOT NULL,
        status       text NOT NULL CHECK (status IN ('claimed', 'waiting', 'started', 'skipped', 'missed', 'failed')),
        reason       text,
        run_id       text,
        requested_by text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX schedule_fires_once_idx ON schedule_fires (schedule_id, fire_at, target) WHERE kind <> 'manual' AND status <> 'missed';
      CREATE INDEX schedule_fires_schedule_idx ON schedule_fires (schedule_id, id);
      CREATE INDEX schedule_fires_open_idx ON schedule_fires (status) WHERE status IN ('claimed', 'waiting');

      CREATE TABLE finding_state (
        fingerprint     text PRIMARY KEY,
        check_id        text NOT NULL,
        environment     text,
        asset           text,
        severity        text NOT NULL,
        message         text NOT NULL,
        playbook        text,
        state           text NOT NULL CHECK (state IN ('open', 'resolved')),
        first_seen_at   timestamptz NOT NULL,
        last_seen_at    timestamptz NOT NULL,
        resolved_at     timestamptz,
        first_run_id    text NOT NULL,
        last_run_id     text NOT NULL,
        resolved_run_id text,
        times_seen      integer NOT NULL DEFAULT 1,
        reopened        integer NOT NULL DEFAULT 0,
        updated_at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX finding_state_list_idx ON finding_state (last_seen_at DESC, fingerprint);

      CREATE TABLE finding_history (
        fingerprint text NOT NULL,
        run_id      text NOT NULL,
        change      text NOT NULL CHECK (change IN ('opened', 'reopened', 'resolved')),
        at          timestamptz NOT NULL,
        PRIMARY KEY (fingerprint, run_id, change)
      );

      CREATE TABLE finding_runs (
        run_id          text PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        baseline_run_id text,
        complete        boolean NOT NULL,
        new_fps         jsonb NOT NULL,
        open_fps        jsonb NOT NULL,
        resolved_fps    jsonb NOT NULL,
        processed_at    timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE notification_deliveries (
        id              text PRIMARY KEY,
        webhook         text NOT NULL,
        event           text NOT NULL,
        run_id          text,
        subject         text,
        body            text NOT NULL,
        status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        max_attempts    integer NOT NULL,
        last_status     integer,
        last_error      text,
        next_attempt_at timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        delivered_at    timestamptz
      );
      CREATE INDEX notification_deliveries_pending_idx ON notification_deliveries (status, next_attempt_at);
    `,
  },
  {
    id: 4,
    name: 'agent: threads, checkpoints, edited approvals',
    sql: `
      ALTER TABLE approvals ADD COLUMN edited_by text;
      ALTER TABLE approvals ADD COLUMN original_input jsonb;

      CREATE TABLE agent_threads (
        id                  text PRIMARY KEY,
        owner               text NOT NULL,
        title               text,
        environments        jsonb NOT NULL,
        tools               jsonb,
        share_tool_results  boolean,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agent_threads_owner_idx ON agent_threads (owner, created_at DESC);

      -- LangGraph checkpoints of one agent conversation (a prompt run, an agent step, or a thread), pruned to the
      -- latest few: what a resumed run continues from, and a thread's history.
      CREATE TABLE agent_checkpoints (
        thread_id   text PRIMARY KEY,
        data        jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 5,
    name: 'one active run per agent thread',
    sql: `
      -- A thread answers one message at a time, across replicas too: a second active run of a thread cannot exist.
      CREATE UNIQUE INDEX runs_one_active_per_thread_idx ON runs ((inputs->>'threadId'))
        WHERE kind = 'prompt' AND inputs ? 'threadId' AND state IN ('queued', 'running', 'awaiting_approval');
    `,
  },
  {
    id: 6,
    name: 'run leases for daemons sharing a database',
    sql: `
      ALTER TABLE runs ADD COLUMN owner text;
      ALTER TABLE runs ADD COLUMN lease_until timestamptz;
      CREATE INDEX runs_lease_idx ON runs (lease_until) WHERE state IN ('queued', 'running');
    `,
  },
  {
    id: 7,
    name: 'per-run privacy opt-out',
    sql: `
      -- false: no tool result of this run reaches a language model, whatever its environments allow.
      ALTER TABLE runs ADD COLUMN share_tool_results boolean;
    `,
  },
  {
    id: 8,
    name: 'one pending approval per outside call',
    sql: `
      -- An outside MCP client repeating a call while it waits gets the same pending approval: one per requester and
      -- exact call (tool, arguments, environments). Repeats stored before this migration are cancelled, oldest kept.
      UPDATE approvals SET status = 'cancelled', decided_at = now()
        WHERE run_id IS NULL AND status = 'pending' AND call_digest IS NOT NULL AND id NOT IN (
          SELECT DISTINCT ON (requested_by, call_digest) id FROM approvals
          WHERE run_id IS NULL AND status = 'pending' AND call_digest IS NOT NULL
          ORDER BY requested_by, call_digest, created_at, id);
      CREATE UNIQUE INDEX approvals_one_pending_call_idx ON approvals (requested_by, call_digest)
        WHERE run_id IS NULL AND status = 'pending' AND call_digest IS NOT NULL;
      CREATE INDEX approvals_outside_call_idx ON approvals (requested_by, call_digest) WHERE run_id IS NULL;
    `,
  },
  {
    id: 9,
    name: 'web console sessions',
    sql: `
      -- A signed-in console user: a token exchanged for a session cookie. Nothing secret is stored in clear: id is the
      -- SHA-256 (hex) of the cookie's 32 random bytes, csrf_hash the SHA-256 of the session's CSRF token, token_ref a
      -- keyed hash naming the token entry it was made from (its sessions end when that token leaves auth.tokens).
      CREATE TABLE console_sessions (
        id          text PRIMARY KEY,
        principal   text NOT NULL,
        role        text NOT NULL,
        token_ref   text NOT NULL,
        csrf_hash   text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        revoked     boolean NOT NULL DEFAULT false,
        revoked_at  timestamptz
      );
      CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);
      CREATE INDEX console_sessions_token_idx ON console_sessions (token_ref) WHERE NOT revoked;
    `,
  },
  {
    id: 10,
    name: 'approve a run\'s plan once',
    sql: `
      -- null: the playbook's policy.approval.scope decides; true: one approval of the whole run's plan; false: per step.
      ALTER TABLE runs ADD COLUMN approve_once boolean;
      -- A step's release under an approved run plan (kind run_plan): a tool approval whose parent is the plan, at most
      -- one per step of that plan, consumed by the step's call as any tool approval is.
      ALTER TABLE approvals ADD COLUMN parent_id text REFERENCES approvals (id) ON DELETE CASCADE;
      CREATE UNIQUE INDEX approvals_parent_step_idx ON approvals (parent_id, step_key) WHERE parent_id IS NOT NULL;
    `,
  },
  {
    id: 11,
    name: 'plugin records (ctx.records: a plugin\'s documents per environment, with history)',
    sql: `
      CREATE TABLE plugin_records (
        plugin      text NOT NULL,
        environment text NOT NULL,
        collection  text NOT NULL,
        key         text NOT NULL,
        value       jsonb NOT NULL,
        version     integer NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        run_id      text,
        step_key    text,
        PRIMARY KEY (plugin, environment, collection, key)
      );
      CREATE TABLE plugin_record_history (
        plugin      text NOT NULL,
        environment text NOT NULL,
        collection  text NOT NULL,
        key         text NOT NULL,
        version     integer NOT NULL,
        value       jsonb NOT NULL,
        deleted     boolean NOT NULL DEFAULT false,
        updated_at  timestamptz NOT NULL,
        run_id      text,
        step_key    text,
        PRIMARY KEY (plugin, environment, collection, key, version)
      );
    `,
  },  {
    id: 12,
    name: 'questions a run asks a person',
    sql: `
      -- A question a run waits on (a playbook ask step, or the agent's steward.ask): its answer's JSON Schema, who may
      -- answer (from: names or roles; null: the run's requester or any operator+), the answer and who gave it when.
      CREATE TABLE questions (
        id            text PRIMARY KEY,
        run_id        text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_key      text NOT NULL,
        question      text NOT NULL,
        answer_schema jsonb NOT NULL,
        answer_from   jsonb,
        asked_by      text NOT NULL,
        status        text NOT NULL DEFAULT 'pending',
        answer        jsonb,
        answered_by   text,
        answered_at   timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz NOT NULL,
        UNIQUE (run_id, step_key)
      );
      CREATE INDEX questions_pending_idx ON questions (expires_at) WHERE status = 'pending';
    `,
  },
  {
    id: 13,
    name: 'MCP tasks (a tools/call an outside client made a task: it completes when its approval is decided)',
    sql: `
      -- MCP 2025-11-25 tasks: a task-augmented tools/call. Visible only to the token that made it (principal). A write
      -- waiting for a person is phase 'awaiting_approval' (approval_id); a call being executed is phase 'running' under
      -- a lease (lease_owner, lease_until) so a daemon sharing the database takes over one whose owner died. The call
      -- (tool, validated input, environments) is kept to run it once approved; result is the CallToolResult.
      CREATE TABLE mcp_tasks (
        id             text PRIMARY KEY,
        principal      text NOT NULL,
        role           text NOT NULL,
        tool           text NOT NULL,
        input          jsonb NOT NULL,
        environments   jsonb NOT NULL,
        approval_id    text,
        phase          text NOT NULL,
        status         text NOT NULL DEFAULT 'working',
        status_message text,
        result         jsonb,
        poll_ms        integer NOT NULL,
        ttl_ms         bigint NOT NULL,
        lease_owner    text,
        lease_until    timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL
      );
      CREATE INDEX mcp_tasks_principal_idx ON mcp_tasks (principal, created_at DESC, id DESC);
      CREATE INDEX mcp_tasks_open_idx ON mcp_tasks (phase) WHERE status IN ('working', 'input_required');
      CREATE INDEX mcp_tasks_expiry_idx ON mcp_tasks (expires_at);
    `,
  },
];

/** The schema version this build brings a database to. */
export const LATEST_MIGRATION_ID = MIGRATIONS.reduce((max, m) => Math.max(max, m.id), 0);
