import type { Command, Option } from 'commander';

/** Commands whose arguments are jobs (an id or a name). */
const JOB_ARGUMENT_COMMANDS = new Set(['show', 'logs', 'wait', 'kill', 'restart']);
/** Options whose value is a job (or a comma-separated list of jobs). */
const JOB_VALUE_OPTIONS = new Set(['--after']);
/** The shells `kingly completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const visible = (c: Command): boolean => !(c as unknown as { _hidden?: boolean })._hidden;
const flagsOf = (o: Option): string[] => [o.long, o.short].filter((f): f is string => f !== undefined);

/**
 * What may come at the last of `words` (the words after `kingly`, the last one being typed, maybe
 * ''): a subcommand, an option of the command reached, or a job (read only when one may come, by
 * `jobs`). Candidates start with what is typed.
 */
export async function candidates(program: Command, words: readonly string[], jobs: () => Promise<string[]>): Promise<string[]> {
  const typed = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let command = program;
  let operands = 0;
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    if (word === '--') return [];
    const option = command.options.find((o) => flagsOf(o).includes(word.split('=')[0]!));
    if (option) {
      if ((option.required || option.optional) && !word.includes('=')) i++;
      continue;
    }
    if (word.startsWith('-')) continue;
    const sub = operands === 0 ? command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (sub) command = sub;
    else operands++;
  }
  const previous = before.at(-1);
  const valueOf = previous === undefined ? undefined : command.options.find((o) => flagsOf(o).includes(previous) && (o.required || o.optional));
  let all: string[];
  if (valueOf) all = JOB_VALUE_OPTIONS.has(valueOf.long ?? '') ? await jobs() : valueOf.argChoices ?? [];
  else if (typed.startsWith('-')) all = command.options.filter((o) => !o.hidden).flatMap(flagsOf);
  else if (command.commands.length > 0 && operands === 0) all = command.commands.filter(visible).map((c) => c.name());
  else if (command.name() === 'completion') all = [...SHELLS];
  else if (JOB_ARGUMENT_COMMANDS.has(command.name()) && command.parent === program) all = await jobs();
  else all = [];
  return [...new Set(all)].filter((c) => c.startsWith(typed));
}
