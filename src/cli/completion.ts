/**
 * Shell completion scripts for `rec` and `im2rec`, generated from their
 * commander programs, so a new command or flag completes without anyone
 * writing it down twice: the subcommands, each command's flags, the values
 * of a flag or argument that takes one of a few words (an enum option's,
 * commander's choices). Anything else (a path) is left to the
 * shell's own file completion.
 *
 * bash gets a completion function; zsh the same function through zsh's
 * bashcompinit (zsh's own system would be a second grammar to keep in step);
 * fish its `complete` lines.
 */
import type { Command, Option } from 'commander';
import { flagValues } from './schema-flags.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface FlagWords {
  long: string | null;
  short: string | null;
  /** Whether the flag takes a value (the next word). */
  takesValue: boolean;
  /** The words its value may be, when they are few and known. */
  values: string[];
  doc: string;
}

interface CommandWords {
  /** '' for the program itself. */
  name: string;
  doc: string;
  flags: FlagWords[];
  /** The words its positional arguments may be, when known (`rec completion <bash|zsh|fish>`). */
  argValues: string[];
}

/** One line of a description: its first sentence, for fish's menu. */
function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/\s*\(.*$/, '').trim();
}

function flagWords(option: Option): FlagWords {
  // An enum option's values (schema-flags.ts), or commander's choices.
  const values = [...(option.argChoices ?? flagValues.get(option) ?? [])];
  return { long: option.long ?? null, short: option.short ?? null, takesValue: option.required || option.optional, values, doc: firstLine(option.description) };
}

function commandWords(command: Command, name: string): CommandWords {
  const flags = command.options.filter((o) => !o.hidden).map(flagWords);
  flags.push({ long: '--help', short: '-h', takesValue: false, values: [], doc: 'show the help' });
  const argValues = command.registeredArguments.flatMap((a) => a.argChoices ?? []);
  return { name, doc: firstLine(command.summary() || command.description()), flags, argValues };
}

/** The program and each of its subcommands, with their words. */
function programWords(program: Command): CommandWords[] {
  return [commandWords(program, ''), ...program.commands.map((c) => commandWords(c, c.name()))];
}

const namesOf = (flags: readonly FlagWords[]) => flags.flatMap((f) => [f.short, f.long].filter((n): n is string => n !== null));

/** A bash word list in single quotes (flags, command names and enum values: no quote among them). */
const bashWords = (words: readonly string[]) => `'${words.join(' ')}'`;

function bashScript(bin: string, commands: readonly CommandWords[]): string {
  const fn = `_mxrec_${bin}`;
  const subcommands = commands.slice(1);
  const valueCases: string[] = [];
  for (const c of commands) {
    for (const f of c.flags) {
      if (f.values.length === 0) continue;
      for (const n of [f.short, f.long]) if (n) valueCases.push(`    '${c.name}:${n}') words=${bashWords(f.values)} ;;`);
    }
  }
  const takingValue = commands.flatMap((c) => c.flags.filter((f) => f.takesValue && f.values.length === 0).flatMap((f) => [f.short, f.long].filter(Boolean).map((n) => `'${c.name}:${n}'`)));
  const commandCases = commands.map(
    (c) =>
      `    '${c.name}') if [[ $cur == -* ]]; then words=${bashWords(namesOf(c.flags))}; else words=${bashWords(c.name === '' ? subcommands.map((s) => s.name) : c.argValues)}; fi ;;`,
  );
  return `# bash completion for ${bin} (mxrec), made by \`${bin === 'rec' ? 'rec completion bash' : 'im2rec --completion bash'}\`.
# Load it in ~/.bashrc: source <(${bin === 'rec' ? 'rec completion bash' : 'im2rec --completion bash'})
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev= command= words= i
  (( COMP_CWORD > 0 )) && prev=\${COMP_WORDS[COMP_CWORD-1]}
${
  subcommands.length > 0
    ? `  # The command is the first word after ${bin} that is not a flag.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    case \${COMP_WORDS[i]} in -*) ;; *) command=\${COMP_WORDS[i]}; break ;; esac
  done
`
    : ''
}  case "$command:$prev" in
${valueCases.join('\n')}${valueCases.length ? '\n' : ''}${takingValue.length ? `    ${takingValue.join('|')}) return ;; # a value: the shell's own completion (files)\n` : ''}  esac
  if [[ -z $words ]]; then
    case "$command" in
${commandCases.join('\n')}
    esac
  fi
  [[ -n $words ]] && COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  return 0
}
complete -o default -F ${fn} ${bin}
`;
}

/** A word in fish's single quotes. */
const fishQuoted = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishScript(bin: string, commands: readonly CommandWords[]): string {
  const lines = [`# fish completion for ${bin} (mxrec), made by \`${bin === 'rec' ? 'rec completion fish' : 'im2rec --completion fish'}\`.`, `# Load it: ${bin === 'rec' ? 'rec completion fish' : 'im2rec --completion fish'} | source`];
  const subcommands = commands.slice(1);
  for (const c of commands) {
    const when = subcommands.length === 0 ? '' : c.name === '' ? ' -n __fish_use_subcommand' : ` -n ${fishQuoted(`__fish_seen_subcommand_from ${c.name}`)}`;
    if (c.name !== '') lines.push(`complete -c ${bin} -n __fish_use_subcommand -f -a ${c.name} -d ${fishQuoted(c.doc)}`);
    if (c.argValues.length > 0) lines.push(`complete -c ${bin}${when} -f -a ${fishQuoted(c.argValues.join(' '))}`);
    for (const f of c.flags) {
      const names = `${f.short ? ` -s ${f.short.slice(1)}` : ''}${f.long ? ` -l ${f.long.slice(2)}` : ''}`;
      const value = f.values.length > 0 ? ` -x -a ${fishQuoted(f.values.join(' '))}` : f.takesValue ? ' -r' : '';
      lines.push(`complete -c ${bin}${when}${names}${value} -d ${fishQuoted(f.doc)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell` of the program `bin` (`rec`, `im2rec`). */
export function completionScript(shell: Shell, bin: string, program: Command): string {
  const commands = programWords(program);
  if (shell === 'fish') return fishScript(bin, commands);
  const bash = bashScript(bin, commands);
  if (shell === 'bash') return bash;
  return `# zsh completion for ${bin} (mxrec): the bash completion, through zsh's bashcompinit.
# Load it in ~/.zshrc, after compinit: source <(${bin === 'rec' ? 'rec completion zsh' : 'im2rec --completion zsh'})
autoload -U +X bashcompinit && bashcompinit
${bash.split('\n').slice(2).join('\n')}`;
}
