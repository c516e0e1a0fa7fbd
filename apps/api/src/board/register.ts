import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { knownQueues } from '../live/known-queues.js';
import { decodes, refuseMalformedEscape } from '../url-escapes.js';
import { withoutRemoteFonts } from './offline.js';
import { KinglyQueueAdapter } from './queue-adapter.js';

export const BOARD_PATH = '/board';
/** Queues that appeared since are picked up on a board request at most this often. */
const RESCAN_MS = 2000;

/** Bull Board at /board for every kingly queue, including ones that appear later. */
export async function registerBoard(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'kingly',
        miscLinks: [
          { text: 'Live processes', url: '/' },
          { text: 'API docs', url: '/docs' },
          { text: 'Log out', url: '/logout' },
        ],
      },
    },
  });
  const added = new Set<string>();
  let scannedAt = 0;
  let scanning: Promise<void> | undefined;
  const scan = async (): Promise<void> => {
    for (const name of await knownQueues(ctx.client)) {
      if (added.has(name)) continue;
      board.addQueue(new KinglyQueueAdapter(await ctx.client.queue(name), ctx.client, ctx.options.boardLogLines));
      added.add(name);
    }
  };
  await app.register(
    async (scope) => {
      // Bull Board decodes some query values (activeQueue) once more, and a bad escape there was a 500.
      scope.addHook('onRequest', async (request, reply) => {
        for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
          if (typeof value === 'string' && !decodes(value)) return refuseMalformedEscape(reply, name);
        }
      });
      scope.addHook('onRequest', async () => {
        if (Date.now() - scannedAt < RESCAN_MS) return;
        scanning ??= scan().finally(() => {
          scannedAt = Date.now();
          scanning = undefined;
        });
        await scanning;
      });
      // The board's HTML names a remote font: no request leaves the machine.
      scope.addHook('onSend', async (_request, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        return typeof payload === 'string' && type.startsWith('text/html') ? withoutRemoteFonts(payload) : payload;
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: BOARD_PATH },
  );
}
