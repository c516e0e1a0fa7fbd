import { untilStopSignal } from '@kingly/cmd';
import { startApiServer, type ApiServerOptions } from './server.js';

/**
 * Runs the API until SIGTERM or SIGINT, then ends event streams, stops listening and resolves.
 * The token falls back to KINGLY_API_TOKEN (one of them is required); it is never printed.
 */
export async function runApiMain(
  options: Omit<ApiServerOptions, 'token'> & { readonly token?: string },
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<void> {
  const token = options.token || process.env.KINGLY_API_TOKEN || '';
  const server = await startApiServer({ ...options, token });
  log(`kingly api on ${server.url}: live page /, Bull Board /board, API docs /docs; auth: bearer token or login`);
  log(`kingly api: ${await untilStopSignal()}, stopping`);
  await server.close();
  log('kingly api: stopped');
}
