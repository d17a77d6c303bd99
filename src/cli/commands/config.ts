import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { configOption, jsonOption } from '../options.js';

/** `steward config check`. */
export function registerConfig(program: Command, { io, load }: CliContext): void {
  const config = program.command('config').description('Work with steward.yaml.');
  config
    .command('check')
    .description('Validate the configuration (and resolve its ${env:}/${file:} references) without starting.')
    .addOption(configOption())
    .addOption(jsonOption('print JSON: {ok, file, server, store, tokens, environments} (names only, never secrets); errors stay on stderr'))
    .addHelpText('after', EXIT_HELP)
    .action((o: { config?: string; json?: boolean }) => {
      const loaded = load(o.config);
      const c = loaded.config;
      const store = c.store.url ? 'postgres' : `pglite ${c.store.path}`;
      if (o.json) {
        const summary = {
          ok: true,
          file: loaded.file ?? null,
          server: { host: c.server.host, port: c.server.port },
          store: c.store.url ? { kind: 'postgres' } : { kind: 'pglite', path: c.store.path },
          tokens: c.auth.tokens.map((t) => ({ name: t.name, role: t.role })),
          environments: Object.fromEntries(Object.entries(c.environments).map(([name, e]) => [name, { kind: e.kind }])),
        };
        io.out(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      io.out(
        `config OK: ${loaded.file ?? 'built-in defaults (no steward.yaml)'}\n` +
          `  server ${c.server.host}:${c.server.port}, store ${store}, ${c.auth.tokens.length} token(s), ` +
          `${Object.keys(c.environments).length} environment(s)\n`,
      );
    });
}
