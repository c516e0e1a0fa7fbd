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
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`kingly api: ${signal}, stopping`);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await server.close();
  log('kingly api: stopped');
}
