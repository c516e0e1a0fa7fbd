// BullMQ's Queue, behind a module of its own so the client loads it on first use with a static
// named import. (A dynamic import('bullmq') of the CommonJS package, bundled with code splitting as
// the CLI is, resolves to an object holding only `default`.)
export { Queue } from 'bullmq';
