import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifySchema, FastifySchemaValidationError } from 'fastify';
import { badInput, type KinglyError } from '@kingly/cmd';
import { STREAM_FORMATS } from './stream-id.js';

// Two validators: query strings and path parameters arrive as text and are coerced to the schema's
// types; bodies are JSON and are taken exactly as sent (no coercion, no silently dropped fields).
const common = { strict: false, allErrors: false, verbose: true } as const;
const coercing = new Ajv({ ...common, coerceTypes: 'array', useDefaults: true, removeAdditional: false });
const exact = new Ajv({ ...common, coerceTypes: false, useDefaults: false, removeAdditional: false });
for (const ajv of [coercing, exact]) {
  for (const [name, format] of Object.entries(STREAM_FORMATS)) ajv.addFormat(name, { type: 'string', validate: format.validate });
}

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? exact : coercing;
    return ajv.compile(schema as FastifySchema) as ValidateFunction;
  });
  app.setSchemaErrorFormatter((errors, dataVar) => describeValidation(errors, dataVar));
}

const WHERE: Record<string, string> = {
  body: '',
  querystring: 'query parameter ',
  params: 'path parameter ',
  headers: 'header ',
};

/** The first validation error as an E_BAD_INPUT naming the field, what was expected and what came. */
export function describeValidation(errors: FastifySchemaValidationError[], dataVar: string): KinglyError {
  const error = errors[0] as (FastifySchemaValidationError & Partial<ErrorObject>) | undefined;
  if (!error) return badInput(`${dataVar}: invalid`);
  const segments = error.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = (error.params ?? {}) as Record<string, unknown>;
  let detail = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    segments.push(String(params.additionalProperty));
    detail = 'is not a known field';
  } else if (error.keyword === 'required') {
    segments.push(String(params.missingProperty));
    detail = 'is required';
  } else if (params.propertyName !== undefined || errors.some((e) => e.keyword === 'propertyNames')) {
    const name = params.propertyName ?? (errors.find((e) => e.params?.propertyName !== undefined)?.params?.propertyName as unknown);
    detail = `has a key that is not allowed: '${String(name)}'`;
  } else if (error.keyword === 'format' && Object.hasOwn(STREAM_FORMATS, String(params.format))) {
    detail = `must be ${STREAM_FORMATS[params.format as keyof typeof STREAM_FORMATS].expected}`;
  } else if (error.keyword === 'enum') {
    detail = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  }
  const field = segments.length > 0 ? segments.join('.') : dataVar === 'body' ? 'body' : dataVar;
  // Say what came, except inside env (its values may be secrets).
  const shown = segments[0] !== 'env' && error.keyword !== 'required' && error.keyword !== 'additionalProperties' ? got(error.data) : '';
  return badInput(`${WHERE[dataVar] ?? ''}${field}: ${detail}${shown}`);
}

function got(data: unknown): string {
  if (data === undefined) return '';
  const text = JSON.stringify(data) ?? String(data);
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
