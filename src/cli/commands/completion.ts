import { Argument, type Command } from 'commander';
import { SHELLS, type Shell, completionScript } from '../completion.js';

export function addCompletionCommand(program: Command): void {
  program
    .command('completion')
    .summary('a shell completion script for rec (bash, zsh, fish)')
    .description(
      'Print a completion script for rec: its commands, their flags and the values some flags take.\n' +
        'bash: source <(rec completion bash) in ~/.bashrc; zsh: source <(rec completion zsh) in ~/.zshrc,\n' +
        'after compinit; fish: rec completion fish > ~/.config/fish/completions/rec.fish.\n' +
        'im2rec --completion SHELL does the same for im2rec.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, 'rec', program));
    });
}
