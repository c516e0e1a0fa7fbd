import type { JobType } from 'bullmq';
import type { JobState } from '../schemas/job-state.js';

/** BullMQ states that mean "not started yet". */
export const QUEUED_TYPES: JobType[] = ['waiting', 'delayed', 'prioritized', 'waiting-children'];

/** kingly's view of a BullMQ state, for jobs no worker has written a record for. */
export function stateFromBull(bullState: string): JobState {
  switch (bullState) {
    case 'active':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}

/**
 * The BullMQ states that can hold jobs in a kingly state, in lifecycle order: jobs only move
 * forward, so reading the states in this order sees a moving job at least once.
 */
export function bullTypesFor(state: JobState | undefined): JobType[] {
  if (state === undefined) return [...QUEUED_TYPES, 'active', 'completed', 'failed'];
  // A worker writes the record first and BullMQ moves the job a moment later: an active job may
  // already have ended.
  if (state === 'queued') return QUEUED_TYPES;
  if (state === 'running') return ['active'];
  if (state === 'succeeded') return ['active', 'completed'];
  // Every other terminal state fails the BullMQ job.
  return ['active', 'failed'];
}
