export { createWorker, type KinglyWorker } from './create-worker.js';
export { runWorkerMain } from './main.js';
export { resolveWorkerOptions, DEFAULT_SHUTDOWN_GRACE_MS, type WorkerOptions, type ResolvedWorkerOptions } from './worker-options.js';
export { LineSplitter, MAX_LINE_BYTES } from './line-splitter.js';
export { cleanupWorktrees, jobFinishedInRedis, WorktreeError, WorktreeErrorCodes, type CleanupWorktreesOptions, type CleanupReport } from './worktree/index.js';
