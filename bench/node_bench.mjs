// node_bench.mjs - the Tide workloads (bench/tidebench.c) in Node.js
// async/await.
//
//   node --expose-gc bench/node_bench.mjs pingpong [switches] [reps] [microtask|immediate|queue]
//   node --expose-gc bench/node_bench.mjs spawn [tasks] [reps] [join|gather]
//   node --expose-gc bench/node_bench.mjs queue [items] [reps]
//   node --expose-gc bench/node_bench.mjs sleepers [tasks] [reps]
//
// Same shape as the C program: one warm-up repetition, then the best of
// `reps`; the last line printed is `BENCH {json}` for bench/run.mjs.
//
// Memory per pending (or sleeping) task, two ways like the C side:
//   own_bytes   process.memoryUsage().heapUsed growth across the spawn, each
//               side read right after a full gc() (needs --expose-gc): the
//               V8 heap objects a pending task keeps alive;
//   heap_bytes  resident set growth during the first, cold spawn: what the
//               process really paid (the V8 heap grows in whole pages).

const hasGc = typeof globalThis.gc === 'function';

// What "yield to the scheduler" means here. JavaScript's scheduler for
// async functions is the microtask queue: `await null` suspends the function
// and lets every other ready continuation run before it resumes, which is
// what asyncio.sleep(0) and tide_sleep(0) do for tasks (none of them lets
// I/O in between). setImmediate goes further, through a full turn of
// libuv's event loop; it is measured as a second, informative variant.
const yieldMicrotask = () => null;
const yieldImmediate = () => new Promise((resolve) => setImmediate(resolve));

async function yielder(n, yieldOnce) {
  for (let i = 0; i < n; i++) await yieldOnce();
}

// A trivial task. An async function runs synchronously up to its first
// await, so a body-less one would be finished before the caller got its
// promise: it could never be "pending". The leading await leaves it where
// asyncio.create_task and tide_spawn leave theirs: created, scheduled to
// run, not run yet.
async function trivial() {
  await null;
}

// Node has no asyncio.Queue, so the queue workloads use this stand-in: the
// least code that keeps asyncio.Queue's protocol for a bounded FIFO. put()
// waits while the channel is full and get() while it is empty; every put
// wakes the first waiting getter and every get the first waiting putter,
// and a woken side checks again before it acts, as in CPython's queues.py.
// A waiter is a promise whose resolve function sits in a FIFO. It has no
// task_done/join, shutdown or cancellation (no benchmark uses them), so it
// does less per item than asyncio.Queue or Tide's queue, never more. put
// and get are async, as asyncio.Queue's are coroutines; in JS an await
// always suspends, so `await ch.put(x)` costs a microtask hop even when
// the channel has room, where asyncio and Tide carry on without one.
class Channel {
  constructor(maxsize) {
    this.maxsize = maxsize;
    this.items = [];
    this.getters = [];
    this.putters = [];
  }

  async put(item) {
    while (this.items.length >= this.maxsize) {
      await new Promise((resolve) => this.putters.push(resolve));
    }
    this.items.push(item);
    if (this.getters.length) this.getters.shift()();
  }

  async get() {
    while (this.items.length === 0) {
      await new Promise((resolve) => this.getters.push(resolve));
    }
    const item = this.items.shift();
    if (this.putters.length) this.putters.shift()();
    return item;
  }
}

// One end of the channel ping-pong (tidebench.c's passer): with both
// channels bounded at 1 and one token, only its holder has work, so each
// hand-over is one wake-up through a channel.
async function passer(inCh, outCh, serves, n) {
  let token = 'token';
  for (let i = 0; i < n; i++) {
    if (!serves) token = await inCh.get();
    await outCh.put(token);
    if (serves) token = await inCh.get();
  }
  if (token !== 'token') throw new Error('passer: the token changed');
}

// Runs `once` reps + 1 times; returns [best ns, warm-up ns].
async function bestOf(reps, once) {
  let best = Infinity;
  let warm = 0;
  for (let rep = 0; rep <= reps; rep++) {
    const t0 = performance.now();
    await once();
    const dt = (performance.now() - t0) * 1e6;
    if (rep === 0) warm = dt;
    else best = Math.min(best, dt);
  }
  return [best, warm];
}

const MECHANISMS = {
  microtask: 'await null (microtask)',
  immediate: 'await setImmediate promise',
  queue: 'two bounded channels (maxsize 1)',
};

async function pingpong(n, reps, how) {
  const yieldOnce = how === 'immediate' ? yieldImmediate : yieldMicrotask;
  const ab = new Channel(1);
  const ba = new Channel(1);
  const [best, warm] = await bestOf(reps, async () => {
    const a = how === 'queue' ? passer(ba, ab, true, n / 2) : yielder(n / 2, yieldOnce);
    const b = how === 'queue' ? passer(ab, ba, false, n / 2) : yielder(n / 2, yieldOnce);
    await a;
    await b;
  });
  return {
    workload: 'pingpong',
    mechanism: MECHANISMS[how],
    n,
    reps,
    ns_per_switch: best / n,
    warmup_ns_per_switch: warm / n,
  };
}

// 1..n: their sum tells the consumer whether one went missing.
async function producer(ch, n) {
  for (let i = 1; i <= n; i++) await ch.put(i);
}

async function consumer(ch, n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += await ch.get();
  if (total !== (n * (n + 1)) / 2) throw new Error('consumer: an item went missing');
}

async function queueThroughput(n, reps) {
  const ch = new Channel(1);
  const [best, warm] = await bestOf(reps, async () => {
    const p = producer(ch, n);
    const c = consumer(ch, n);
    await p;
    await c;
  });
  return {
    workload: 'queue',
    mechanism: 'bounded channel (maxsize 1)',
    n,
    reps,
    ns_per_item: best / n,
    warmup_ns_per_item: warm / n,
  };
}

// tidebench.c's sleeper_delay, in ms (why these delays: see there): 1 ms
// plus 0-999 us, scattered. Node keeps the fraction of a millisecond: a
// timer list per distinct duration, each list on a libuv timer.
const sleeperDelayMs = (i) => 1 + ((i * 7919) % 1000) / 1000;

// The usual promise around setTimeout (timers/promises' setTimeout does
// more: AbortSignal and ref options). Unlike a Tide or asyncio task, an
// async function runs at once up to its first await, so this sleeper has
// armed its timer before the spawning loop moves on to the next one.
async function sleeper(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepersOnce(n, tasks, probe) {
  let t0 = performance.now();
  for (let i = 0; i < n; i++) tasks[i] = sleeper(sleeperDelayMs(i));
  // One yield, as in C and Python (here the sleepers sleep already).
  await null;
  let measured;
  if (probe) {
    const p0 = performance.now();
    measured = probe();
    t0 += performance.now() - p0; // the probe's time is left out
  }
  for (let i = 0; i < n; i++) await tasks[i];
  for (let i = 0; i < n; i++) tasks[i] = undefined;
  return { total: (performance.now() - t0) * 1e6, measured };
}

async function sleepers(n, reps) {
  const tasks = new Array(n).fill(undefined);
  const rss0 = (heapUsedAfterGc(), process.memoryUsage().rss);
  let heapBytes = NaN;
  let warm = 0;
  let best = Infinity;
  for (let rep = 0; rep <= reps; rep++) {
    if (rep === 0) {
      const r = await sleepersOnce(n, tasks, () => process.memoryUsage().rss);
      heapBytes = (r.measured - rss0) / n;
      warm = r.total;
      continue;
    }
    best = Math.min(best, (await sleepersOnce(n, tasks)).total);
  }
  // heapUsed pass: untimed.
  const before = heapUsedAfterGc();
  const r = await sleepersOnce(n, tasks, heapUsedAfterGc);
  return {
    workload: 'sleepers',
    clock: 'real',
    n,
    reps,
    ns_per_task: best / n,
    warmup_ns_per_task: warm / n,
    own_bytes_per_task: hasGc ? (r.measured - before) / n : null,
    own_method: 'heapUsed after gc()',
    heap_bytes_per_task: heapBytes,
    heap_method: 'RSS growth, cold heap',
  };
}

function heapUsedAfterGc() {
  if (!hasGc) return NaN;
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function spawnOnce(n, gather, tasks, probe) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tasks[i] = trivial();
  const spawnMs = performance.now() - t0;
  const measured = probe ? probe() : undefined;
  const t1 = performance.now();
  if (gather) {
    await Promise.all(tasks);
  } else {
    for (let i = 0; i < n; i++) await tasks[i];
  }
  // Dropping the promises lets the collector free them (later, on its own
  // schedule: unlike C and CPython, that cost is not inside the timing).
  for (let i = 0; i < n; i++) tasks[i] = undefined;
  return { total: (spawnMs + performance.now() - t1) * 1e6, spawn: spawnMs * 1e6, measured };
}

async function spawn(n, reps, gather) {
  // The handle array is the benchmark's: make it full-size (and of generic
  // elements) before any measurement, so storing a promise never grows it.
  const tasks = new Array(n).fill(undefined);
  const rss0 = (heapUsedAfterGc(), process.memoryUsage().rss);
  let heapBytes = NaN;
  let warm = 0;
  let best = Infinity;
  let bestSpawn = 0;
  for (let rep = 0; rep <= reps; rep++) {
    if (rep === 0) {
      const r = await spawnOnce(n, gather, tasks, () => process.memoryUsage().rss);
      heapBytes = (r.measured - rss0) / n;
      warm = r.total;
      continue;
    }
    const r = await spawnOnce(n, gather, tasks);
    if (r.total < best) {
      best = r.total;
      bestSpawn = r.spawn;
    }
  }
  // heapUsed pass: untimed, since gc() with a million live tasks is slow.
  const before = heapUsedAfterGc();
  const r = await spawnOnce(n, gather, tasks, heapUsedAfterGc);
  return {
    workload: 'spawn',
    mode: gather ? 'gather' : 'join',
    n,
    reps,
    ns_per_task: best / n,
    spawn_ns_per_task: bestSpawn / n,
    warmup_ns_per_task: warm / n,
    own_bytes_per_task: hasGc ? (r.measured - before) / n : null,
    own_method: 'heapUsed after gc()',
    heap_bytes_per_task: heapBytes,
    heap_method: 'RSS growth, cold heap',
  };
}

// name: [default n, variants (the first is the default)]
const WORKLOADS = {
  pingpong: [2_000_000, ['microtask', 'immediate', 'queue']],
  spawn: [1_000_000, ['join', 'gather']],
  queue: [1_000_000, [undefined]],
  sleepers: [100_000, ['real']],
};

async function main(argv) {
  const [what, nArg, repsArg, mode] = argv;
  if (!Object.hasOwn(WORKLOADS, what)) {
    console.error('usage: node --expose-gc bench/node_bench.mjs pingpong|spawn|queue|sleepers [n] [reps] [variant]');
    return 2;
  }
  const [defaultN, variants] = WORKLOADS[what];
  const n = Number(nArg ?? defaultN);
  const reps = Number(repsArg ?? 3);
  const how = mode ?? variants[0];
  if (!variants.includes(how)) return 2;
  let r;
  if (what === 'pingpong') {
    r = await pingpong(n, reps, how);
    console.log(`node pingpong: ${n} switches (${r.mechanism}), best of ${reps}: ` +
      `${r.ns_per_switch.toFixed(1)} ns/switch`);
  } else if (what === 'queue') {
    r = await queueThroughput(n, reps);
    console.log(`node queue: ${n} items through a ${r.mechanism}, best of ${reps}: ` +
      `${r.ns_per_item.toFixed(1)} ns/item`);
  } else if (what === 'sleepers') {
    r = await sleepers(n, reps);
    console.log(`node sleepers: ${n} tasks sleeping 1-2 ms (real clock), best of ${reps}: ` +
      `${r.ns_per_task.toFixed(1)} ns/task; ${r.own_bytes_per_task?.toFixed(0)} heapUsed bytes/task, ` +
      `${r.heap_bytes_per_task.toFixed(0)} RSS bytes/task`);
  } else {
    r = await spawn(n, reps, how === 'gather');
    console.log(`node spawn+${how}: ${n} tasks, best of ${reps}: ${r.ns_per_task.toFixed(1)} ns/task ` +
      `(spawn ${r.spawn_ns_per_task.toFixed(1)}); ${r.own_bytes_per_task?.toFixed(0)} heapUsed bytes/task, ` +
      `${r.heap_bytes_per_task.toFixed(0)} RSS bytes/task`);
  }
  if (!hasGc && (what === 'spawn' || what === 'sleepers')) console.log('(run with --expose-gc for heapUsed bytes)');
  r.host = 'node';
  r.version = process.version;
  console.log(`BENCH ${JSON.stringify(r)}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
