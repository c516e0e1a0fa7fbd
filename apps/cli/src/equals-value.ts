import type { Command, Option } from 'commander';

/**
 * A flag whose value is optional and given only with `=` (`--git-worktree` or `--git-worktree=v1.2`,
 * never the next word, which may be the command). Commander's optional-value options take the next
 * word, so the flag is declared as a boolean and `FLAG=VALUE` is rewritten before parsing into a
 * hidden option that takes the value.
 */
export interface EqualsValueFlag {
  /** The subcommand the flag belongs to, e.g. `run`. */
  readonly command: string;
  /** The flag as the user writes it, declared as a boolean, e.g. `--git-worktree`. */
  readonly flag: string;
  /** The hidden option `<value>` that `FLAG=VALUE` becomes, e.g. `--git-worktree-ref`. */
  readonly valueFlag: string;
}

/**
 * `argv` (node, script, words…) with `FLAG=VALUE` among the options of `flag.command` rewritten to
 * `VALUE_FLAG VALUE`. Only the options before the command's own words are looked at: the scan stops
 * at `--` or at the first word that is not an option or an option's value, as commander's does.
 */
export function rewriteEqualsValue(program: Command, argv: readonly string[], flag: EqualsValueFlag): string[] {
  const words = [...argv];
  const { sub, at } = subcommandAt(program, words);
  if (sub?.name() !== flag.command) return words;
  const prefix = `${flag.flag}=`;
  endOfOptions(sub, words, at + 1, (i) => {
    if (words[i]!.startsWith(prefix)) words.splice(i, 1, flag.valueFlag, words[i]!.slice(prefix.length));
  });
  return words;
}

/** The subcommand `argv` (node, script, words…) names, and the index of its name. */
export function subcommandAt(program: Command, argv: readonly string[]): { sub: Command | undefined; at: number } {
  const words = [...argv];
  const at = endOfOptions(program, words, 2);
  return { sub: program.commands.find((c) => c.name() === words[at] || c.aliases().includes(words[at] ?? '')), at };
}

const NEGATIVE_NUMBER = /^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/;

/** The index of the first word from `start` that is not an option of `command` or its value (or `--`). */
export function endOfOptions(command: Command, words: readonly string[], start: number, visit?: (i: number) => void): number {
  const find = (name: string): Option | undefined => command.options.find((o) => o.long === name || o.short === name);
  for (let i = start; i < words.length; i++) {
    visit?.(i);
    const word = words[i]!;
    if (word === '--' || word.length < 2 || !word.startsWith('-') || (NEGATIVE_NUMBER.test(word) && !find(word))) return i;
    const next = words[i + 1];
    const takesNext = (o: Option | undefined): boolean => o !== undefined && (o.required || (o.optional && next !== undefined && !next.startsWith('-')));
    if (word.startsWith('--')) {
      if (!word.includes('=') && takesNext(find(word))) i++;
      continue;
    }
    // A group of short flags (-fj 4, -fj4): the first that takes a value takes the rest, or the next word.
    for (let j = 1; j < word.length; j++) {
      const option = find(`-${word[j]}`);
      if (!option || !(option.required || option.optional)) continue;
      if (j === word.length - 1 && takesNext(option)) i++;
      break;
    }
  }
  return words.length;
}
