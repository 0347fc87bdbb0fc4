// examples.test.mjs - every example prints the tutorial's lines, in the
// order CPython prints them, on every host, with the virtual clock.
//
// One deliberate difference from the tutorial's own listing: the tutorial
// shows "A started" before "Tasks are running...", claiming that creating a
// task starts it at once. CPython (and Tide) start a task only when its
// creator next yields (checklist TASK-01); the order below is what
// `python3` prints for the tutorial's program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTS, run } from './hosts.mjs';

export const EXPECTED = {
  tasks: [
    'Tasks are running...',
    'A started',
    'B started',
    'C started',
    'B finished',
    'C finished',
    'A finished',
    "['A result', 'B result', 'C result']",
  ],
  inspect: ['Task-2', 'False', 'False', 'A started', 'False', 'A finished', 'True', 'A result'],
  cancel: ['Long task started', 'Long task was cancelled — cleaning up', 'Task cancelled successfully'],
};

for (const host of HOSTS) {
  for (const [name, lines] of Object.entries(EXPECTED)) {
    test(`example ${name} on ${host}`, () => {
      const r = run(host, name, { env: { TIDE_CLOCK: 'virtual' } });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split('\n'), lines);
      assert.equal(r.stderr, '');
    });
  }
}
