// soak.test.mjs - tests/programs/soak.c on every host: a million tasks through a
// lock, two semaphores and a queue, and 100,000 timers at once, twice
// (native, WASI, Emscripten; a fifth of that under ASan).
// It passes or fails on counts and invariants only (the program checks
// them and says so in its SOAK line); the times and bytes are printed here
// and tabled by `make bench`, never judged.
// SOAK_ARGS="tasks timers rounds" changes the counts (`make soak`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../support/hosts.mjs';

const args = (process.env.SOAK_ARGS ?? '').split(/\s+/).filter(Boolean);
// Under ASan (there for memory errors at scale, with a quarantine that
// makes a million tasks slow and big) a fifth of the counts, unless set.
const asanArgs = args.length ? args : ['200000', '20000', '2'];

function parseSoak(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('SOAK '));
  return line ? JSON.parse(line.slice(5)) : null;
}

for (const host of ['native', 'asan', 'wasi', 'em']) {
  test(`soak on ${host}`, (t) => {
    const started = Date.now();
    const r = run(host, 'soak', { args: host === 'asan' ? asanArgs : args, timeout: 600000 });
    const took = ((Date.now() - started) / 1000).toFixed(1);
    const s = parseSoak(r.stdout);
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    assert.ok(s, `no SOAK line (status ${r.status} ${r.signal ?? ''}):\n${r.stdout}\n${r.stderr}`);
    assert.deepEqual(fails, []);
    assert.equal(s.failures, 0);
    assert.equal(s.live_after, 0, "Tide's allocator is not back to zero");
    if (host === 'wasi' || host === 'em')
      assert.equal(s.heap_break_last, s.heap_break_first, 'the heap grew on a later round');
    assert.equal(r.status, 0, r.stderr);
    t.diagnostic(
      `${s.tasks} tasks: ${s.tasks_ms.toFixed(0)} ms, peak ${s.tasks_peak_bytes} B; ` +
        `${s.timers} timers: ${s.timers_ms.toFixed(0)} ms, peak ${s.timers_peak_bytes} B; ` +
        `heap break ${s.heap_break_first} -> ${s.heap_break_last}; ${took} s in all`
    );
  });
}
