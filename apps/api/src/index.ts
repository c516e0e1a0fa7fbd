export { buildApp } from './app.js';
export { startApiServer, isLoopbackHost, checkListenAddress, DEFAULT_API_HOST, DEFAULT_API_PORT, type ApiServer, type ApiServerOptions } from './server.js';
export { runApiMain } from './main.js';
export { resolveApiOptions, type ApiOptions, type ResolvedApiOptions } from './options.js';
export { ApiErrorCodes, errorBodyFor, statusFor, type ApiErrorCode, type ErrorBody } from './errors.js';
export { SESSION_COOKIE } from './auth/credentials.js';
export type { Sample } from './live/samples.js';
export { startWebhookDelivery, type WebhookDelivery, type WebhookDeliveryOptions, type WebhookRetryOptions } from './webhooks/deliver.js';
