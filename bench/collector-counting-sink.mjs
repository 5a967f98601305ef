// A minimal HTTP sink for the collector benchmarks: gunzips each POST body off the main thread
// (when it is gzip: Content-Encoding: gzip or the gzip magic bytes; otherwise the body is taken
// as it is, which is what syslog-ng's http() destination sends), counts its lines (NDJSON or
// plain text; a last line without its newline counts too, as syslog-ng joins a batch's lines
// with "\n" and adds none after the last), answers {accepted, duplicates:0}. Prints "listening PORT", and "reached N"
// once the count reaches argv[2] (if given). argv[3]: port (default: any free one). With
// SINK_PROGRESS=1 it also prints "count N" after every request (the trickle bench waits on it). Run as a
// child process so it has its own scheduler slot, as a real server would.
import http from 'node:http';
import { gunzip } from 'node:zlib';

const target = Number(process.argv[2] ?? 0);
let count = 0;
let reported = false;
let first = 0n;
let firstLines = 0;
const progress = process.env.SINK_PROGRESS === '1';
let requests = 0;
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    const raw = Buffer.concat(parts);
    const gzipped = req.headers['content-encoding'] === 'gzip' || (raw[0] === 0x1f && raw[1] === 0x8b);
    const decode = gzipped ? (cb) => gunzip(raw, cb) : (cb) => cb(null, raw);
    decode((err, body) => {
      if (err) {
        res.writeHead(400).end('{"error":"LP_ERR_INVALID_ENCODING","message":"Bad gzip."}');
        return;
      }
      let n = 0;
      for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) n++;
      if (body.length > 0 && body[body.length - 1] !== 10) n++;
      if (count === 0) {
        first = process.hrtime.bigint();
        firstLines = n;
      }
      count += n;
      requests++;
      if (progress) process.stdout.write(`count ${count} ${requests}\n`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"accepted":${n},"duplicates":0}`);
      if (target && !reported && count >= target) {
        reported = true;
        process.stdout.write(`reached ${count} ${process.hrtime.bigint()} ${first} ${firstLines}\n`);
      }
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
