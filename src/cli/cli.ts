import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, StewardError } from '../common/errors.js';
import { readPackageJson } from '../common/paths.js';
import { loadConfig } from '../config/config.loader.js';
import { CONFIG as CONFIG_TOKEN, type LoadedConfig } from '../config/config.types.js';
import { startDaemon } from '../daemon.js';
import { buildRegistryFile, checkRegistryFile } from '../registry/registry.commands.js';
import { EXIT } from './exit-codes.js';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers signal handlers; tests pass a fake. */
  onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
}

const defaultIo = (): CliIo => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  onSignal: (sig, h) => process.on(sig, h),
});

const parsePort = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return n;
};

const configOption = () => new Option('-c, --config <file>', 'steward.yaml to use (default: $STEWARD_CONFIG, then ./steward.yaml)');

/** Runs the steward command line; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let code: number = EXIT.OK;
  const load = (flag?: string): LoadedConfig => loadConfig({ flag, env: io.env, cwd: io.cwd });
  const program = new Command('steward')
    .description('Steward: operate BI deployments as code (plugins, playbooks, MCP, approval gates).')
    .version(readPackageJson().version, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description('Start the daemon (HTTP API, MCP endpoint, scheduler) until SIGTERM/SIGINT.')
    .addOption(configOption())
    .option('-p, --port <port>', 'override server.port', parsePort)
    .option('--host <host>', 'override server.host')
    .action(async (o: { config?: string; port?: number; host?: string }) => {
      const daemon = await startDaemon({ loaded: load(o.config), port: o.port, host: o.host });
      code = await new Promise<number>((done) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            daemon.logger.warn({ signal }, 'second signal: exiting now');
            return done(EXIT.FAILURE);
          }
          stopping = true;
          daemon.logger.info({ signal }, 'signal received: graceful shutdown');
          const limit = daemon.app.get<{ server: { shutdownTimeoutMs: number } }>(CONFIG_TOKEN).server.shutdownTimeoutMs;
          const timer = setTimeout(() => {
            daemon.logger.error({ timeoutMs: limit }, 'shutdown timed out: exiting');
            done(EXIT.FAILURE);
          }, limit);
          timer.unref();
          daemon.close().then(
            () => done(EXIT.OK),
            (e: unknown) => {
              daemon.logger.error({ err: e }, 'shutdown failed');
              done(EXIT.FAILURE);
            },
          );
        };
        io.onSignal('SIGTERM', () => stop('SIGTERM'));
        io.onSignal('SIGINT', () => stop('SIGINT'));
      });
    });

  const config = program.command('config').description('Work with steward.yaml.');
  config
    .command('check')
    .description('Validate the configuration (and resolve its ${env:}/${file:} references) without starting.')
    .addOption(configOption())
    .action((o: { config?: string }) => {
      const loaded = load(o.config);
      const c = loaded.config;
      const store = c.store.url ? 'postgres' : `pglite ${c.store.path}`;
      io.out(
        `config OK: ${loaded.file ?? 'built-in defaults (no steward.yaml)'}\n` +
          `  server ${c.server.host}:${c.server.port}, store ${store}, ${c.auth.tokens.length} token(s), ` +
          `${Object.keys(c.environments).length} environment(s)\n`,
      );
    });

  const registry = program.command('registry').description('The generated tool registry (registry/tools.registry.json).');
  const registryAction = (fn: typeof buildRegistryFile) => async (o: { config?: string }) => {
    const loaded = o.config ? load(o.config) : undefined;
    const result = await fn({ plugins: loaded?.config.plugins, baseDir: loaded?.baseDir });
    (result.ok ? io.out : io.err)(`${result.message}\n`);
    if (!result.ok) code = EXIT.FAILURE;
  };
  registry
    .command('build')
    .description('Regenerate the registry from the plugins, deterministically.')
    .addOption(configOption())
    .action(registryAction(buildRegistryFile));
  registry
    .command('check')
    .description('Exit 1 when the committed registry is stale or a plugin fails to load (CI runs this).')
    .addOption(configOption())
    .action(registryAction(checkRegistryFile));

  try {
    await program.parseAsync(argv, { from: 'node' });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    return EXIT.INVALID; // commander already printed the message
  }
  if (e instanceof ConfigError) {
    io.err(`steward: ${e.message}\n`);
    return EXIT.INVALID;
  }
  if (e instanceof StewardError) {
    io.err(`steward: ${e.message}\n`);
    return EXIT.FAILURE;
  }
  io.err(`steward: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.FAILURE;
}
