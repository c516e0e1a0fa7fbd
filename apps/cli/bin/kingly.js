#!/usr/bin/env node
// The `kingly` command. Everything lives in dist/main.js (built from src/main.ts).
import { main } from '../dist/main.js';

await main(process.argv);
