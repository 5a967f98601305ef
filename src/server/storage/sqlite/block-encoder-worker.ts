// The compaction worker thread (block-encoder.ts starts it): encodes hot rows into blocks
// (block.ts: summaries, Bloom filter, terms, zstd) and sends them back. It opens no database:
// the store's own connection writes the blocks, so SQLite keeps one writer.
import { parentPort } from 'node:worker_threads';
import { encodeBlocks } from './block-table.js';
import { rowsOf, type EncodeJob, type EncodeReply } from './block-encoder.js';

parentPort!.on('message', (job: EncodeJob) => {
  let reply: EncodeReply;
  try {
    reply = { id: job.id, blocks: encodeBlocks(rowsOf(job.source, job.rows), job.blockRows) };
  } catch (err) {
    reply = { id: job.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
