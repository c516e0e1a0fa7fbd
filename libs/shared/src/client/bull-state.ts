import type { JobState } from '../schemas/job-state.js';

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
