// expected.mjs - what each example prints, shared by the host and browser tests.
//
// One deliberate difference from the tutorial's own listing: the tutorial
// shows "A started" before "Tasks are running...", claiming that creating a
// task starts it at once. CPython (and Tide) start a task only when its
// creator next yields (checklist TASK-01); the order below is what
// `python3` prints for the tutorial's program.
export const EXPECTED = {
  // to_thread: blocking_operation(21) sleeps 2 s on a thread (natively), or
  // inline (WASI, Emscripten without pthreads): the same line either way.
  to_thread: ['42'],
  taskgroup: ['Data from database', 'Data from API', 'Data from cache'],
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
  // queue: the random delays come from the example's own seeded generator;
  // CPython with the same generator and a virtual clock prints the same.
  queue: [
    'Produced: item-0',
    '  Consumer-A consumed: item-0',
    'Produced: item-1',
    '  Consumer-B consumed: item-1',
    'Produced: item-2',
    '  Consumer-A consumed: item-2',
    'Produced: item-3',
    '  Consumer-B consumed: item-3',
    'Produced: item-4',
    '  Consumer-A consumed: item-4',
    'Produced: item-5',
    '  Consumer-B consumed: item-5',
    'Produced: item-6',
    '  Consumer-A consumed: item-6',
    'Produced: item-7',
    '  Consumer-B consumed: item-7',
  ],
  // queue_methods: each call, what it gave, and the queue's state after
  // (the same calls on asyncio.Queue(maxsize=10) give the same: QueueEmpty,
  // ValueError for the task_done too many, QueueFull).
  queue_methods: [
    'await put(job-1)    -> ok               qsize() = 1, empty() = 0, full() = 0',
    'put_nowait(job-2)   -> ok               qsize() = 2, empty() = 0, full() = 0',
    'await get()         -> job-1            qsize() = 1, empty() = 0, full() = 0',
    'get_nowait()        -> job-2            qsize() = 0, empty() = 1, full() = 0',
    'get_nowait()        -> TIDE_EQUEUEEMPTY qsize() = 0, empty() = 1, full() = 0',
    'task_done()         -> ok               qsize() = 0, empty() = 1, full() = 0',
    'task_done()         -> ok               qsize() = 0, empty() = 1, full() = 0',
    'await join()        -> ok               qsize() = 0, empty() = 1, full() = 0',
    'task_done()         -> TIDE_EOVERFLOW   qsize() = 0, empty() = 1, full() = 0',
    'put_nowait(job)     -> TIDE_EQUEUEFULL  qsize() = 10, empty() = 0, full() = 1',
  ],
  lock: [
    'Task-0: counter is now 1',
    'Task-1: counter is now 2',
    'Task-2: counter is now 3',
    'Task-3: counter is now 4',
    'Task-4: counter is now 5',
    'Final counter: 5',
  ],
  // The tutorial elides the middle; CPython prints every fetch, then a
  // blank line (the "\n" of the last print).
  semaphore: [
    ...Array.from({ length: 10 }, (_, i) => `Fetching https://api.example.com/item/${i}`),
    '',
    'Fetched 10 URLs in 4.0s',
  ],
  // churn: 100,000 tasks in waves of 1,000, each sleeping 10 ms; the
  // virtual clock makes the total exact.
  churn: [
    'Churning through 100000 tasks, 1000 at a time',
    ...Array.from({ length: 10 }, (_, i) => `  ${(i + 1) * 10000} tasks finished`),
    'All 100000 tasks finished in 1.00 s of loop time',
  ],
  event: [
    'Worker A waiting for signal...',
    'Worker B waiting for signal...',
    'Worker C waiting for signal...',
    'Preparing...',
    'Sending signal!',
    'Worker A received signal — proceeding',
    'Worker B received signal — proceeding',
    'Worker C received signal — proceeding',
  ],
};

// Examples that need something the every-host run above cannot give them,
// and the test that covers them instead. http_client needs a server (a
// local one, started by that test) and real time; off the web it only says
// "not supported on this host", which that test checks too.
export const ELSEWHERE = {
  http_client: 'tests/js/host.test.mjs (Node), tests/browser/host-browser.test.mjs (Chromium) and tests/browser/page.test.mjs (the live page, against its fake API)',
};
