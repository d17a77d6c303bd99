import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { jsonOption } from '../options.js';

/** `steward openapi build|check`: the committed OpenAPI document (schemas/openapi.json). */
export function registerOpenApi(program: Command, { io, exit }: CliContext): void {
  const openapi = program.command('openapi').description('The committed OpenAPI 3.1 document of the HTTP API (schemas/openapi.json).');
  const action = (which: 'buildOpenApiFile' | 'checkOpenApiFile') => async (o: { json?: boolean }) => {
    const result = await (await import('../../http/openapi.commands.js'))[which]();
    if (o.json) io.out(`${JSON.stringify(result)}\n`);
    else (result.ok ? io.out : io.err)(`${result.message}\n`);
    if (!result.ok) exit(EXIT.FAILURE);
  };
  openapi
    .command('build')
    .description('Write the document the daemon serves at /openapi.json (from a daemon started on loopback for the purpose).')
    .addOption(jsonOption())
    .addHelpText('after', EXIT_HELP)
    .action(action('buildOpenApiFile'));
  openapi
    .command('check')
    .description('Exit 1 when the committed document differs from what the daemon serves (CI runs this).')
    .addOption(jsonOption())
    .addHelpText('after', EXIT_HELP)
    .action(action('checkOpenApiFile'));
}
