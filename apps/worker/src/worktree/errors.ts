import { SpawnError } from '../spawn.js';

/** Stable codes of the ways a worktree cannot be made; the message says what to do. */
export const WorktreeErrorCodes = {
  NOT_A_REPOSITORY: 'E_NOT_A_REPOSITORY',
  UNKNOWN_REF: 'E_UNKNOWN_REF',
  BRANCH_IN_USE: 'E_BRANCH_IN_USE',
  BRANCH_EXISTS: 'E_BRANCH_EXISTS',
  BAD_SUBDIR: 'E_BAD_SUBDIR',
  LOCK_TIMEOUT: 'E_LOCK_TIMEOUT',
  SETUP_FAILED: 'E_SETUP_FAILED',
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  GIT_FAILED: 'E_GIT_FAILED',
  BAD_JOB_ID: 'E_BAD_JOB_ID',
} as const;

export type WorktreeErrorCode = (typeof WorktreeErrorCodes)[keyof typeof WorktreeErrorCodes];

/** A worktree could not be made. A SpawnError, so the job ends spawn-failed with this message in its log. */
export class WorktreeError extends SpawnError {
  readonly code: WorktreeErrorCode;

  constructor(code: WorktreeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorktreeError';
    this.code = code;
  }
}
