#!/usr/bin/env node
// The `kingly` command: dist/bundle-main.js is dist/main.js (built from src/main.ts) bundled with
// its dependencies by scripts/bundle.mjs, for start-up time.
import { main } from '../dist/bundle-main.js';

await main(process.argv);
