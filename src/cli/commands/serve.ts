import { type Command, InvalidArgumentError } from 'commander';
import { CONFIG as CONFIG_TOKEN } from '../../config/config.types.js';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { configOption } from '../options.js';

const parsePort = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return n;
};

/** `steward serve`: the daemon until SIGTERM/SIGINT (graceful; a second signal exits at once). */
export function registerServe(program: Command, { io, load, exit }: CliContext): void {
  program
    .command('serve')
    .description('Start the daemon (HTTP API, MCP endpoint, scheduler) until SIGTERM/SIGINT.')
    .addOption(configOption())
    .option('-p, --port <port>', 'override server.port', parsePort)
    .option('--host <host>', 'override server.host')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { config?: string; port?: number; host?: string }) => {
      const { startDaemon } = await import('../../daemon.js');
      const daemon = await startDaemon({ loaded: load(o.config), port: o.port, host: o.host });
      exit(
        await new Promise<number>((done) => {
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
        }),
      );
    });
}
