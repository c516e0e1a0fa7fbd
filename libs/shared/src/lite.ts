// @kingly/cmd/lite: the part of @kingly/cmd that loads neither zod nor BullMQ (only ioredis), for
// programs that must start fast and only read: `kingly status` resolves its config and reads the
// status through this. Everything here is also exported by @kingly/cmd itself.
export * from './errors.js';
export * from './keys.js';
export * from './units.js';
export * from './redis.js';
export * from './free-port.js';
export * from './job-states.js';
export * from './display-command.js';
export { CONFIG_FILE_NAME, configFromSources, findConfigFile, type KinglyConfig, type ResolveConfigOptions } from './config-resolve.js';
export { readStatus, type ReadStatusOptions } from './client/read-status.js';
export type { StatusReport, WorkerInfo } from './client/workers.js';
