#!/usr/bin/env node
// The `kingly` command. Short commands start from dist/bundle-main.js (dist/main.js bundled with its
// dependencies by scripts/bundle.mjs, for start-up time). `kingly worker` and `kingly api` run for
// long and load @kingly/worker or @kingly/api, which load @kingly/cmd, BullMQ and ioredis from
// node_modules: they start from dist/main.js, so those packages are loaded once, not a bundled copy
// beside them. Compiled code is cached across runs (Node >= 22.1).
import module from 'node:module';

module.enableCompileCache?.();
const longRunning = process.argv[2] === 'worker' || process.argv[2] === 'api';
const { main } = await import(longRunning ? '../dist/main.js' : '../dist/bundle-main.js');
await main(process.argv);
