import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Level } from '../../../src/shared/levels.js';
import { withoutParsedHeader } from './headerPrefix.js';

test('a plain header of time and level is left out of the row', () => {
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32.366 - [DEBUG]: cache warmed in 12 ms', 'debug'), 'cache warmed in 12 ms');
  assert.equal(withoutParsedHeader('2026-11-28T04:02:55Z WARN disk almost full', 'warn'), 'disk almost full');
  assert.equal(withoutParsedHeader('[2026-11-28 04:02:55,123] ERROR - boom', 'error'), 'boom');
  assert.equal(withoutParsedHeader('2026-11-28 04:02:55 just a time', 'info'), 'just a time');
});

test('logfmt time and level pairs are left out, msg becomes the text', () => {
  assert.equal(withoutParsedHeader('time=2026-11-29T22:44:32Z level=info msg="user logged in" user=ada', 'info'), 'user logged in  user=ada');
  assert.equal(withoutParsedHeader('level=warn ts=1764456272 msg=slow path=/api', 'warn'), 'slow  path=/api');
});

test('lines without a header, or whose level word is not the record level, are kept whole', () => {
  assert.equal(withoutParsedHeader('GET /api/orders 200 12ms', 'info'), 'GET /api/orders 200 12ms');
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32 ERROR but stored as info', 'info'), '2026-11-29 22:44:32 ERROR but stored as info');
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32.366 - [DEBUG]: ', 'debug'), '2026-11-29 22:44:32.366 - [DEBUG]: ');
  assert.equal(withoutParsedHeader('level=info nothing else', 'info'), 'level=info nothing else');
});

test('lines of real systems lose their time and the level word after it, whatever the layout', () => {
  // Lines in the layouts of the Loghub samples (../shared/loghub): each system its own way.
  const cases: [string, Level, string][] = [
    ['2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200', 'info', '[QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200'],
    ['2015-07-29 19:04:12,394 - WARN  [RecvWorker:188978561024:QuorumCnxManager$RecvWorker@765] - Interrupting SendWorker', 'warn', '[RecvWorker:188978561024:QuorumCnxManager$RecvWorker@765] - Interrupting SendWorker'],
    ['2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001', 'info', '[main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001'],
    ['2015-10-18 18:10:57,148 FATAL [IPC Server handler 2 on 62270] org.apache.hadoop.mapred.TaskAttemptListenerImpl: Task: attempt_1 - exited', 'fatal', '[IPC Server handler 2 on 62270] org.apache.hadoop.mapred.TaskAttemptListenerImpl: Task: attempt_1 - exited'],
    ['17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]', 'info', 'executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]'],
    ['17/06/09 20:11:11 WARN storage.BlockManager: Putting block rdd_2_3 failed', 'warn', 'storage.BlockManager: Putting block rdd_2_3 failed'],
    ['[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties', 'info', 'workerEnv.init() ok /etc/httpd/conf/workers2.properties'],
    ['[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6', 'error', 'mod_jk child workerEnv in error state 6'],
    // No level in the header: only the time goes; host, program, pid and tid are the message's.
    ['03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app', 'debug', '1702  2395 D WindowManager: printFreezingDisplayLogsopening app'],
    ['Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown', 'unknown', 'combo sshd(pam_unix)[19939]: check pass; user unknown'],
    ['Dec 10 06:55:46 LabSZ sshd[24200]: error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available.', 'unknown', 'LabSZ sshd[24200]: error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available.'],
    ['20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579', 'unknown', 'Step_LSC|30002312|onStandStepChanged 3579'],
  ];
  for (const [line, level, shown] of cases) assert.equal(withoutParsedHeader(line, level), shown, line);
});

test('a level word that starts a line whose time was cut off already is left out too', () => {
  assert.equal(withoutParsedHeader('WARN [LeaseRenewer:msrabi@msra-sa-41:9000] org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease', 'warn'), '[LeaseRenewer:msrabi@msra-sa-41:9000] org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease');
  assert.equal(withoutParsedHeader('INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request', 'info'), '[/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request');
  assert.equal(withoutParsedHeader('[error] mod_jk child workerEnv in error state 6', 'error'), 'mod_jk child workerEnv in error state 6');
  assert.equal(withoutParsedHeader('[INFO] 2026-11-28 04:02:55 started', 'info'), 'started');
});

test('level words of the message itself are kept', () => {
  // Prose, a level word in the middle, another level than the record's, a word that only begins like one.
  assert.equal(withoutParsedHeader('Error while reading /etc/app.conf', 'error'), 'Error while reading /etc/app.conf');
  assert.equal(withoutParsedHeader('user clicked the ERROR report button', 'error'), 'user clicked the ERROR report button');
  assert.equal(withoutParsedHeader('2015-10-18 18:01:47,978 [main] task failed with ERROR state', 'error'), '[main] task failed with ERROR state');
  assert.equal(withoutParsedHeader('17/06/09 20:11:11 WARN storage.BlockManager: Putting block failed', 'error'), '17/06/09 20:11:11 WARN storage.BlockManager: Putting block failed');
  assert.equal(withoutParsedHeader('Errors: 0, warnings: 2', 'info'), 'Errors: 0, warnings: 2');
  assert.equal(withoutParsedHeader('INFORMATIONAL note', 'warn'), 'INFORMATIONAL note');
});
