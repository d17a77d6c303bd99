import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { configOption } from '../options.js';

/** `steward config check`. */
export function registerConfig(program: Command, { io, load }: CliContext): void {
  const config = program.command('config').description('Work with steward.yaml.');
  config
    .command('check')
    .description('Validate the configuration (and resolve its ${env:}/${file:} references) without starting.')
    .addOption(configOption())
    .addHelpText('after', EXIT_HELP)
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
}
