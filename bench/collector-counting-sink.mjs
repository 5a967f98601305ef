// A minimal HTTP sink for the collector benchmarks: gunzips each POST body off the main thread,
// counts its lines, answers {accepted, duplicates:0}. Prints "listening PORT", and "reached N"
// once the count reaches argv[2] (if given). argv[3]: port (default: any free one). Run as a
// child process so it has its own scheduler slot, as a real server would.
import http from 'node:http';
import { gunzip } from 'node:zlib';

const target = Number(process.argv[2] ?? 0);
let count = 0;
let reported = false;
let first = 0n;
let firstLines = 0;
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    gunzip(Buffer.concat(parts), (err, body) => {
      if (err) {
        res.writeHead(400).end('{"error":"LP_ERR_INVALID_ENCODING","message":"Bad gzip."}');
        return;
      }
      let n = 0;
      for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) n++;
      if (count === 0) {
        first = process.hrtime.bigint();
        firstLines = n;
      }
      count += n;
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
