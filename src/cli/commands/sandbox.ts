import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';

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

/** steward.yaml of the sandbox: every secret is a ${file:} next to it, so the file itself holds none. */
export function sandboxConfig(o: { dir: string; port: number; source: string; target: string; db: string; logLevel: string }): string {
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
    '# Written by `steward sandbox` at each start (edits are overwritten). Two simulated Sisense deployments, three tokens.',
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
    'schedules:',
    '  entries:',
    '    sandbox-wellcheck:   # every morning; POST /schedules/config:sandbox-wellcheck/trigger runs it now',
    '      playbook: sisense-wellcheck',
    '      cron: "0 7 * * *"',
    '      environments: [{ target: sandbox-source }]',
    '',
  ].join('\n');
}

/** What the sandbox prints once everything listens: the walkthrough of the README's quickstart. */
export function sandboxGuide(o: { url: string; dir: string; source: string; target: string; db: string }): string {
  const S = `--server ${o.url}`;
  const op = `${S} --token-file ${o.dir}/operator.token`;
  const ap = `${S} --token-file ${o.dir}/approver.token`;
  return `
Steward sandbox is up.
  daemon          ${o.url}  (store, config and tokens in ${o.dir}/)
  sandbox-source  ${o.source}  (simulated Sisense)
  sandbox-target  ${o.target}  (simulated Sisense; writes need the approver)
  sandbox-db      ${o.db}  (demo shop database, PostgreSQL wire protocol)
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
  npx steward run discover-database -e db=sandbox-db --follow ${op}     (needs llm: in ${o.dir}/steward.yaml)

Ctrl-C stops the daemon, both simulated deployments and the demo database (the store stays in ${o.dir}/data).
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

/**
 * `steward sandbox`: two simulated Sisense deployments (the test simulator's `source` and `target` seeds), a daemon
 * configured with them as `sandbox-source` and `sandbox-target` on an embedded store in the sandbox directory, and
 * operator, approver and admin tokens in files there (mode 0600). Runs until SIGINT/SIGTERM, then stops all of it.
 */
export function registerSandbox(program: Command, { io, exit }: CliContext): void {
  program
    .command('sandbox')
    .description('Try Steward with nothing installed: two simulated Sisense deployments and a daemon wired to them, until Ctrl-C.')
    .option('-d, --dir <dir>', 'the sandbox directory: steward.yaml, tokens, store', '.steward/sandbox')
    .option('-p, --port <port>', "the daemon's port (0 = any free port)", parsePort, 8080)
    .option('--source-port <port>', 'the simulated source deployment (default: any free port)', parsePort, 0)
    .option('--target-port <port>', 'the simulated target deployment (default: any free port)', parsePort, 0)
    .option('--db-port <port>', 'the demo PostgreSQL database (default: any free port)', parsePort, 0)
    .option('--log-level <level>', "the daemon's log level", 'warn')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { dir: string; port: number; sourcePort: number; targetPort: number; dbPort: number; logLevel: string }) => {
      const dir = resolve(io.cwd, o.dir);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const role of SANDBOX_TOKENS) tokenFile(join(dir, `${role}.token`));

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
      const sims = [source, target, db];
      for (const [name, sim] of [['sandbox-source', source], ['sandbox-target', target]] as const) {
        const file = join(dir, `${name}.sisense-token`);
        writeFileSync(file, `${sim.token}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
      }
      const configFile = join(dir, 'steward.yaml');
      writeFileSync(configFile, sandboxConfig({ dir, port: o.port, source: source.url, target: target.url, db: db.url, logLevel: o.logLevel }));

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
      io.out(sandboxGuide({ url, dir: shown.startsWith('..') ? dir : shown, source: source.url, target: target.url, db: db.url }));

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
