import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

type Log = (line: string) => void;

/** Lockfiles that pin a JavaScript dependency tree; any one differing makes reuse unsafe. */
export const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'] as const;

/** The package.json fields a node_modules tree is installed from. */
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'overrides', 'resolutions'] as const;

/**
 * Why the main checkout's installed dependencies do not fit the worktree, or undefined when they
 * do. The rule: when the worktree's commit has a lockfile, each lockfile must be byte-equal in
 * both (a lockfile only in the main checkout, untracked, was made from its package.json and is not
 * asked about); when it has none, package.json's dependency fields must be equal.
 */
export async function reuseMismatch(mainCheckout: string, worktreePath: string): Promise<string | undefined> {
  const inWorktree = await Promise.all(LOCKFILES.map((name) => fileHash(join(worktreePath, name))));
  if (inWorktree.some((h) => h !== undefined)) {
    for (const [i, name] of LOCKFILES.entries()) {
      const ours = inWorktree[i];
      if (ours === undefined) continue;
      const theirs = await fileHash(join(mainCheckout, name));
      if (theirs === undefined) return `${name} is in the worktree but not in the main checkout`;
      if (theirs !== ours) return `${name} differs from the main checkout's`;
    }
    return undefined;
  }
  const [ours, theirs] = await Promise.all([dependencyFields(worktreePath), dependencyFields(mainCheckout)]);
  if (ours !== theirs) return "no lockfile, and package.json's dependencies differ from the main checkout's";
  return undefined;
}

/**
 * Symlinks (rather than `cp --reflink=auto` clones) each of `paths` of the main checkout into the
 * worktree: ready at once on every filesystem, where a clone is a full copy except on btrfs/XFS,
 * at the price that a job writing into the folder writes into the main checkout's. Only when
 * reuseMismatch finds them safe and all are there.
 * Returns true when it linked them all (setup is then skipped), false
 * (having linked none) with one line in the log saying why, so setup runs instead.
 */
export async function reuseFromMainCheckout(mainCheckout: string | undefined, worktreePath: string, paths: readonly string[], log: Log): Promise<boolean> {
  if (paths.length === 0) return false;
  const fallBack = (why: string): false => {
    log(`[kingly] worktree.reuse: not reusing ${paths.join(', ')}: ${why}; running setup instead`);
    return false;
  };
  if (!mainCheckout) return fallBack('the repository has no main checkout on this worker (a clone URL or a bare repository)');
  const mismatch = await reuseMismatch(mainCheckout, worktreePath);
  if (mismatch) return fallBack(mismatch);
  const root = await realpath(worktreePath);
  for (const path of paths) {
    const info = await stat(join(mainCheckout, path)).catch(() => undefined);
    if (!info?.isDirectory()) return fallBack(`${path} is not a directory in the main checkout`);
    if (await lstat(join(worktreePath, path)).then(() => true, () => false)) return fallBack(`${path} is already in the worktree's commit`);
  }
  const made: string[] = [];
  try {
    for (const path of paths) {
      const to = join(worktreePath, path);
      await mkdir(dirname(to), { recursive: true });
      // A symlinked directory in the commit must not lead the link out of the worktree.
      if (relative(root, await realpath(dirname(to))).startsWith('..')) throw new Error(`${path} would land outside the worktree`);
      await symlink(join(mainCheckout, path), to, 'dir');
      made.push(to);
    }
  } catch (error) {
    await Promise.all(made.map((to) => unlink(to).catch(() => undefined)));
    return fallBack((error as Error).message);
  }
  log(`[kingly] worktree.reuse: linked ${paths.join(', ')} from the main checkout ${mainCheckout}; setup skipped`);
  return true;
}

async function fileHash(file: string): Promise<string | undefined> {
  const content = await readFile(file).catch(() => undefined);
  return content && createHash('sha256').update(content).digest('hex');
}

/** package.json's dependency fields as one comparable string ('' without a readable package.json). */
async function dependencyFields(dir: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    return JSON.stringify(DEPENDENCY_FIELDS.map((field) => pkg[field] ?? null));
  } catch {
    return '';
  }
}
