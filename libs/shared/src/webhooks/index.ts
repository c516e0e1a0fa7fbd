// Webhooks: their config entry, signature and delivery figures (the API process delivers them).
export * from './config.js';
export * from './sign.js';
export * from './stats.js';
