import type { Command } from 'commander';
import { endOfOptions, subcommandAt } from './equals-value.js';

/** The environment variable that silences the warning about kingly options inside a command. */
export const NO_OPTION_WARNING_ENV = 'KINGLY_NO_OPTION_WARNING';
/** The `kingly run` flag that does the same. */
export const NO_OPTION_WARNING_FLAG = '--no-option-warning';

/** `argv` as commander is to parse it, and a warning line for stderr (or undefined). */
export interface RunGrammar {
  readonly argv: string[];
  readonly warning: string | undefined;
}

/**
 * The seed's forms of `kingly run`: when the command is ONE argument and only kingly options follow
 * it (`kingly run "npm test" --parallel`, `kingly run build --git-worktree`), those options are
 * kingly's, so they are moved before the command. When the command is several words, every word
 * after the first stays the command's (`kingly run echo -n a --name b`), and a word there that is
 * one of `run`'s long options gets a one-line warning, never silence. `--` ends kingly's options.
 */
export function runGrammar(program: Command, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): RunGrammar {
  const words = [...argv];
  const { sub, at } = subcommandAt(program, words);
  if (sub?.name() !== 'run') return { argv: words, warning: undefined };
  const first = endOfOptions(sub, words, at + 1);
  if (first >= words.length - 1 || words[first] === '--') return { argv: words, warning: undefined };
  const after = first + 1;
  if (endOfOptions(sub, words, after) === words.length) {
    // `run [options] COMMAND [options]`: the trailing options join the leading ones.
    return { argv: [...words.slice(0, first), ...words.slice(after), words[first]!], warning: undefined };
  }
  const quiet = env[NO_OPTION_WARNING_ENV] === '1' || words.slice(at + 1, first).includes(NO_OPTION_WARNING_FLAG);
  const lookalikes = quiet ? [] : words.slice(after).filter((w) => isLongOptionOf(sub, w));
  if (lookalikes.length === 0) return { argv: words, warning: undefined };
  const listed = [...new Set(lookalikes)].map((w) => `'${w}'`).join(', ');
  return {
    argv: words,
    warning:
      `kingly: warning: ${listed} ${lookalikes.length > 1 ? 'are' : 'is'} part of the command '${words.slice(first).join(' ')}' (it has several words); ` +
      `put kingly's options before the command or quote the command as one argument (silence: ${NO_OPTION_WARNING_FLAG} or ${NO_OPTION_WARNING_ENV}=1)`,
  };
}

/** `--name`, `--name=value`: one of the command's long options (help and version are everyone's). */
function isLongOptionOf(command: Command, word: string): boolean {
  if (!word.startsWith('--') || word === '--') return false;
  const name = word.split('=')[0]!;
  return command.options.some((o) => !o.hidden && o.long === name);
}
