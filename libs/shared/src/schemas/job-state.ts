import { z } from 'zod';
import { JOB_STATES } from '../job-states.js';

export { JOB_STATES, TERMINAL_STATES, isTerminalState, type JobState } from '../job-states.js';

export const jobStateSchema = z.enum(JOB_STATES);
