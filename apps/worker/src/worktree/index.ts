export { prepareWorktree, type PrepareWorktreeOptions, type PreparedWorktree, type WorktreeFields } from './prepare-worktree.js';
export { cleanupWorktrees, type CleanupWorktreesOptions, type CleanupReport } from './cleanup.js';
export { startWorktreeCleanup, jobFinishedInRedis, type WorktreeCleanup, type WorktreeCleanupOptions } from './cleanup-loop.js';
export { WorktreeError, WorktreeErrorCodes, type WorktreeErrorCode } from './errors.js';
export { withRepoLock, type RepoLockOptions } from './repo-lock.js';
