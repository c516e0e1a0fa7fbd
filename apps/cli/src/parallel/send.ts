import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines, write } from '../output/write.js';
import { agentSettings } from './agent-settings.js';
import { findStream, streamHome, streamRuns, withStreamSet } from './context.js';
import { streamSpec } from './init.js';
import { streamAgent } from './stream-status.js';

export function parallelSendCommand(): Command {
  const command = new Command('send')
    .summary("continue a stream's agent session with a message")
    .description(
      "Queue a new run of the stream's agent that resumes its session (the agent's resume arguments, --resume <sessionId> for " +
        "claude) in the stream's worktree, on its branch. The stream's turns, tokens and cost add up over its runs; a budget " +
        'given at init is what is left of it. The worktree is a path on the host of the worker that made it: the run goes to that ' +
        "host's queue (<queue>@<host>) and waits there until a worker of that host takes it.",
    )
    .argument('<name>', 'the stream set')
    .argument('<stream>', 'the stream')
    .argument('<message>', 'what to tell the agent')
    .option('--json', 'print { jobId } as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel send demo 1 "also add a test"\n  $ kingly parallel logs demo 1 -f');
  addGlobalOptions(command);
  return command.action(async (name: string, stream: string, message: string, options: { json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      const { badInput } = await import('@kingly/cmd');
      if (message.trim() === '' || message.includes('\0')) throw badInput('<message>: expected non-empty text without NUL bytes');
      const entry = await findStream(ctx.set, stream);
      const runs = (await streamRuns(ctx)).get(stream) ?? [];
      const newest = runs.at(-1);
      if (newest && (newest.state === 'queued' || newest.state === 'running')) {
        throw badInput(`stream ${stream} of '${name}' is ${newest.state} (job ${newest.id})`, `wait for it (kingly wait ${newest.id}) or stop it (kingly parallel stop ${name} ${stream})`);
      }
      const agent = streamAgent(runs);
      if (!agent.sessionId) throw badInput(`stream ${stream} of '${name}' has no agent session to continue (its agent never reported one)`);
      const settings = await agentSettings(ctx.config, ctx.set.agent);
      if (settings.agent.resume.length === 0) throw badInput(`agent '${ctx.set.agent}' has no resume arguments`, `set agents.${ctx.set.agent}.resume in kingly.config.json`);
      const home = streamHome(runs);
      const worktree = home?.worktreePath;
      if (!home || !worktree) throw badInput(`stream ${stream} of '${name}' has no worktree to continue in`);
      // Only here, on the worktree's own host, can its path be checked.
      if (home.host === (process.env.KINGLY_HOST || hostname()) && !existsSync(worktree)) throw badInput(`the worktree of stream ${stream} (${worktree}) is gone`, 'a cleaned stream cannot be continued');
      let budgetUsd: number | undefined;
      if (ctx.set.budgetUsd !== undefined) {
        budgetUsd = Math.round((ctx.set.budgetUsd - agent.costUsd) * 1e6) / 1e6;
        if (budgetUsd <= 0) throw badInput(`stream ${stream} of '${name}' has spent its budget ($${agent.costUsd} of $${ctx.set.budgetUsd})`);
      }
      const spec = await streamSpec(ctx.set, entry, settings, { prompt: message, sessionId: agent.sessionId, cwd: worktree, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
      // The worktree exists only on the host that made it: the run goes to that host's queue.
      const { hostQueueName } = await import('@kingly/cmd');
      const queue = home.host ? hostQueueName(home.queue, home.host) : home.queue;
      const { id } = await ctx.client.enqueue(spec, { queue });
      const { warnWhenNoWorker } = await import('../follow-run.js');
      await warnWhenNoWorker(ctx.client, queue, (text) => write(process.stderr, `kingly: ${text}\n`));
      if (options.json) return printJson({ jobId: id, ...(home.host ? { host: home.host } : {}) });
      return printLines(`stream ${stream} of ${name}: session ${agent.sessionId} continues as job ${id}${home.host ? ` on ${home.host}` : ''}`);
    });
  });
}
