// The seed's names (spawnProcess, trackJob, streamLogs, processManager, jobIntegration): a thin layer over KinglyClient.
export { spawnProcess, type SpawnProcessOptions } from './spawn-process.js';
export { trackJob, type TrackJobOptions } from './track-job.js';
export { streamLogs, type StreamLogsOptions } from './stream-logs.js';
export type { ProcessHandle } from './process-handle.js';
export { processManager, type ProcessManager } from './process-manager.js';
export { jobIntegration, type JobSystem, type JobIntegration, type JobIntegrationOptions, type CompletionDelivery } from './job-integration.js';
