import type { JobSpec, KinglyClient } from '@kingly/cmd';
import { ExitCode } from './exit-codes.js';
import { followGroup, memberLabels } from './follow-group.js';
import { warnWhenNoWorker } from './follow-run.js';
import { printLines, write } from './output/write.js';

export interface RunGroupOptions {
  /** The queue the jobs go on. */
  readonly queue: string;
  /** Follow the jobs (live rows on a terminal, `[name] line` otherwise) and exit with the combined result. @default false */
  readonly follow?: boolean;
  /** Print {"group", "ids"} (then JSON lines when following). @default false */
  readonly json?: boolean;
}

/**
 * `kingly run --parallel` / `--from-file`: enqueues the group's jobs at once and prints their ids
 * (one per line), or follows them. Returns the exit code to leave with.
 */
export async function runGroup(client: KinglyClient, specs: readonly JobSpec[], group: string, options: RunGroupOptions): Promise<number> {
  const ids = (await client.enqueueMany(specs, { queue: options.queue })).map((j) => j.id);
  if (options.json) await printLines(JSON.stringify({ group, ids }));
  else if (!options.follow) await printLines(...ids);
  const note = (text: string): Promise<void> => write(process.stderr, `[kingly] ${text}\n`);
  if (process.stderr.isTTY) await note(`group ${group}: ${ids.length} job(s)${options.follow ? '' : ` (kingly wait --group ${group})`}`);
  if (!options.follow) return ExitCode.OK;
  await warnWhenNoWorker(client, options.queue, note);
  const labels = memberLabels(specs.map((s) => s.name ?? s.command ?? (s.argv ?? []).join(' ')));
  const members = ids.map((id, i) => ({ id, label: labels[i]! }));
  return followGroup(client, members, { group, json: options.json === true, live: process.stdout.isTTY === true && options.json !== true });
}
