import { Command } from 'commander';
import { withClient } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printJson, write } from '../output/write.js';

export function statusCommand(): Command {
  const command = new Command('status')
    .summary('jobs by state, workers and running jobs')
    .description('Show how many jobs are in each state, the workers that are alive and the jobs running now.')
    .option('--json', 'print {"counts": {state: n}, "workers": [...], "running": [job record]}')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly status
  $ kingly status --json | jq .counts.failed`,
    );
  addGlobalOptions(command);
  return command.action(async (options: { json?: boolean }, cmd: Command) => {
    await withClient(cmd, async (client) => {
      const report = await client.status();
      if (options.json) return printJson(report);
      const [{ formatTable }, { JOB_TABLE_HEAD, jobRow, WORKER_TABLE_HEAD, workerRow }] = await Promise.all([
        import('../output/table.js'),
        import('../output/format-job.js'),
      ]);
      const now = Date.now();
      const counts = Object.entries(report.counts)
        .filter(([state, n]) => n > 0 || state === 'queued' || state === 'running')
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      let text = `jobs: ${counts}\n`;
      text += report.workers.length === 0
        ? '\nno worker is running (start one with: kingly worker)\n'
        : `\n${formatTable(WORKER_TABLE_HEAD, report.workers.map((w) => workerRow(w, now)))}`;
      if (report.running.length > 0) text += `\n${formatTable(JOB_TABLE_HEAD, report.running.map((j) => jobRow(j, now)))}`;
      await write(process.stdout, text);
    });
  });
}
