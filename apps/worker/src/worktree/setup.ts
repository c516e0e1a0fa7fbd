import { cp, mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { spawnInGroup } from '../spawn.js';
import { LineSplitter } from '../line-splitter.js';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';

type Log = (line: string) => void;

/**
 * Copies `paths` (files or directories, relative to the repository root) from the main checkout
 * into the worktree. A path missing from the checkout is skipped with a line in the log.
 */
export async function copyIntoWorktree(mainCheckout: string | undefined, worktreePath: string, paths: readonly string[], log: Log): Promise<void> {
  if (paths.length === 0) return;
  if (!mainCheckout) {
    log(`[kingly] worktree.copy skipped: the repository has no main checkout on this worker`);
    return;
  }
  const root = await realpath(worktreePath);
  for (const path of paths) {
    const from = join(mainCheckout, path);
    const to = join(worktreePath, path);
    if (!(await stat(from).then(() => true, () => false))) {
      log(`[kingly] copy: ${path} is not in ${mainCheckout}, skipped`);
      continue;
    }
    await mkdir(dirname(to), { recursive: true });
    // A symlink in the checkout must not lead the copy out of the worktree.
    if (relative(root, await realpath(dirname(to))).startsWith('..')) {
      throw new WorktreeError(WorktreeErrorCodes.CONFIG_INVALID, `worktree.copy: ${path} would land outside the worktree`);
    }
    await cp(from, to, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
    log(`[kingly] copied ${path} from the main checkout`);
  }
}

const noProcessWatcher = (): void => {
  /* nobody to tell */
};

/** Marks each line a setup command prints, so the job's log tells it from kingly's own and the job's. */
export const SETUP_LABEL = '[setup] ';

/**
 * Runs the setup commands in the worktree, one after the other, with `sh -c` in their own process
 * group; their output goes to the job's log (system stream), each line labelled SETUP_LABEL. A
 * command that fails stops the job (spawn-failed).
 */
export async function runSetup(commands: readonly string[], cwd: string, env: Record<string, string>, log: Log, onProcess: (pid: number) => void = noProcessWatcher): Promise<void> {
  for (const command of commands) {
    log(`[kingly] setup: ${command}`);
    let child;
    try {
      child = spawnInGroup('/bin/sh', ['-c', '--', command], cwd, env, ['the command']);
    } catch (error) {
      throw new WorktreeError(WorktreeErrorCodes.SETUP_FAILED, `worktree setup '${command}' could not start: ${(error as Error).message}`);
    }
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // Output is all read once the pipes close (or the spawn failed): the next step logs after it.
    const closed = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    try {
      await spawned;
      onProcess(child.pid!);
      // The pipes exist once the process does.
      for (const stream of [child.stdout, child.stderr]) {
        const splitter = new LineSplitter((line) => log(`${SETUP_LABEL}${line}`));
        stream.on('data', (chunk: Buffer) => splitter.push(chunk));
        stream.once('end', () => splitter.flush());
      }
    } catch (error) {
      throw new WorktreeError(WorktreeErrorCodes.SETUP_FAILED, `worktree setup '${command}' could not start: ${(error as Error).message}`);
    }
    const { code, signal } = await exited;
    // Whatever the setup left running goes with it; the job's command starts clean.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
    await closed;
    if (code !== 0) {
      const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      throw new WorktreeError(WorktreeErrorCodes.SETUP_FAILED, `worktree setup '${command}' ${how}`);
    }
  }
}
