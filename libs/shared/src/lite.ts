// @kingly/cmd/lite: the part of @kingly/cmd that loads neither zod, BullMQ nor ioredis (only
// redis-parser), for programs that must start fast and only read: `kingly status` resolves its
// config and reads the status through this. Everything here is also exported by @kingly/cmd.
export * from './errors.js';
export * from './keys.js';
export * from './defaults.js';
export * from './units.js';
export * from './ids.js';
export { exitCodeFor } from './schemas/outcome.js';
export * from './redis-url.js';
export { LiteRedis, connectLiteRedis, type LiteConnectOptions } from './resp/lite-redis.js';
export * from './free-port.js';
export * from './job-states.js';
export * from './display-command.js';
export { CONFIG_FILE_NAME, configFromSources, findConfigFile, type KinglyConfig, type ResolveConfigOptions } from './config-resolve.js';
export { REDIS_CA_ENV } from './redis-tls.js';
export { readStatus, type ReadStatusOptions } from './client/read-status.js';
export type { StatusReport, WorkerInfo } from './client/workers.js';
export type { HostQueueStatus } from './client/host-queues.js';
export type { WebhookStatus } from './webhooks/stats.js';
