import { link, open, readFile, realpath, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { currentOwner, isOwnerDead, parseOwner, type ProcessOwner } from './owner.js';

export interface RepoLockOptions {
  /** Give up waiting for the lock after this many ms. @default 600000 (10 minutes) */
  readonly timeoutMs?: number;
  /** Told once, with who holds the lock, when the caller has to wait for it. @default nothing */
  readonly onWait?: (holder: string) => void;
}

/** A lock held from another host counts as abandoned when its holder has not refreshed it for this many ms. */
const STALE_MS = 60_000;

/** A lock file nobody has written into yet is abandoned after this long (its maker died between create and write). */
const EMPTY_LOCK_STALE_MS = 10_000;

interface Holder {
  readonly owner: ProcessOwner | undefined;
  readonly token: string | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

// Within one process, waiters queue here instead of polling the file.
const localQueues = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the lock at `lockPath`: one holder at a time across the processes of a host
 * (and hosts sharing the filesystem). The lock is a file created with O_EXCL holding the owner's
 * host, pid and process start time; it is taken over when its owner is dead (a crashed worker),
 * or, for an owner on another host, when it has not been refreshed for STALE_MS.
 */
export async function withRepoLock<T>(path: string, fn: () => Promise<T>, options: RepoLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  // One name per file, so local waiters of one lock always meet in the same queue.
  const lockPath = join(await realpath(dirname(path)), basename(path));
  const previous = localQueues.get(lockPath);
  if (previous) options.onWait?.('another job on this worker');
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = (previous ?? Promise.resolve()).then(() => mine);
  localQueues.set(lockPath, tail);
  try {
    if (previous) await waitLocal(previous, deadline, lockPath);
    const release = await acquire(lockPath, deadline, options);
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (localQueues.get(lockPath) === tail) localQueues.delete(lockPath);
  }
}

async function waitLocal(previous: Promise<void>, deadline: number, lockPath: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      previous,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(lockPath, 'another job on this worker')), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function acquire(lockPath: string, deadline: number, options: RepoLockOptions): Promise<() => Promise<void>> {
  const token = randomBytes(8).toString('hex');
  const content = JSON.stringify({ ...currentOwner(), token, since: new Date().toISOString() });
  let delay = 10;
  let told = false;
  for (;;) {
    if (await tryCreate(lockPath, content)) break;
    const holder = await readHolder(lockPath);
    if (!holder) continue;
    if (isStale(holder)) {
      await breakLock(lockPath, holder);
      continue;
    }
    if (Date.now() > deadline) throw timeoutError(lockPath, describe(holder));
    if (!told) options.onWait?.(describe(holder));
    told = true;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
  // Keep the lock fresh for holders on other hosts, which can only judge it by age.
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {
      /* a missed refresh: the next one comes before the lock looks stale */
    });
  }, STALE_MS / 4);
  refresh.unref();
  return async () => {
    clearInterval(refresh);
    const holder = await readHolder(lockPath);
    if (holder?.token === token) {
      await unlink(lockPath).catch(() => {
        /* already gone: released */
      });
    }
  };
}

async function tryCreate(lockPath: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const token = typeof (parsed as { token?: unknown } | undefined)?.token === 'string' ? (parsed as { token: string }).token : undefined;
    return { owner: parseOwner(parsed), token, ino: info.ino, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isStale(holder: Holder): boolean {
  const age = Date.now() - holder.mtimeMs;
  if (!holder.owner) return age > EMPTY_LOCK_STALE_MS;
  if (isOwnerDead(holder.owner)) return true;
  const sameProcess = holder.owner.pid === process.pid && holder.owner.host === currentOwner().host;
  // This process holds no lock it does not know of (local waiters queue first): a leftover.
  if (sameProcess) return true;
  return holder.owner.host !== currentOwner().host && age > STALE_MS;
}

/**
 * Moves the abandoned lock aside. Should another waiter have broken it and taken a fresh lock in
 * the meantime, the move caught that fresh lock, which goes back.
 */
async function breakLock(lockPath: string, holder: Holder): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (moved && (moved.ino !== holder.ino || moved.token !== holder.token)) {
    await link(aside, lockPath).catch(() => {
      /* a new holder took the path meanwhile: the moved lock is stale either way */
    });
  }
  await unlink(aside).catch(() => {
    /* already gone */
  });
}

const describe = (holder: Holder): string =>
  holder.owner ? `pid ${holder.owner.pid} on ${holder.owner.host}` : 'a process that has not written its name yet';

const timeoutError = (lockPath: string, holder: string): WorktreeError =>
  new WorktreeError(WorktreeErrorCodes.LOCK_TIMEOUT, `timed out waiting for the repository lock ${lockPath}, held by ${holder}`);
