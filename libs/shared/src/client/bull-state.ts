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

/** The BullMQ states that can hold jobs in a kingly state. */
export function bullTypesFor(state: JobState | undefined): JobType[] {
  if (state === undefined) return [...QUEUED_TYPES, 'active', 'completed', 'failed'];
  if (state === 'queued') return QUEUED_TYPES;
  if (state === 'running') return ['active'];
  if (state === 'succeeded') return ['completed'];
  // Every other terminal state fails the BullMQ job; a job waiting for a retry is queued again.
  return ['failed'];
}
