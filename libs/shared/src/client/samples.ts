import { readSamples, type ResourceSample } from '../store/samples.js';
import type { ClientContext } from './context.js';
import { getJob } from './get-jobs.js';

/**
 * The job's resource history, oldest first: [] while it has none (queued, or too short to be
 * sampled); throws E_JOB_NOT_FOUND when there is no such job. Long runs come downsampled (at most
 * about 1,000 points; see store/samples.ts).
 */
export async function getSamples(ctx: ClientContext, id: string): Promise<ResourceSample[]> {
  const record = await getJob(ctx, id);
  return readSamples(await ctx.redis(), ctx.keys, record.id);
}
