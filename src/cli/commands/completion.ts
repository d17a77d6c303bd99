import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../io.js';

/** Every command path ('' for the top level) with the words that may follow it: subcommands and options. */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const walk = (cmd: Command, path: string[]) => {
    const words = [...cmd.commands.map((c) => c.name()), ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)), '--help'];
    table.set(path.join(' '), [...new Set(words)]);
    for (const c of cmd.commands) walk(c, [...path, c.name()]);
  };
  walk(program, []);
  return table;
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

function bash(table: Map<string, string[]>): string {
  const cases = [...table].map(([path, words]) => `    ${quote(path)}) words=${quote(words.join(' '))} ;;`).join('\n');
  return `# steward completion for bash: source <(steward completion bash)   (or save it under bash-completion's completions dir)
_steward() {
  local cur path="" w i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  # The command path: the words before the cursor that are subcommands (options and their values are skipped).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    local next="\${path:+$path }$w"
    if _steward_words "$next" >/dev/null; then path="$next"; fi
  done
  words="$(_steward_words "$path")"
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  if [[ \${#COMPREPLY[@]} -eq 0 && "$cur" != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); fi
}
_steward_words() {
  local words
  case "$1" in
${cases}
    *) return 1 ;;
  esac
  printf '%s\\n' "$words"
}
complete -o default -F _steward steward
`;
}

function zsh(table: Map<string, string[]>): string {
  return `#compdef steward
# steward completion for zsh: source <(steward completion zsh)   (or save it as _steward in a directory on $fpath)
${bash(table).split('\n').filter((l) => !l.startsWith('# steward completion') && !l.startsWith('complete ')).join('\n')}
autoload -U +X bashcompinit && bashcompinit
complete -o default -F _steward steward
`;
}

/** `steward completion bash|zsh`: a completion script for the shell, printed on stdout. */
export function registerCompletion(program: Command, { io }: CliContext): void {
  program
    .command('completion')
    .description('Print a shell completion script: source <(steward completion bash), or zsh.')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', `\nbash: add \`source <(steward completion bash)\` to ~/.bashrc. zsh: add \`source <(steward completion zsh)\` to ~/.zshrc.\n${EXIT_HELP}`)
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new CliError(EXIT.INVALID, `no completion for ${JSON.stringify(shell)}: bash or zsh`);
      const table = completionTable(program);
      io.out(shell === 'bash' ? bash(table) : zsh(table));
    });
}
