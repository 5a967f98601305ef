// Debian's syslog-ng with its http() destination, as the trickle benches run it beside the
// collector: the file from its start, unparsed, read once a second (follow-freq(1)), posted to
// the sink in batches of up to 1,000 lines or 100 ms (batch-timeout), no loss (flow-control).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Starts syslog-ng in the foreground, its config and state in `dir`, tailing `file` into the sink on `port`. */
export function startSyslogNgHttp(dir: string, file: string, port: number, stdio: StdioOptions = 'ignore'): ChildProcess {
  writeFileSync(
    join(dir, 'syslog-ng.conf'),
    `@version: 3.38
options { stats-freq(0); stats-level(0); threaded(yes); use-dns(no); use-fqdn(no); dns-cache(no); };
source s_file { file("${file}" flags(no-parse) follow-freq(1) log-fetch-limit(1000) log-iw-size(20000)); };
destination d_http { http(url("http://127.0.0.1:${port}/api/v1/logs") method("POST") body("\${MSG}")
  batch-lines(1000) batch-bytes(1048576) batch-timeout(100) workers(4) log-fifo-size(20000)); };
log { source(s_file); destination(d_http); flags(flow-control); };
`,
  );
  return spawn('syslog-ng', ['-F', '--no-caps', '-f', join(dir, 'syslog-ng.conf'), `--persist-file=${join(dir, 'syslog-ng.persist')}`, `--pidfile=${join(dir, 'syslog-ng.pid')}`, `--control=${join(dir, 'syslog-ng.ctl')}`], { stdio });
}
