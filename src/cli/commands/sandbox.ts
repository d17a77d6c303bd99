import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { parseDocument } from 'yaml';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../io.js';

const parsePort = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return n;
};

/** The bearer tokens the sandbox writes, by file name (role = name). */
export const SANDBOX_TOKENS = ['operator', 'approver', 'admin'] as const;

/**
 * A token file of a previous start is kept (its runs and commands in other terminals stay valid); a missing or short
 * one is written anew. Mode 0600 either way.
 */
function tokenFile(path: string): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (existing.length < 16) writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const q = (s: string) => JSON.stringify(s);

/** The model the sandbox's agents use: its demo model, the `llm:` block of llm.yaml in the sandbox directory, or none. */
export type SandboxModel = { kind: 'demo'; url: string } | { kind: 'file'; file: string; yaml: string; describe: string } | { kind: 'none' };

/** The demo model's `llm:` block (provider openai-compatible, model steward-demo). */
export const demoModelYaml = (url: string): string => `llm:\n  provider: openai-compatible\n  baseUrl: ${q(url)}\n  model: steward-demo\n`;

/**
 * A model of one's own for the sandbox: `<dir>/llm.yaml` holding an `llm:` block as steward.yaml takes it (kept
 * across starts, unlike steward.yaml; secrets as ${env:NAME}). Undefined when there is no such file.
 */
export function readSandboxLlm(file: string): { yaml: string; describe: string } | undefined {
  if (!existsSync(file)) return undefined;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) throw new CliError(EXIT.INVALID, `${file} is not valid YAML: ${doc.errors[0]!.message}`);
  const v = doc.toJS() as unknown;
  const llm = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).llm : undefined;
  const others = v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).filter((k) => k !== 'llm') : [];
  if (!llm || typeof llm !== 'object' || Array.isArray(llm) || others.length) {
    throw new CliError(EXIT.INVALID, `${file} must hold one mapping, llm: { provider, model, ... } as in steward.yaml${others.length ? ` (it also has ${others.join(', ')})` : ''}`);
  }
  const l = llm as { provider?: unknown; model?: unknown };
  return { yaml: `${doc.toString().trimEnd()}\n`, describe: `${String(l.provider ?? 'no provider')} ${String(l.model ?? '')}`.trim() };
}

/** steward.yaml of the sandbox: every secret is a ${file:} next to it, so the file itself holds none. */
export function sandboxConfig(o: { dir: string; port: number; source: string; target: string; db: string; logLevel: string; model: SandboxModel }): string {
  const env = (name: string, url: string, description: string, policy: boolean) =>
    [
      `  ${name}:`,
      `    kind: sisense`,
      `    description: ${q(description)}`,
      `    url: ${q(url)}`,
      `    token: \${file:${name}.sisense-token}`,
      ...(policy ? [`    policy: { requireFor: [write, destructive], approvers: 1, allowSelfApproval: false }`] : []),
    ].join('\n');
  return [
    '# Written by `steward sandbox` at each start (edits are overwritten; a model of your own goes in llm.yaml beside it).',
    '# Two simulated Sisense deployments, a demo PostgreSQL database, three tokens, and the model agents use.',
    `server: { host: 127.0.0.1, port: ${o.port} }`,
    `store: { path: ${q(join(o.dir, 'data'))} }`,
    `logging: { level: ${o.logLevel}, format: pretty }`,
    'auth:',
    '  tokens:',
    ...SANDBOX_TOKENS.map((role) => `    - { name: ${role}, role: ${role}, token: "\${file:${role}.token}" }`),
    'environments:',
    env('sandbox-source', o.source, 'Simulated Sisense: the deployment to migrate from (rich, with planted problems)', false),
    env('sandbox-target', o.target, 'Simulated Sisense: the deployment to migrate to (every write needs the approver)', true),
    '  sandbox-db:',
    '    kind: postgres',
    `    description: ${q('Demo shop database (PGlite over the PostgreSQL wire protocol, in memory, seeded at each start)')}`,
    `    url: ${q(o.db)}`,
    '    # Catalog writes (and EXPLAIN ANALYZE) run without an approval here; deleting catalog entries needs the approver.',
    '    policy: { requireFor: [destructive], approvers: 1, allowSelfApproval: false }',
    "    # The demo shop's rows are invented: its tool results are shown to the model, so discovery has something to read.",
    '    # A real database keeps the default (privacy mode: a model sees only whether a call worked and its size).',
    '    shareToolResults: true',
    'schedules:',
    '  entries:',
    '    sandbox-wellcheck:   # every morning; POST /schedules/config:sandbox-wellcheck/trigger runs it now',
    '      playbook: sisense-wellcheck',
    '      cron: "0 7 * * *"',
    '      environments: [{ target: sandbox-source }]',
    ...(o.model.kind === 'demo' ? ["# The sandbox's demo model (scripted, not a language model; see llm.yaml for a real one).", demoModelYaml(o.model.url).trimEnd()] : []),
    ...(o.model.kind === 'file' ? [`# From ${o.model.file}.`, o.model.yaml.trimEnd()] : []),
    '',
  ].join('\n');
}

/** What the sandbox prints once everything listens: the walkthrough of the README's quickstart. */
export function sandboxGuide(o: { url: string; dir: string; source: string; target: string; db: string; model: SandboxModel }): string {
  const S = `--server ${o.url}`;
  const model =
    o.model.kind === 'demo'
      ? `steward-demo at ${o.model.url}  (the sandbox's DEMO model: a script, not a language model - it plays\n                  discover-database's planner and experts; for a real one put an llm: block in ${o.dir}/llm.yaml)`
      : o.model.kind === 'file'
        ? `${o.model.describe}  (llm: from ${o.dir}/llm.yaml)`
        : `none (--no-demo-model): agent steps and steward ask fail until an llm: block is in ${o.dir}/llm.yaml`;
  const op = `${S} --token-file ${o.dir}/operator.token`;
  const ap = `${S} --token-file ${o.dir}/approver.token`;
  return `
Steward sandbox is up.
  daemon          ${o.url}  (store, config and tokens in ${o.dir}/)
  sandbox-source  ${o.source}  (simulated Sisense)
  sandbox-target  ${o.target}  (simulated Sisense; writes need the approver)
  sandbox-db      ${o.db}  (demo shop database, PostgreSQL wire protocol)
  model           ${model}
  tokens          ${o.dir}/operator.token (runs), ${o.dir}/approver.token (decides approvals), ${o.dir}/admin.token
  console         ${o.url}/console  (sign in with a token file's content: the operator's to run, the approver's to approve)

Try, in another terminal (the README's quickstart walks through it):
  curl -s -H "Authorization: Bearer $(cat ${o.dir}/operator.token)" ${o.url}/whoami
  npx steward run sisense-wellcheck -e target=sandbox-source --follow ${op}
  npx steward run sisense-migrate-dashboards -e source=sandbox-source -e target=sandbox-target \\
      -i 'dashboards=["Sales Deep Dive"]' --dry-run --follow ${op}
  npx steward run sisense-migrate-dashboards -e source=sandbox-source -e target=sandbox-target \\
      -i 'dashboards=["Sales Deep Dive"]' ${op}
  npx steward approvals --pending ${ap}
  npx steward approve <approval-id> -m "plan checked" ${ap}     (or approve it in the console: ${o.url}/console/approvals)
  curl -s -H "Authorization: Bearer $(cat ${o.dir}/operator.token)" "${o.url}/runs/<run-id>/report?format=md"
  npx steward run postgres-wellcheck -e target=sandbox-db --follow ${op}
  npx steward run discover-database -e db=sandbox-db --follow ${op}
      (it asks one question and waits; in another terminal: npx steward questions --pending ${op}
       then npx steward answer <question-id> "<your answer>" ${op})

Ctrl-C stops the daemon, both simulated deployments, the demo database${o.model.kind === 'demo' ? ' and the demo model' : ''} (the store stays in ${o.dir}/data).
`;
}

/** The demo shop database the sandbox serves (compiled beside the daemon; imported late so other commands start fast). */
async function startDemoDatabase(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const [{ PGlite }, { seedDemo }, { servePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('../../../plugins/postgres/sandbox/demo.seed.js'),
    import('../../../plugins/postgres/sandbox/pglite.server.js'),
  ]);
  const pg = new PGlite();
  try {
    await seedDemo((sql) => pg.exec(sql));
    const server = await servePglite(pg, { port });
    return { url: server.url('steward', 'postgres'), close: async () => (await server.close(), await pg.close()) };
  } catch (e) {
    await pg.close();
    throw e;
  }
}

const MODEL_HELP = `
The model: the demo model (steward-demo, on 127.0.0.1) is a script, not a language model: it plays the planner and
experts of discover-database (one question included) and answers other agent tasks with a note saying what it is.
A model of your own: write its llm: block (as in steward.yaml, secrets as \${env:NAME}) to llm.yaml in the sandbox
directory - e.g. llm: { provider: openai, model: gpt-4.1, apiKey: "\${env:OPENAI_API_KEY}" } - and start the sandbox
again; it is used instead of the demo model.
`;

/**
 * `steward sandbox`: two simulated Sisense deployments (the test simulator's `source` and `target` seeds), a daemon
 * configured with them as `sandbox-source` and `sandbox-target` on an embedded store in the sandbox directory, and
 * operator, approver and admin tokens in files there (mode 0600); the demo database as `sandbox-db`; the demo model
 * as `llm:` unless llm.yaml there names another (or --no-demo-model). Runs until SIGINT/SIGTERM, then stops all of it.
 */
export function registerSandbox(program: Command, { io, exit }: CliContext): void {
  program
    .command('sandbox')
    .description('Try Steward with nothing installed: two simulated Sisense deployments, a demo database, a demo model and a daemon wired to them, until Ctrl-C.')
    .option('-d, --dir <dir>', 'the sandbox directory: steward.yaml, tokens, store', '.steward/sandbox')
    .option('-p, --port <port>', "the daemon's port (0 = any free port)", parsePort, 8080)
    .option('--source-port <port>', 'the simulated source deployment (default: any free port)', parsePort, 0)
    .option('--target-port <port>', 'the simulated target deployment (default: any free port)', parsePort, 0)
    .option('--db-port <port>', 'the demo PostgreSQL database (default: any free port)', parsePort, 0)
    .option('--no-demo-model', "do not start the demo model (agent steps then need an llm: block in the sandbox directory's llm.yaml)")
    .option('--log-level <level>', "the daemon's log level", 'warn')
    .addHelpText('after', MODEL_HELP + EXIT_HELP)
    .action(async (o: { dir: string; port: number; sourcePort: number; targetPort: number; dbPort: number; demoModel: boolean; logLevel: string }) => {
      const dir = resolve(io.cwd, o.dir);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const role of SANDBOX_TOKENS) tokenFile(join(dir, `${role}.token`));
      const own = readSandboxLlm(join(dir, 'llm.yaml'));

      // The simulator ships compiled beside the daemon (tsconfig.build.json); imported late so other commands start fast.
      const { startSisenseSim } = await import('../../../test/sisense-sim/sisense-sim.js');
      const source = await startSisenseSim({ seed: 'source', port: o.sourcePort });
      const target = await startSisenseSim({ seed: 'target', port: o.targetPort }).catch(async (e: unknown) => {
        await source.close();
        throw e;
      });
      // The demo database: PGlite in memory, seeded with the demo shop, served over the PostgreSQL wire protocol.
      const db = await startDemoDatabase(o.dbPort).catch(async (e: unknown) => {
        await Promise.all([source.close(), target.close()]);
        throw e;
      });
      const sims: { close(): Promise<void> }[] = [source, target, db];
      let model: SandboxModel = own ? { kind: 'file', file: join(dir, 'llm.yaml'), ...own } : { kind: 'none' };
      if (!own && o.demoModel) {
        const { startDemoModel } = await import('../../sandbox/demo-model/demo-model.server.js');
        const demo = await startDemoModel().catch(async (e: unknown) => {
          await Promise.all(sims.map((x) => x.close()));
          throw e;
        });
        sims.push(demo);
        model = { kind: 'demo', url: demo.url };
      }
      for (const [name, sim] of [['sandbox-source', source], ['sandbox-target', target]] as const) {
        const file = join(dir, `${name}.sisense-token`);
        writeFileSync(file, `${sim.token}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
      }
      const configFile = join(dir, 'steward.yaml');
      writeFileSync(configFile, sandboxConfig({ dir, port: o.port, source: source.url, target: target.url, db: db.url, logLevel: o.logLevel, model }));

      let daemon: Awaited<ReturnType<typeof import('../../daemon.js').startDaemon>>;
      try {
        const [{ startDaemon }, { loadConfig }] = await Promise.all([import('../../daemon.js'), import('../../config/config.loader.js')]);
        daemon = await startDaemon({ loaded: loadConfig({ flag: configFile, env: io.env, cwd: io.cwd }) });
      } catch (e) {
        await Promise.all(sims.map((s) => s.close()));
        throw e;
      }
      const address = daemon.app.getHttpServer().address() as { port: number } | null;
      const url = `http://127.0.0.1:${address?.port ?? o.port}`;
      const shown = relative(io.cwd, dir) || '.';
      io.out(sandboxGuide({ url, dir: shown.startsWith('..') ? dir : shown, source: source.url, target: target.url, db: db.url, model }));

      exit(
        await new Promise<number>((done) => {
          let stopping = false;
          const stop = () => {
            if (stopping) return done(EXIT.FAILURE);
            stopping = true;
            io.out('stopping the sandbox...\n');
            daemon
              .close()
              .then(() => Promise.all(sims.map((s) => s.close())))
              .then(
                () => done(EXIT.OK),
                (e: unknown) => {
                  io.err(`steward: sandbox shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
                  done(EXIT.FAILURE);
                },
              );
          };
          io.onSignal('SIGTERM', stop);
          io.onSignal('SIGINT', stop);
        }),
      );
    });
}
