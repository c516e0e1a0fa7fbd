// Writes kingly.config.schema.json from the zod schema in dist (the build runs it; so does `npm run schema`).
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText } from '../dist/index.js';

const path = new URL(`../${CONFIG_JSON_SCHEMA_FILE}`, import.meta.url);
const text = configJsonSchemaText();
let old;
try {
  old = readFileSync(path, 'utf8');
} catch {
  old = undefined;
}
if (old !== text) {
  writeFileSync(path, text);
  console.log(`wrote ${path.pathname}`);
}
