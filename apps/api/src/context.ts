import type { KinglyClient } from '@kingly/cmd';
import type { SampleFeed } from './live/samples.js';
import type { WorkerFeed } from './live/workers.js';
import type { ResolvedApiOptions } from './options.js';
import type { SseStream } from './sse.js';

/** What the route groups share. */
export interface ApiContext {
  readonly client: KinglyClient;
  readonly options: ResolvedApiOptions;
  /** Live process figures of running jobs (BullMQ progress events), for SSE subscribers. */
  readonly samples: SampleFeed;
  /** The worker list whenever it changes, for SSE subscribers. */
  readonly workers: WorkerFeed;
  /** Event streams open now; ended when the app closes. */
  readonly streams: Set<SseStream>;
}
