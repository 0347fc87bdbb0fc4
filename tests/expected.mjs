// expected.mjs - what each example prints, shared by the host and browser tests.
//
// One deliberate difference from the tutorial's own listing: the tutorial
// shows "A started" before "Tasks are running...", claiming that creating a
// task starts it at once. CPython (and Tide) start a task only when its
// creator next yields (checklist TASK-01); the order below is what
// `python3` prints for the tutorial's program.
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
