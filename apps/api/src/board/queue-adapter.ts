import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Queue } from 'bullmq';
import { redactRepo, type KinglyClient, type LogEntry } from '@kingly/cmd';
import { readableProgress } from './progress.js';

/**
 * Bull Board's view of one kingly queue. BullMQ's own job logs are unused by kingly, so the Logs
 * tab shows the tail of the job's kingly log stream instead; secrets in the job data are hidden;
 * the process figures set as progress are shown readable.
 */
export class KinglyQueueAdapter extends BullMQAdapter {
  readonly #client: KinglyClient;
  readonly #lines: number;

  constructor(queue: Queue, client: KinglyClient, lines: number) {
    super(queue, { allowRetries: true, description: 'kingly commands' });
    this.#client = client;
    this.#lines = lines;
    this.setFormatter('data', redactJobData);
    this.setFormatter('name', jobTitle);
    this.setFormatter('progress', readableProgress);
  }

  override async getJobLogs(id: string): Promise<string[]> {
    const entries: LogEntry[] = [];
    for await (const entry of this.#client.followLogs(id, { follow: false, tail: this.#lines })) entries.push(entry);
    const lines = entries.map(formatLine);
    if (entries.length >= this.#lines) {
      lines.unshift(`[kingly] the last ${this.#lines} lines; all of them: GET /api/jobs/${id}/logs or 'kingly logs ${id}'`);
    }
    return lines;
  }
}

/** The job list shows what runs: the command, after the job's name when it has one. */
export function jobTitle(job: { name?: string; data?: { name?: string; command?: string; argv?: string[] } }): string {
  const command = job.data?.command ?? job.data?.argv?.join(' ') ?? job.name ?? '';
  const title = job.data?.name && job.data.name !== command ? `${job.data.name}: ${command}` : command;
  return title.length > 120 ? `${title.slice(0, 117)}...` : title;
}

const formatLine = (entry: LogEntry): string => {
  const time = new Date(entry.ts).toISOString().slice(11, 23);
  return entry.stream === 'stdout' ? `${time} ${entry.line}` : `${time} [${entry.stream}] ${entry.line}`;
};

/** Job env values and credentials in a worktree's repository URL may be secrets: Bull Board never shows them. */
export function redactJobData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  if (typeof out.env === 'object' && out.env !== null) {
    out.env = Object.fromEntries(Object.keys(out.env).map((k) => [k, '<hidden>']));
  }
  const worktree = out.worktree as { repo?: unknown } | undefined;
  if (typeof worktree === 'object' && worktree !== null && typeof worktree.repo === 'string') {
    out.worktree = { ...worktree, repo: redactRepo(worktree.repo) };
  }
  return out;
}
