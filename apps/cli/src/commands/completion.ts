import { Command } from 'commander';
import { candidates, SHELLS } from '../completion/candidates.js';
import { jobWords } from '../completion/job-words.js';
import { completionScript } from '../completion/scripts.js';
import { loadConfig } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printLines, write } from '../output/write.js';

export function completionCommand(): Command {
  const command = new Command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Print a script that completes kingly commands, options, and job ids and names (the newest 50, ' +
        'read from Redis in one small read; the local stack is never started for it).',
    )
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Examples:
  $ echo 'eval "$(kingly completion bash)"' >> ~/.bashrc
  $ echo 'eval "$(kingly completion zsh)"' >> ~/.zshrc
  $ kingly completion fish > ~/.config/fish/completions/kingly.fish`,
    );
  addGlobalOptions(command);
  return command.action(async (shell: string, _options: unknown, cmd: Command) => {
    if (!(SHELLS as readonly string[]).includes(shell)) {
      cmd.error(`error: expected one of ${SHELLS.join(', ')}, got '${shell}'`, { code: 'commander.invalidArgument' });
    }
    await write(process.stdout, completionScript(shell as 'bash' | 'zsh' | 'fish'));
  });
}

/** `kingly __complete -- WORDS…`: the candidates for the last word, one a line (what the scripts call). */
export function completeCommand(): Command {
  const command = new Command('__complete').argument('[words...]').allowUnknownOption().helpOption(false);
  return command.action(async (words: string[], _options: unknown, cmd: Command) => {
    const program = cmd.parent!;
    const found = await candidates(program, words.length > 0 ? words : [''], async () => {
      try {
        return await jobWords(await loadConfig(program));
      } catch {
        return []; // completion says nothing rather than an error in the middle of a command line
      }
    });
    if (found.length > 0) await printLines(...found);
  });
}
