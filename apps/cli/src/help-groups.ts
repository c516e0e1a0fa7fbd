import type { Command } from 'commander';

/** The headings `kingly --help` lists commands under, in order, and the commands under each. */
const GROUPS: ReadonlyArray<readonly [heading: string, commands: readonly string[]]> = [
  ['Run and inspect:', ['run', 'jobs', 'show', 'logs', 'wait', 'status', 'top', 'events', 'notify']],
  ['Control:', ['kill', 'restart', 'pause', 'resume', 'concurrency', 'prune']],
  ['Dev servers:', ['dev']],
  ['Agents:', ['parallel']],
  ['Stack:', ['up', 'down', 'worker', 'api']],
  ['Shell:', ['completion']],
];

/**
 * Puts each command of `program` under its heading in `kingly --help`, the groups in GROUPS'
 * order; a command not listed there goes under "Other commands:" (so a new one is never lost).
 */
export function groupCommandsInHelp(program: Command): void {
  const headingOf = new Map(GROUPS.flatMap(([heading, names]) => names.map((n) => [n, heading] as const)));
  const order = new Map(GROUPS.flatMap(([, names]) => names).map((n, i) => [n, i]));
  for (const command of program.commands) command.helpGroup(headingOf.get(command.name()) ?? 'Other commands:');
  // Commander lists groups in the order their first command comes: sort the commands by GROUPS.
  const commands = program.commands as Command[];
  commands.sort((a, b) => (order.get(a.name()) ?? order.size) - (order.get(b.name()) ?? order.size));
}
