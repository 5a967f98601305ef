// Live tail across servers that share one database. Each server publishes its own commits
// right away; commits made by the other servers are learned from the store (PostgreSQL:
// LISTEN/NOTIFY) and read back with store.since(). Both must reach the hub in id order, once:
// a subscriber skips ids at or below the last it sent, so a record published after a higher
// one would be lost to it. Ids are dense and commit in id order (the store serializes its
// writers), so "the next id is hub.lastId + 1" tells whether anything is missing in between.
import type { LogRecord } from '../../shared/record.js';
import type { Store } from '../storage/store.js';
import type { LiveHub } from './hub.js';

const PAGE = 1000;
const RETRY_MS = 1000;

/**
 * Makes `hub` publish every record committed to `store` by any server, in id order and once;
 * a no-op for stores without watchCommits (SQLite). Returns the function that stops it.
 */
export function followCommits(store: Store, hub: LiveHub, warn: (message: string) => void): () => void {
  if (!store.watchCommits) return () => {};
  const publish = hub.publish.bind(hub);
  /** Highest id known to be committed. */
  let target = hub.lastId;
  let running = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  // One catch-up at a time, so two notifications never publish the same records twice.
  const catchUp = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && hub.lastId < target) {
        const records = await store.since(hub.lastId, {}, PAGE);
        if (!records.length) break;
        publish(records);
      }
    } catch (err) {
      warn(`Reading commits made by other servers failed and will be retried in ${RETRY_MS} ms: ${(err as Error).message}`);
      clearTimeout(retry);
      retry = setTimeout(() => void catchUp(), RETRY_MS);
      retry.unref();
      return;
    } finally {
      running = false;
    }
    if (!stopped && hub.lastId < target) void catchUp();
  };

  hub.publish = (records: LogRecord[]): void => {
    if (!records.length) return;
    let fresh = records;
    if (records[0].id <= hub.lastId) fresh = records.filter((r) => r.id > hub.lastId);
    if (!fresh.length) return;
    if (!running && fresh[0].id === hub.lastId + 1) {
      publish(fresh);
      return;
    }
    // Another server committed in between (or a catch-up is under way): read it all back in order.
    target = Math.max(target, fresh[fresh.length - 1].id);
    void catchUp();
  };

  const unwatch = store.watchCommits((lastId) => {
    if (lastId <= hub.lastId) return;
    target = Math.max(target, lastId);
    void catchUp();
  });

  return () => {
    stopped = true;
    clearTimeout(retry);
    unwatch();
    hub.publish = publish;
  };
}
