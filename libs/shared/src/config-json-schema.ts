import { z } from 'zod';
import { configFileSchema } from './config.js';

/** Where the JSON schema of kingly.config.json is shipped, relative to the @kingly/cmd package root. */
export const CONFIG_JSON_SCHEMA_FILE = 'kingly.config.schema.json';

/**
 * The JSON schema of kingly.config.json, made from the zod schema that validates it on load (so
 * the two never disagree). Draft 7, which editors understand; what a file may contain (input).
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { target: 'draft-7', io: 'input' }),
    title: 'kingly.config.json',
    description: 'Settings of kingly, read from the nearest kingly.config.json at or above the current directory.',
  };
}

/** The schema file's text: indented JSON with a final newline. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
