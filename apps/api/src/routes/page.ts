import type { FastifyInstance } from 'fastify';
import { ApiErrorCodes, makeErrorBody, sendError } from '../errors.js';
import { loadVendorFiles, PAGE_HEADERS, type PageFile } from '../page-files.js';

/** GET / (the live page), GET /page/<file> (its scripts and style) and /page/vendor/<file> (the libraries it uses). */
export function registerPageRoutes(app: FastifyInstance, files: ReadonlyMap<string, PageFile>): void {
  const vendor = loadVendorFiles();
  const serve = (name: string) => files.get(name);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const page = serve('index.html')!;
    return reply.headers(PAGE_HEADERS).type(page.type).send(page.body);
  });
  app.get<{ Params: { file: string } }>('/page/:file', { schema: { hide: true } }, async (request, reply) => {
    const file = request.params.file === 'login.html' ? undefined : serve(request.params.file);
    if (!file) return sendError(reply, makeErrorBody(ApiErrorCodes.NOT_FOUND, `no page file '${request.params.file}'`));
    return reply.headers(PAGE_HEADERS).type(file.type).send(file.body);
  });
  app.get<{ Params: { file: string } }>('/page/vendor/:file', { schema: { hide: true } }, async (request, reply) => {
    const file = vendor.get(request.params.file);
    if (!file) return sendError(reply, makeErrorBody(ApiErrorCodes.NOT_FOUND, `no page library '${request.params.file}'`));
    return reply.headers(PAGE_HEADERS).type(file.type).send(file.body);
  });
}
