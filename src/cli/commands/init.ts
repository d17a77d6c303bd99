import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../io.js';
import { jsonOption } from '../options.js';

const TOKENS = [
  { name: 'admin', role: 'admin', why: 'reload, configuration' },
  { name: 'operator', role: 'operator', why: 'start and cancel runs' },
  { name: 'approver', role: 'approver', why: 'decide approvals (a second person: nobody approves their own request)' },
] as const;

const PLAYBOOK = `# playbooks/hello.yaml, made by \`steward init\`.
# An example playbook: writes a note in the demo plugin's in-memory notebook (a write: it shows its plan, and waits
# for an approval when the policy asks for one), then lists the notes. Try it:
#   steward validate
#   steward run hello --env target=demo --dry-run
apiVersion: steward/v1
kind: Playbook
metadata:
  name: hello
  description: Write a note in the demo notebook, then list the notes.
inputs:
  text: { type: string, default: hello from steward }
environments:
  target: { kind: demo }
steps:
  - id: write
    tool: demo.notes.write
    with: { key: greeting, text: "\${{ inputs.text }}" }
  - id: list
    tool: demo.notes.list
    with: {}
outputs:
  notes: \${{ steps.list.output.notes }}
`;

const config = (digests: { name: string; role: string; why: string; digest: string; file: string }[]) => `# steward.yaml, made by \`steward init\`. Every key and its default: steward.example.yaml in the Steward package.
# Check it: steward config check    Start the daemon: steward serve
server:
  host: 127.0.0.1
  port: 8080

store:
  path: .steward/data        # the embedded database (PGlite); .gitignore keeps .steward/ out of git

auth:
  # Only the sha256 of each token is here; the tokens are in .steward/tokens/ (mode 0600). More: steward token create
  # --role <role>, paste its sha256 line below, then POST /reload (or save: the daemon notices) — no restart.
  tokens:
${digests.map((d) => `    - name: ${d.name.padEnd(10)} # ${d.why}; token in ${d.file}\n      role: ${d.role}\n      token: "${d.digest}"`).join('\n')}

playbooks:
  dirs: [playbooks]

environments:
  demo:
    kind: demo               # the bundled demo plugin: an in-memory notebook, nothing to install
    description: Try playbooks without a BI system
`;

/** `steward init [dir]`: a steward.yaml with tokens, an example playbook and a .gitignore for .steward/. */
export function registerInit(program: Command, { io }: CliContext): void {
  program
    .command('init')
    .description('Start a Steward project: steward.yaml with admin/operator/approver tokens (sha256 entries; tokens in .steward/tokens/, mode 0600), an example playbook, and .steward/ in .gitignore.')
    .argument('[dir]', 'where (default: the current directory)', '.')
    .addOption(jsonOption())
    .addHelpText('after', `\nRefuses to overwrite: when steward.yaml, playbooks/hello.yaml or a token file exists, nothing is written (exit 2).\nAn existing .gitignore gets a .steward/ line added when it has none.\n${EXIT_HELP}`)
    .action(async (dir: string, o: { json?: boolean }) => {
      const root = resolve(io.cwd, dir);
      const files = {
        config: join(root, 'steward.yaml'),
        playbook: join(root, 'playbooks', 'hello.yaml'),
        gitignore: join(root, '.gitignore'),
        tokens: Object.fromEntries(TOKENS.map((t) => [t.name, join(root, '.steward', 'tokens', `${t.name}.token`)])),
      };
      const exists = [files.config, files.playbook, ...Object.values(files.tokens)].filter((f) => existsSync(f));
      if (exists.length) throw new CliError(EXIT.INVALID, `not overwriting ${exists.map((f) => relative(io.cwd, f) || f).join(', ')}; remove them or pick another directory`);

      const { generateToken, tokenDigestLine } = await import('../../auth/token.service.js');
      mkdirSync(join(root, '.steward', 'tokens'), { recursive: true, mode: 0o700 });
      const made = TOKENS.map((t) => {
        const token = generateToken();
        const file = files.tokens[t.name]!;
        writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
        return { ...t, digest: tokenDigestLine(token), file: relative(root, file) };
      });
      mkdirSync(join(root, 'playbooks'), { recursive: true });
      writeFileSync(files.playbook, PLAYBOOK, { flag: 'wx' });
      writeFileSync(files.config, config(made), { flag: 'wx' });
      let gitignore: 'created' | 'appended' | 'unchanged';
      if (!existsSync(files.gitignore)) {
        writeFileSync(files.gitignore, '# Steward: the embedded store, token files, the local admin token\n.steward/\n', { flag: 'wx' });
        gitignore = 'created';
      } else if (!readFileSync(files.gitignore, 'utf8').split(/\r?\n/).some((l) => /^\/?\.steward\/?$/.test(l.trim()))) {
        const text = readFileSync(files.gitignore, 'utf8');
        appendFileSync(files.gitignore, `${text === '' || text.endsWith('\n') ? '' : '\n'}.steward/\n`);
        gitignore = 'appended';
      } else gitignore = 'unchanged';

      if (o.json) {
        io.out(`${JSON.stringify({ dir: root, config: files.config, playbook: files.playbook, gitignore: { file: files.gitignore, change: gitignore }, tokens: made.map((t) => ({ name: t.name, role: t.role, file: join(root, t.file), sha256: t.digest })) }, null, 2)}\n`);
        return;
      }
      const at = relative(io.cwd, root);
      const cd = at && at !== '.' ? `cd ${at} && ` : '';
      io.out(
        `created ${relative(io.cwd, files.config) || files.config}, ${relative(io.cwd, files.playbook)}, tokens in ${relative(io.cwd, join(root, '.steward', 'tokens')) || '.steward/tokens'}/ (mode 0600)` +
          `${gitignore === 'unchanged' ? '' : `, .gitignore ${gitignore}`}\n` +
          `next:\n  ${cd}steward config check && steward validate\n  ${cd}steward serve &\n` +
          `  steward context set local --server http://127.0.0.1:8080 --token-file ${join(root, '.steward', 'tokens', 'operator.token')} --use\n` +
          `  steward run hello --env target=demo --follow\n`,
      );
    });
}
