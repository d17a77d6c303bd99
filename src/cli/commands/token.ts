import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ROLES } from '../../config/config.types.js';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../io.js';
import { jsonOption } from '../options.js';

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `steward token create --role <role> [--name n] [--out file]`. */
export function registerToken(program: Command, { io }: CliContext): void {
  const token = program.command('token').description('Bearer tokens for the daemon.');
  token
    .command('create')
    .description('Print a new random token and the auth.tokens entry to paste into steward.yaml (only its sha256 is stored there).')
    .addOption(new Option('-r, --role <role>', 'what the token may do').choices([...ROLES]).makeOptionMandatory())
    .option('-n, --name <name>', 'the token name shown in logs and approvals (default: the role)')
    .option('-o, --out <file>', 'write the token to this file (mode 0600; refuses to overwrite) instead of printing it')
    .addOption(jsonOption())
    .addHelpText('after', `\nThe daemon picks up the new entry at POST /reload or when it notices steward.yaml changed: no restart.\n${EXIT_HELP}`)
    .action(async (o: { role: (typeof ROLES)[number]; name?: string; out?: string; json?: boolean }) => {
      const name = o.name ?? o.role;
      if (!NAME.test(name)) throw new CliError(EXIT.INVALID, `--name ${JSON.stringify(name)}: use letters, digits, '.', '_', '@' or '-' (at most 64), as auth.tokens names`);
      // Loaded here, not at start: the token service pulls in the server framework, and --help must stay fast.
      const { generateToken, tokenDigestLine } = await import('../../auth/token.service.js');
      const value = generateToken();
      const digest = tokenDigestLine(value);
      let out: string | undefined;
      if (o.out !== undefined) {
        out = resolve(io.cwd, o.out);
        if (existsSync(out)) throw new CliError(EXIT.INVALID, `--out ${o.out} exists; not overwriting it`);
        writeFileSync(out, `${value}\n`, { mode: 0o600, flag: 'wx' });
        chmodSync(out, 0o600);
      }
      if (o.json) {
        io.out(`${JSON.stringify({ name, role: o.role, ...(out ? { tokenFile: out } : { token: value }), sha256: digest }, null, 2)}\n`);
        return;
      }
      io.out(
        (out ? `token written to ${out} (mode 0600)\n` : `token (shown once; keep it in a file of mode 0600): ${value}\n`) +
          `add to auth.tokens in steward.yaml, then POST /reload (or let the daemon notice the change):\n` +
          `  - name: ${name}\n    role: ${o.role}\n    token: "${digest}"\n`,
      );
    });
}
