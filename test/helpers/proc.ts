// Process facts for end-to-end tests: resident memory of a child from /proc (Linux only),
// and a raw HTTP/1.1 request over a socket for request lines no fetch() would send.
import net from 'node:net';
import { readFileSync } from 'node:fs';

/** Current and peak resident set size of a process in bytes (VmRSS, VmHWM), or undefined off Linux. */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `request` exactly as given (it must end its head with a blank line and should ask for
 * `Connection: close`) and returns the status and the raw body.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const i = text.indexOf('\r\n\r\n');
      const head = i < 0 ? text : text.slice(0, i);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: i < 0 ? '' : text.slice(i + 4) });
    });
    sock.end(request);
  });
}
