// Small HTTP helpers for benchmarks: a keep-alive POST with a prebuilt body, and a pool that
// keeps N requests in flight.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function postRaw(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts every body with `concurrency` requests in flight; resolves when all got 2xx. */
export async function postAll(url: string, bodies: Buffer[], headers: Record<string, string>, concurrency = 4): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await postRaw(url, body, headers);
      if (res.status >= 300) throw new Error(`POST ${url} answered ${res.status}: ${res.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
