// The parser against a corpus of lines in every supported format, plus lines that must not be
// read as a level. Zone-less times are local: the corpus runs in New York (set before any
// parsing), a zone with an offset and DST, so local-time handling is really exercised.
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine, parseTimestamp, epochToMs, type ParsedLine } from './index.js';
import { LEVELS, levelFromSyslogSeverity, type Level } from '../levels.js';

/** Local time, as `new Date(y, m, d, …)` — what zone-less timestamps mean. */
const L = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => new Date(y, mo - 1, d, h, mi, s, ms).getTime();
/** UTC time. */
const U = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

// The current time for year-less formats: 28 Nov 2026, 04:00 local.
const NOW = L(2026, 11, 28, 4);

interface Case {
  line: string;
  ts: number | undefined;
  level: Level;
  /** Defaults to the whole line. */
  message?: string;
  attrs?: Record<string, unknown>;
  source?: string;
  host?: string;
}

const CORPUS: Case[] = [
  // The prototype's own format.
  { line: '2026-11-28 03:29:09.123 - [INFO]: User alice logged in', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '2026-11-28 03:29:09.456 - [WARN]: Disk usage at 85%', ts: L(2026, 11, 28, 3, 29, 9, 456), level: 'warn' },
  { line: '2026-11-28 03:29:10.001 - [ERROR]: Database connection failed', ts: L(2026, 11, 28, 3, 29, 10, 1), level: 'error' },
  { line: '2026-11-28 03:29:10.002 - [DEBUG]: cache hit ratio 0.93', ts: L(2026, 11, 28, 3, 29, 10, 2), level: 'debug' },
  { line: '2026-11-28 03:29:11.000 - Log 17', ts: L(2026, 11, 28, 3, 29, 11), level: 'unknown' },
  { line: '2026-11-28 03:29:11.500 - WARNING: retry budget low', ts: L(2026, 11, 28, 3, 29, 11, 500), level: 'warn' },
  { line: '2026-11-28 03:29:11.501 - [CRITICAL]: out of memory', ts: L(2026, 11, 28, 3, 29, 11, 501), level: 'fatal' },
  { line: '2026-11-28 03:29:11.502 - [FATAL]: shutting down', ts: L(2026, 11, 28, 3, 29, 11, 502), level: 'fatal' },
  { line: '2026-11-28 03:29:11.503 - [TRACE]: entering handler', ts: L(2026, 11, 28, 3, 29, 11, 503), level: 'trace' },
  { line: '2026-11-28 03:29:11.504 - ERR: socket closed by peer', ts: L(2026, 11, 28, 3, 29, 11, 504), level: 'error' },
  { line: '2026-11-28 03:29:11.506 - warn : blanks before the colon', ts: L(2026, 11, 28, 3, 29, 11, 506), level: 'warn' },
  { line: '2026-11-28 03:29:11.505 - [info]: lower-case level', ts: L(2026, 11, 28, 3, 29, 11, 505), level: 'info' },

  // ISO-8601 / RFC 3339 and the common loggers that start with it.
  { line: '2026-11-28T03:29:09Z INFO server listening on :8080', ts: U(2026, 11, 28, 3, 29, 9), level: 'info' },
  { line: '2026-11-28T03:29:09.123456Z [ERROR] request failed', ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'error' },
  { line: '2026-11-28T03:29:09+05:30 WARN slow query (1.2s)', ts: U(2026, 11, 27, 21, 59, 9), level: 'warn' },
  { line: '2026-11-28T03:29:09.5-0800 level=error msg=timeout', ts: U(2026, 11, 28, 11, 29, 9, 500), level: 'error' },
  { line: '2026-11-28 03:29:09 DEBUG cache warmed in 12ms', ts: L(2026, 11, 28, 3, 29, 9), level: 'debug' },
  { line: '2026-11-28T03:29 INFO minute precision', ts: L(2026, 11, 28, 3, 29), level: 'info' },
  { line: '2026-11-28 03:29:09.123 [main] ERROR com.example.api.OrderController - request failed', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'error' },
  { line: '2026-11-28 03:29:09,123 - payments - WARNING - card declined for order 991', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'warn' },
  { line: '2026-11-28T03:29:09.123+00:00  INFO 4242 --- [main] o.s.b.SpringApplication : Started in 2.1 s', ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '2026/11/28 03:29:09 [error] 1234#0: *5 connect() failed (111: Connection refused)', ts: L(2026, 11, 28, 3, 29, 9), level: 'error' },
  { line: '28-Nov-2026 03:29:09.123 SEVERE [main] org.apache.catalina.startup.Catalina.start Server startup failed', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'error' },
  { line: '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster', ts: L(2015, 10, 18, 18, 1, 47, 978), level: 'info' },
  { line: '2015-07-29 17:41:44,747 - WARN  [SendWorker:1889:QuorumCnxManager$SendWorker@688] - Send worker leaving thread', ts: L(2015, 7, 29, 17, 41, 44, 747), level: 'warn' },
  { line: '[2026-11-28 03:29:09] production.ERROR: Undefined variable $user', ts: L(2026, 11, 28, 3, 29, 9), level: 'error' },
  { line: '[2026-11-28T03:29:09.000Z] [WARN] pool exhausted', ts: U(2026, 11, 28, 3, 29, 9), level: 'warn' },
  { line: '2026-11-28 03:29:09.123 | INFO     | app.main:run:12 - ready', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '2026-11-28 03:29:09.123 +0000 UTC INFO go default time format', ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '[28-Nov-2026 03:29:09 UTC] PHP Warning:  Undefined variable $x in /var/www/index.php on line 3', ts: U(2026, 11, 28, 3, 29, 9), level: 'warn' },
  { line: '[28-Nov-2026 03:29:10 UTC] PHP Fatal error:  Uncaught Error: Call to undefined function f()', ts: U(2026, 11, 28, 3, 29, 10), level: 'fatal' },
  { line: '2026-11-28 03:29:09,123:ERROR:root:division by zero', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'error' },
  { line: '2026-11-28 03:29:09 [ INFO ] padded brackets', ts: L(2026, 11, 28, 3, 29, 9), level: 'info' },
  { line: '2026-11-28 03:29:09 app[1]: level=warn msg="queue deep"', ts: L(2026, 11, 28, 3, 29, 9), level: 'warn' },

  // BSD syslog (no year) and syslog over the wire with PRI.
  { line: 'Nov 28 03:29:09 web-1 sshd[4242]: Accepted publickey for deploy from 10.0.0.5 port 52144 ssh2', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: 'Nov  2 07:00:01 web-1 CRON[991]: (root) CMD (run-parts /etc/cron.hourly)', ts: L(2026, 11, 2, 7, 0, 1), level: 'unknown' },
  { line: 'Nov 2 07:00:02 web-1 cron[992]: unpadded day', ts: L(2026, 11, 2, 7, 0, 2), level: 'unknown' },
  { line: 'Nov 28 03:29:09 2026 web-1 ntpd[5]: year after the time', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: 'Dec 31 23:59:59 web-1 kernel: [    0.000000] Linux version 6.1.0', ts: L(2025, 12, 31, 23, 59, 59), level: 'unknown' },
  { line: 'Nov 28 03:29:09 web-1 billing[77]: ERROR: payment gateway timeout', ts: L(2026, 11, 28, 3, 29, 9), level: 'error' },
  { line: 'Nov 28 03:29:09 web-1 billing[77]: [warn] retrying charge', ts: L(2026, 11, 28, 3, 29, 9), level: 'warn' },
  { line: '<34>1 2026-11-28T03:29:09.003Z web-1 su - ID47 - \'su root\' failed for lonvick on /dev/pts/8', ts: U(2026, 11, 28, 3, 29, 9, 3), level: 'fatal' },
  { line: '<165>1 2026-11-28T03:29:09.000+02:00 host app 123 ID1 [exampleSDID@32473 iut="3"] event', ts: U(2026, 11, 28, 1, 29, 9), level: 'info' },
  { line: '<13>Nov 28 03:29:09 web-1 myapp: user logged in', ts: L(2026, 11, 28, 3, 29, 9), level: 'info' },
  { line: '<11>1 - web-1 app - - - no timestamp given', ts: undefined, level: 'error' },
  { line: '<15>Nov 28 03:29:09 web-1 myapp: debug output', ts: L(2026, 11, 28, 3, 29, 9), level: 'debug' },

  // Apache error log: ctime in brackets, then the level in brackets.
  { line: '[Sun Nov 22 04:47:44 2026] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties', ts: L(2026, 11, 22, 4, 47, 44), level: 'info' },
  { line: '[Sun Nov 22 04:47:45 2026] [error] mod_jk child workerEnv in error state 6', ts: L(2026, 11, 22, 4, 47, 45), level: 'error' },
  { line: '[Wed Nov 25 14:32:52.123456 2026] [core:crit] [pid 1234] AH00111: Config variable ${X} is not defined', ts: L(2026, 11, 25, 14, 32, 52, 123), level: 'fatal' },
  { line: '[Sun Nov 22 04:47:46 2026] [warn] RSA server certificate CommonName (CN) does NOT match server name!?', ts: L(2026, 11, 22, 4, 47, 46), level: 'warn' },
  { line: '[Sun Nov 22 04:47:47 2026] [emerg] (28)No space left on device: Cannot create SSLMutex', ts: L(2026, 11, 22, 4, 47, 47), level: 'fatal' },
  { line: '[Sun Nov  1 04:47:48 2026] [alert] (2)No such file or directory: pid file overwritten', ts: L(2026, 11, 1, 4, 47, 48), level: 'fatal' },
  { line: '[Sun Nov 22 04:47:49 2026] [debug] mod_ssl.c(123): initializing', ts: L(2026, 11, 22, 4, 47, 49), level: 'debug' },

  // Spark (two-digit year), Android logcat (no year), HealthApp, access logs, glog.
  { line: '17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]', ts: L(2017, 6, 9, 20, 10, 40), level: 'info' },
  { line: '17/06/09 20:11:12 WARN storage.BlockManager: Putting block rdd_2_3 failed', ts: L(2017, 6, 9, 20, 11, 12), level: 'warn' },
  { line: '17/06/09 20:11:13 ERROR executor.Executor: Exception in task 1.0 in stage 0.0 (TID 1)', ts: L(2017, 6, 9, 20, 11, 13), level: 'error' },
  { line: '11-27 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs opening app wtoken', ts: L(2026, 11, 27, 16, 13, 38, 811), level: 'debug' },
  { line: '11-27 16:13:38.819  1702  8671 E AndroidRuntime: FATAL EXCEPTION: main', ts: L(2026, 11, 27, 16, 13, 38, 819), level: 'error' },
  { line: '11-27 16:13:38.820  1702  8671 I ActivityManager: Start proc 2227:com.android.systemui', ts: L(2026, 11, 27, 16, 13, 38, 820), level: 'info' },
  { line: '11-27 16:13:38.821  1702  8671 V Looper: dispatching to Handler', ts: L(2026, 11, 27, 16, 13, 38, 821), level: 'trace' },
  { line: '11-27 16:13:38.822   702   871 W PowerManagerService: Wake lock held too long', ts: L(2026, 11, 27, 16, 13, 38, 822), level: 'warn' },
  { line: '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579', ts: L(2017, 12, 23, 22, 15, 29, 606), level: 'unknown' },
  { line: '20171223-22:16:0:11|Step_SPUtils|30002312|REPORT : 7017 5010 150304 240', ts: L(2017, 12, 23, 22, 16, 0, 11), level: 'unknown' },
  { line: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /api/error HTTP/1.0" 200 2326', ts: U(2000, 10, 10, 20, 55, 36), level: 'info' },
  {
    line: '10.1.2.3 - - [28/Nov/2026:03:29:09 +0000] "POST /login HTTP/1.1" 500 12 "-" "curl/8.0"', ts: U(2026, 11, 28, 3, 29, 9), level: 'error',
    attrs: { method: 'POST', path: '/login', protocol: 'HTTP/1.1', status: '500', bytes: '12', user_agent: 'curl/8.0' },
  },
  { line: 'E1128 03:29:09.123456    1234 server.go:42] failed to dial backend: connection refused', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'error' },
  { line: 'I1128 03:29:09.500000    1234 main.go:10] starting controller', ts: L(2026, 11, 28, 3, 29, 9, 500), level: 'info' },
  { line: 'W1127 23:00:00.000001       7 reflector.go:1] watch closed', ts: L(2026, 11, 27, 23, 0, 0, 0), level: 'warn' },

  // JSON lines: the known fields become columns, the rest stays in attrs.
  {
    line: '{"level":30,"time":1795000000123,"pid":4242,"hostname":"web-1","msg":"request completed","req":{"method":"GET","url":"/api/error"},"responseTime":12}',
    ts: 1795000000123, level: 'info', message: 'request completed', host: 'web-1',
    attrs: { pid: 4242, hostname: 'web-1', req: { method: 'GET', url: '/api/error' }, responseTime: 12 },
  },
  {
    line: '{"name":"api","hostname":"web-2","pid":1,"level":50,"msg":"upstream failed","time":"2026-11-28T03:29:09.123Z","v":0}',
    ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'error', message: 'upstream failed', host: 'web-2', attrs: { name: 'api', hostname: 'web-2', pid: 1, v: 0 },
  },
  {
    line: '{"level":"warn","message":"disk usage high","service":"billing","timestamp":"2026-11-28 03:29:09"}',
    ts: L(2026, 11, 28, 3, 29, 9), level: 'warn', message: 'disk usage high', source: 'billing', attrs: { service: 'billing' },
  },
  {
    line: '{"level":"error","ts":1795000000.123456,"caller":"api/handler.go:42","msg":"query failed","error":"context deadline exceeded"}',
    ts: 1795000000123, level: 'error', message: 'query failed', attrs: { caller: 'api/handler.go:42', error: 'context deadline exceeded' },
  },
  {
    line: '{"@timestamp":"2026-11-28T03:29:09.123Z","log.level":"info","message":"GET /","service.name":"shop","http":{"response":{"status_code":200}}}',
    ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'info', message: 'GET /', source: 'shop', attrs: { 'service.name': 'shop', http: { response: { status_code: 200 } } },
  },
  {
    line: '{"severity":"CRITICAL","message":"payment queue stalled","timestamp":{"seconds":1795000000,"nanos":123000000}}',
    ts: 1795000000123, level: 'fatal', message: 'payment queue stalled',
  },
  { line: '{"lvl":"dbg","t":"x","msg":"cache miss"}', ts: undefined, level: 'debug', message: 'cache miss', attrs: { t: 'x' } },
  {
    line: '{"severity_text":"WARN","time":"1795000000123456789","body":"otel body"}',
    ts: 1795000000123, level: 'warn', attrs: { body: 'otel body' },
  },
  { line: '{"message":"no level here","app":"worker","date":1795000000}', ts: 1795000000000, level: 'unknown', message: 'no level here', source: 'worker', attrs: { app: 'worker' } },
  { line: '{"level":"verbose-ish","msg":"kept"}', ts: undefined, level: 'unknown', message: 'kept', attrs: { level: 'verbose-ish' } },
  { line: '{"msg":{"nested":true},"levelname":"ERROR"}', ts: undefined, level: 'error', attrs: { msg: { nested: true } } },
  { line: '{"level":"I","time":"Nov 28 03:29:09","msg":"letter level in a field"}', ts: L(2026, 11, 28, 3, 29, 9), level: 'info', message: 'letter level in a field' },
  { line: '{"level":"warning","timestamp":"bogus","msg":"bad time kept"}', ts: undefined, level: 'warn', message: 'bad time kept', attrs: { timestamp: 'bogus' } },
  { line: '  {"loglevel":"notice","msg":"indented json"}', ts: undefined, level: 'info', message: 'indented json' },
  { line: '{"level":"60","msg":"numeric string level","host":{"name":"h"}}', ts: undefined, level: 'fatal', message: 'numeric string level', attrs: { host: { name: 'h' } } },
  {
    line: '{"log":"2026-11-28 03:29:09,123 ERROR [main] c.e.App - boom\\n","stream":"stderr","time":"2026-11-28T08:29:09.123456789Z"}',
    ts: U(2026, 11, 28, 8, 29, 9, 123), level: 'error', message: '2026-11-28 03:29:09,123 ERROR [main] c.e.App - boom', attrs: { stream: 'stderr' },
  },
  {
    line: '{"log":"{\\"level\\":\\"warn\\",\\"msg\\":\\"slow\\",\\"user\\":\\"x\\"}\\n","stream":"stdout","time":"2026-11-28T08:29:09Z"}',
    ts: U(2026, 11, 28, 8, 29, 9), level: 'warn', message: 'slow', attrs: { user: 'x', stream: 'stdout' },
  },
  { line: '{"msg":"m","log":"l"}', ts: undefined, level: 'unknown', message: 'm', attrs: { log: 'l' } },
  {
    line: '2026-11-28T08:29:09.123456789Z stderr F 2026-11-28 03:29:09,000 ERROR [main] c.e.App - boom',
    ts: U(2026, 11, 28, 8, 29, 9, 123), level: 'error', message: '2026-11-28 03:29:09,000 ERROR [main] c.e.App - boom', attrs: { stream: 'stderr' },
  },
  {
    line: '2026-11-28T08:29:09.5+00:00 stdout P {"level":"warn","msg":"partial","user":"x"}',
    ts: U(2026, 11, 28, 8, 29, 9, 500), level: 'warn', message: 'partial', attrs: { user: 'x', stream: 'stdout' },
  },
  { line: '2026-11-28T08:29:09Z stdout F ', ts: U(2026, 11, 28, 8, 29, 9), level: 'unknown', message: '', attrs: { stream: 'stdout' } },
  { line: '2026-11-28T08:29:09Z stdout is not a CRI line', ts: U(2026, 11, 28, 8, 29, 9), level: 'unknown' },
  { line: '\uFEFF{"level":"error","msg":"first line of a file with a byte-order mark"}', ts: undefined, level: 'error', message: 'first line of a file with a byte-order mark' },
  { line: '{not json at all', ts: undefined, level: 'unknown' },
  { line: '{"level":"info"} trailing text', ts: undefined, level: 'unknown' },

  // logfmt: every pair to attrs (strings), level and time from their keys, message the whole line.
  {
    line: 'ts=2026-11-28T03:29:09.123Z level=warn msg="disk almost full" user=x',
    ts: U(2026, 11, 28, 3, 29, 9, 123), level: 'warn', attrs: { ts: '2026-11-28T03:29:09.123Z', level: 'warn', msg: 'disk almost full', user: 'x' },
  },
  {
    line: 'time="2026-11-28T03:29:09+01:00" level=error msg="connect \\"db\\" failed:\\n retry" component=pool',
    ts: U(2026, 11, 28, 2, 29, 9), level: 'error',
    attrs: { time: '2026-11-28T03:29:09+01:00', level: 'error', msg: 'connect "db" failed:\n retry', component: 'pool' },
  },
  {
    line: 'level=info ts=1795000000.5 caller=main.go:12 msg=started host=web-3 service=api',
    ts: 1795000000500, level: 'info', host: 'web-3', source: 'api',
    attrs: { level: 'info', ts: '1795000000.5', caller: 'main.go:12', msg: 'started', host: 'web-3', service: 'api' },
  },
  { line: 'error_count=0 processed=15', ts: undefined, level: 'unknown', attrs: { error_count: '0', processed: '15' } },
  { line: 'msg="quoted with spaces" level=DEBUG dry-run', ts: undefined, level: 'debug', attrs: { msg: 'quoted with spaces', level: 'DEBUG', 'dry-run': '' } },
  { line: 'level=fatal msg="unterminated', ts: undefined, level: 'fatal', attrs: { level: 'fatal', msg: 'unterminated' } },

  // Lines without a timestamp, and traps: words that look like levels but are not where a logger puts one.
  { line: 'no errors found', ts: undefined, level: 'unknown' },
  { line: 'retrying after ErrorBoundary caught a render failure', ts: undefined, level: 'unknown' },
  { line: 'INFO: 0 errors', ts: undefined, level: 'info' },
  { line: '2026-11-28 03:29:09.123 - [INFO]: error_count=0 warnings=3', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '2026-11-28 03:29:09 INFO GET /api/error 200 12ms', ts: L(2026, 11, 28, 3, 29, 9), level: 'info' },
  { line: '2026-11-28 03:29:09.123 - Log 18 says ERROR later', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'unknown' },
  { line: '2026-11-28 03:29:09 Error while reading config, using defaults', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: '2026-11-28 03:29:09 processed 10 items, no errors', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: 'Nov 28 03:29:09 web-1 sshd[4242]: error: maximum authentication attempts exceeded', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: 'Nov 28 03:29:09 combo logrotate: ALERT exited abnormally with [1]', ts: L(2026, 11, 28, 3, 29, 9), level: 'unknown' },
  { line: 'ERROR: relation "users" does not exist at character 15', ts: undefined, level: 'error' },
  { line: '[WARN] connection pool nearly exhausted', ts: undefined, level: 'warn' },
  { line: 'WARN deprecated flag --foo, use --bar', ts: undefined, level: 'warn' },
  { line: 'Warning: Permanently added the RSA host key for 10.0.0.9', ts: undefined, level: 'warn' },
  { line: 'WARNING:root:low disk space', ts: undefined, level: 'warn' },
  { line: 'panic: runtime error: index out of range [3] with length 3', ts: undefined, level: 'fatal' },
  { line: 'I/O error on device sda, logical block 0', ts: undefined, level: 'unknown' },
  { line: '    at Object.<anonymous> (/app/index.js:10:15)', ts: undefined, level: 'unknown' },
  { line: 'Caused by: java.lang.IllegalStateException: ERROR state', ts: undefined, level: 'unknown' },
  { line: 'ERRORS: 3', ts: undefined, level: 'unknown' },
  { line: 'ERROR_CODE=E42 in module', ts: undefined, level: 'unknown', attrs: { ERROR_CODE: 'E42', in: '', module: '' } },
  { line: 'Information technology rocks', ts: undefined, level: 'unknown' },
  { line: 'Alert the on-call: queue is deep', ts: undefined, level: 'unknown' },
  { line: '', ts: undefined, level: 'unknown' },
  { line: '\uFEFF2026-11-28 03:29:09.123 - [INFO]: first line of a file with a byte-order mark', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '2026-11-28 03:29:09 WARN\r', ts: L(2026, 11, 28, 3, 29, 9), level: 'warn', message: '2026-11-28 03:29:09 WARN' },
  { line: 'level=error user=x\r', ts: undefined, level: 'error', message: 'level=error user=x', attrs: { level: 'error', user: 'x' } },
  { line: 'INFO 2026-11-28 03:29:09,123 myapp started', ts: L(2026, 11, 28, 3, 29, 9, 123), level: 'info' },
  { line: '[ERROR] 2026-11-28T03:29:09Z boom', ts: U(2026, 11, 28, 3, 29, 9), level: 'error' },
  { line: '2026-13-01 00:00:00 INFO impossible month', ts: undefined, level: 'info' },
  { line: '2026-02-30 10:00:00 [WARN] impossible day', ts: undefined, level: 'warn' },

  // DST in New York: 8 March 2026 skips 02:00-03:00; 1 November 2026 repeats 01:00-02:00.
  { line: '2026-03-08 01:59:59.999 INFO before the jump', ts: L(2026, 3, 8, 1, 59, 59, 999), level: 'info' },
  { line: '2026-03-08 03:00:00.000 INFO after the jump', ts: L(2026, 3, 8, 3, 0, 0, 0), level: 'info' },
  { line: '2026-03-08 23:00:00.000 INFO evening of a short day', ts: L(2026, 3, 8, 23), level: 'info' },
  { line: '2026-11-01 00:30:00 INFO before the repeat', ts: L(2026, 11, 1, 0, 30), level: 'info' },
  { line: '2026-11-01 22:00:00 INFO evening of a long day', ts: L(2026, 11, 1, 22), level: 'info' },
];

function check(c: Case, got: ParsedLine): void {
  const where = `line ${JSON.stringify(c.line)}`;
  assert.equal(got.ts, c.ts, `${where}: ts ${got.ts === undefined ? 'undefined' : new Date(got.ts).toISOString()}`);
  assert.equal(got.level, c.level, `${where}: level`);
  assert.equal(got.message, c.message ?? c.line, `${where}: message`);
  // Plain lines get fields read from their text; a case states attrs when they are the point.
  if ('attrs' in c || got.message !== c.line || got.headerEnd === undefined) assert.deepEqual(got.attrs, c.attrs, `${where}: attrs`);
  assert.equal(got.source, c.source, `${where}: source`);
  assert.equal(got.host, c.host, `${where}: host`);
}

test('the corpus has at least 60 lines and covers every format', () => {
  assert.ok(CORPUS.length >= 60, `only ${CORPUS.length} lines`);
});

test('parseLine finds ts, level, message and attrs in every corpus line', () => {
  const failures: string[] = [];
  for (const c of CORPUS) {
    try {
      check(c, parseLine(c.line, { now: NOW }));
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  assert.deepEqual(failures, []);
});

test('parseLine gives the same answers when lines come in any order (no stale cache)', () => {
  const shuffled = [...CORPUS].reverse();
  for (let round = 0; round < 3; round++) {
    for (const c of shuffled) check(c, parseLine(c.line, { now: NOW }));
  }
});

test('year-less timestamps take the year of now, or the year before when more than a day ahead', () => {
  const newYear = L(2027, 1, 1, 0, 30);
  assert.equal(parseLine('Dec 31 23:59:59 h p: x', { now: newYear }).ts, L(2026, 12, 31, 23, 59, 59));
  assert.equal(parseLine('Jan  1 00:45:00 h p: x', { now: newYear }).ts, L(2027, 1, 1, 0, 45));
  assert.equal(parseLine('Jan  2 00:29:00 h p: x', { now: newYear }).ts, L(2027, 1, 2, 0, 29));
  assert.equal(parseLine('Jan  2 00:31:00 h p: x', { now: newYear }).ts, L(2026, 1, 2, 0, 31));
  assert.equal(parseLine('12-31 23:59:59.000  1  2 I Tag: x', { now: newYear }).ts, L(2026, 12, 31, 23, 59, 59));
  // Without `now`, the current time is used.
  const thisYear = new Date().getFullYear();
  const ts = parseLine('Jan  1 00:00:00 h p: x').ts;
  assert.ok(ts !== undefined && new Date(ts).getFullYear() === thisYear);
});

test('parseTimestamp reads ISO-8601, RFC 3339, the seed format, epochs and more', () => {
  const cases: [string, number | undefined][] = [
    ['2026-11-28T03:29:09Z', U(2026, 11, 28, 3, 29, 9)],
    ['2026-11-28t03:29:09.123+01:00', U(2026, 11, 28, 2, 29, 9, 123)],
    ['2026-11-28T03:29:09.123456789-05:00', U(2026, 11, 28, 8, 29, 9, 123)],
    ['2026-11-28T03:29:09+0530', U(2026, 11, 27, 21, 59, 9)],
    ['2026-11-28 03:29:09.123', L(2026, 11, 28, 3, 29, 9, 123)],
    ['2026-11-28 03:29:09,5', L(2026, 11, 28, 3, 29, 9, 500)],
    ['  2026-11-28T03:29:09Z  ', U(2026, 11, 28, 3, 29, 9)],
    ['2026-11-28', L(2026, 11, 28)],
    ['1795000000', 1795000000000],
    ['1795000000.5', 1795000000500],
    ['1795000000123', 1795000000123],
    ['1795000000123456', 1795000000123],
    ['1795000000123456789', 1795000000123],
    ['Tue, 15 Nov 1994 08:12:31 GMT', U(1994, 11, 15, 8, 12, 31)],
    ['Nov 28 03:29:09', L(2026, 11, 28, 3, 29, 9)],
    ['10/Oct/2000:13:55:36 -0700', U(2000, 10, 10, 20, 55, 36)],
    ['Sun Dec 04 04:47:44 2005', L(2005, 12, 4, 4, 47, 44)],
    ['', undefined],
    ['abc', undefined],
    ['12', undefined],
    ['1.5', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-02-29T00:00:00Z', undefined],
    ['2028-02-29T00:00:00Z', U(2028, 2, 29)],
    ['2026-11-28T25:00:00Z', undefined],
    ['2026-11-28T03:29:09Zjunk', undefined],
    ['2026-11-28T03:29:09+25:00', undefined],
    ['99999999999999999999999', undefined],
    ['Monday', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseTimestamp(text, NOW), want, `parseTimestamp(${JSON.stringify(text)})`);
});

test('an epoch number leading a line is its time when a space or a colon and a space follow, not when glued to more', () => {
  assert.equal(parseLine('1796055646: mosquitto version 2.0.11 starting', { now: NOW }).ts, 1796055646000);
  assert.equal(parseLine('1796055646.250 340 10.0.0.1 TCP_MISS/200 1047 GET http://example.com/', { now: NOW }).ts, 1796055646250);
  assert.equal(parseLine('1796055646:456 session opened', { now: NOW }).ts, undefined);
  assert.equal(parseLine('1796055646:x ok', { now: NOW }).ts, undefined);
});

test('epochToMs tells seconds, ms, µs and ns apart by magnitude', () => {
  assert.equal(epochToMs(1795000000), 1795000000000);
  assert.equal(epochToMs(1795000000.123), 1795000000123);
  assert.equal(epochToMs(1795000000123), 1795000000123);
  assert.equal(epochToMs(1795000000123456), 1795000000123);
  assert.equal(epochToMs(1795000000123456789), 1795000000123);
  assert.equal(epochToMs(42), undefined);
  assert.equal(epochToMs(-1795000000), undefined);
  assert.equal(epochToMs(Number.NaN), undefined);
});

test('levelFromSyslogSeverity maps PRI severities', () => {
  const want: Level[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];
  for (let i = 0; i < 8; i++) assert.equal(levelFromSyslogSeverity(i), want[i]);
  assert.equal(levelFromSyslogSeverity(8), undefined);
});

test('a "__proto__" field stays an ordinary attribute and pollutes nothing', () => {
  const json = parseLine('{"__proto__":{"polluted":1},"msg":"x"}');
  assert.deepEqual(Object.keys(json.attrs ?? {}), ['__proto__']);
  assert.equal(Object.getPrototypeOf(json.attrs), Object.prototype);
  const kv = parseLine('__proto__=1 constructor=2 level=info');
  assert.equal(kv.level, 'info');
  assert.deepEqual(Object.keys(kv.attrs ?? {}), ['__proto__', 'constructor', 'level']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('hostile lines parse in bounded time', () => {
  const hostile = [
    '['.repeat(200_000),
    'a='.repeat(100_000),
    '{'.repeat(200_000),
    ' '.repeat(200_000) + 'x',
    '2026-11-28 03:29:09 ' + '-'.repeat(200_000),
    '2026-11-28 03:29:09 ' + '[a'.repeat(100_000),
    'x'.repeat(1_000_000),
    'level="' + '\\"'.repeat(100_000),
    '1'.repeat(200_000),
  ];
  for (const line of hostile) {
    const start = performance.now();
    const r = parseLine(line, { now: NOW });
    const ms = performance.now() - start;
    assert.equal(typeof r.level, 'string');
    // Linear work takes a few ms (hundreds on a machine loaded 7x over, before the JIT kicks in);
    // anything quadratic in a 200k-char line would take a minute, so a generous bound still catches it.
    assert.ok(ms < 5000, `a ${line.length}-char line took ${ms.toFixed(1)} ms`);
  }
});

test('mangled lines never throw and always give a valid level and an integer ts or none', () => {
  // Truncations and random edits of the corpus reach every "ran off the end" path of the scanners.
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % n;
  const alphabet = '0123456789-:./T Z+[]{}"=,|<>\\ \tEIWDF\u00e9\ud83d';
  for (let i = 0; i < 20_000; i++) {
    let line = CORPUS[rand(CORPUS.length)].line;
    const op = rand(3);
    if (op === 0) line = line.slice(0, rand(line.length + 1));
    else if (op === 1) {
      const at = rand(line.length + 1);
      line = line.slice(0, at) + alphabet[rand(alphabet.length)] + line.slice(at + 1);
    } else line = line.slice(rand(Math.min(line.length, 40) + 1));
    const r = parseLine(line, { now: NOW });
    assert.ok(LEVELS.includes(r.level), `level ${r.level} for ${JSON.stringify(line)}`);
    assert.ok(r.ts === undefined || Number.isSafeInteger(r.ts), `ts ${r.ts} for ${JSON.stringify(line)}`);
    assert.equal(typeof r.message, 'string');
    const t = parseTimestamp(line, NOW);
    assert.ok(t === undefined || Number.isFinite(t), `parseTimestamp gave ${t} for ${JSON.stringify(line)}`);
  }
});
