// Writes a log file in the prototype's line format with a sequence number in every line, for
// the collector benchmarks (the generator is not needed, so these run on their own).
import { open } from 'node:fs/promises';

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'INFO', 'WARN', 'INFO', 'ERROR'];
const PATHS = ['/api/v1/items', '/api/v1/users/42', '/healthz', '/api/v1/orders?page=3', '/login'];

/** One realistic line (about 110 bytes) carrying `seq`, without its newline. */
export function sequencedLine(seq: number, now = Date.UTC(2026, 10, 28, 3, 29, 9)): string {
  const ts = new Date(now + seq).toISOString().replace('T', ' ').slice(0, 23);
  return `${ts} - [${LEVELS[seq % LEVELS.length]}]: seq=${seq} service=api request_id=r${(seq * 7919) % 1_000_003} GET ${PATHS[seq % PATHS.length]} latency_ms=${seq % 997}`;
}

/** Appends lines first..first+count-1 to `path` in 1 MiB writes; resolves to the bytes written. */
export async function writeSequencedFile(path: string, count: number, first = 1, flags = 'w'): Promise<number> {
  const fh = await open(path, flags);
  let bytes = 0;
  let chunk = '';
  for (let i = first; i < first + count; i++) {
    chunk += sequencedLine(i) + '\n';
    if (chunk.length >= 1 << 20) {
      bytes += (await fh.write(chunk)).bytesWritten;
      chunk = '';
    }
  }
  if (chunk) bytes += (await fh.write(chunk)).bytesWritten;
  await fh.close();
  return bytes;
}
