import type { KinglyClient } from '@kingly/cmd';

/** Lines of a job's output kept for the output screen. */
const KEEP = 500;
/** How often new lines are handed to the screen (a chatty job must not redraw per line). */
const FLUSH_MS = 100;
// CSI/OSC sequences and lone escapes: colour codes would break the screen's layout.
const ESCAPES = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|.)/g;

/**
 * Follows the job's log (its last KEEP lines, then live) and calls `update` with the lines kept so
 * far, at most every FLUSH_MS; `ended` once the log is complete. Returns a function that stops it.
 */
export function followOutput(client: KinglyClient, id: string, update: (lines: string[], ended: boolean) => void): () => void {
  const abort = new AbortController();
  const lines: string[] = [];
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    update([...lines], false);
  }, FLUSH_MS);
  const follow = async (): Promise<void> => {
    try {
      for await (const entry of client.followLogs(id, { tail: KEEP, signal: abort.signal })) {
        lines.push(entry.stream === 'system' ? `[kingly] ${entry.line.replace(/^\[kingly\] /, '')}` : entry.line.replace(ESCAPES, ''));
        if (lines.length > KEEP) lines.shift();
        dirty = true;
      }
      if (!abort.signal.aborted) update([...lines], true);
    } catch (error) {
      if (!abort.signal.aborted) update([...lines, `[kingly top] cannot follow the output: ${error instanceof Error ? error.message : String(error)}`], true);
    } finally {
      clearInterval(timer);
    }
  };
  // follow reports its own failure as the screen's last line.
  follow().catch(() => undefined);
  return () => {
    abort.abort();
    clearInterval(timer);
  };
}
