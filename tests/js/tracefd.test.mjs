// tracefd.test.mjs - TIDE_TRACE_FD (src/trace_fd.c; the format is in
// include/tide.h at tide_main): examples/tasks.c traced natively on fd 3,
// on WASI (tide-run) and Emscripten (the JS API) on fd 2, every event in order with its loop time on
// the virtual clock; a bad value or a closed descriptor is reported on
// stderr and the program runs on untraced. The live page's runner reads
// the same lines (tests/browser/playground.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { command, run } from '../support/hosts.mjs';

// time event task status what [name]
const TRACE = `0.000000000 spawn 1 0 - Task-1
0.000000000 run 1 0 -
0.000000000 spawn 2 0 - worker-A
0.000000000 spawn 3 0 - worker-B
0.000000000 spawn 4 0 - worker-C
0.000000000 suspend 1 0 gather
0.000000000 run 2 0 -
0.000000000 suspend 2 0 sleep
0.000000000 run 3 0 -
0.000000000 suspend 3 0 sleep
0.000000000 run 4 0 -
0.000000000 suspend 4 0 sleep
1.000000000 wake 3 0 sleep
1.000000000 run 3 0 -
1.000000000 finish 3 0 -
2.000000000 wake 4 0 sleep
2.000000000 run 4 0 -
2.000000000 finish 4 0 -
3.000000000 wake 2 0 sleep
3.000000000 run 2 0 -
3.000000000 finish 2 0 -
3.000000000 wake 1 0 gather
3.000000000 run 1 0 -
3.000000000 finish 1 0 -
`;
const OUTPUT = "Tasks are running...\nA started\nB started\nC started\nB finished\nC finished\nA finished\n['A result', 'B result', 'C result']\n";

for (const host of ['native', 'asan']) {
  test(`${host}: TIDE_TRACE_FD=3 traces every event on fd 3`, () => {
    const [cmd, argv] = command(host, 'tasks');
    const r = spawnSync(cmd, argv, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, TIDE_CLOCK: 'virtual', TIDE_TRACE_FD: '3' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, OUTPUT);
    assert.equal(r.output[3], TRACE);
    assert.equal(r.stderr, '');
  });
}

// (Emscripten: under Node through the JS API, whose stderr lines are the
// program's fd 2; a page's runner takes the same lines from onStderr.)
for (const [host, how] of [['wasi', 'under tide-run'], ['em', 'through the JS API']]) {
  test(`${host}: TIDE_TRACE_FD=2 traces on stderr ${how}`, () => {
    const r = run(host, 'tasks', { env: { TIDE_CLOCK: 'virtual', TIDE_TRACE_FD: '2' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, OUTPUT);
    assert.equal(r.stderr, TRACE);
  });
}

// How tasks end: a name for Tide's codes, the number for a program's own
// (examples/taskgroup.c's failing fetch raises TIDE_EUSER).
test('native: a finish says the error by its name, or by its number when it has none', () => {
  const [cmd, argv] = command('native', 'taskgroup', ['fail=API']);
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, TIDE_CLOCK: 'virtual', TIDE_TRACE_FD: '3' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.output[3].split('\n').filter((l) => l.includes(' finish ')), [
    '0.500000000 finish 4 0 -',
    '1.000000000 finish 3 -1000 -',
    '1.000000000 finish 2 TIDE_ECANCELLED -',
    '1.000000000 finish 1 TIDE_EGROUP -',
  ]);
});

for (const host of ['native', 'wasi', 'em']) {
  test(`${host}: a bad TIDE_TRACE_FD or a closed descriptor is reported; the program runs untraced`, () => {
    let r = run(host, 'tasks', { env: { TIDE_CLOCK: 'virtual', TIDE_TRACE_FD: 'three' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, OUTPUT);
    assert.equal(r.stderr, 'tide: TIDE_TRACE_FD=three is not a file descriptor number; not tracing\n');
    r = run(host, 'tasks', { env: { TIDE_CLOCK: 'virtual', TIDE_TRACE_FD: '9' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, OUTPUT);
    assert.match(r.stderr, /^tide: TIDE_TRACE_FD=9: .+; tracing stops\n$/);
  });
}
