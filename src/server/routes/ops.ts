// Health and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import { LogpipeError } from '../../shared/errors.js';
import type { ServerMetrics } from '../metrics.js';
import type { Store } from '../storage/store.js';
import type { LiveHub } from '../live/hub.js';

export interface OpsRoutesOptions {
  store: Store;
  hub: LiveHub;
  metrics: ServerMetrics;
  /** Why the store cannot be written (its file was removed), or undefined while it can. */
  storeProblem?: () => string | undefined;
}

export default async function opsRoutes(app: FastifyInstance, opts: OpsRoutesOptions): Promise<void> {
  const { store, metrics, hub } = opts;

  app.get('/healthz', { config: { access: 'public', probe: true } }, async () => {
    // A server that can no longer write must leave the load balancer's rotation (and be restarted).
    const problem = opts.storeProblem?.();
    if (problem) throw new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `${problem}; restart the server.`, undefined, 30);
    return { status: 'ok', store: store.kind, lastId: hub.lastId };
  });

  app.get('/metrics', { config: { access: 'read' } }, async (_req, reply) => {
    const stats = await store.stats();
    metrics.dbBytes.set(stats.dbBytes);
    metrics.dbRows.set(stats.rows);
    if (stats.compressionRatio !== undefined) metrics.compressionRatio.set(Number(stats.compressionRatio.toFixed(4)));
    if (stats.hotRows !== undefined) {
      metrics.hotRows.set(stats.hotRows);
      metrics.compactionLag.set((stats.compactionLagMs ?? 0) / 1000);
    }
    metrics.subscribers.set(hub.size);
    reply.header('content-type', metrics.contentType);
    return metrics.render();
  });
}
