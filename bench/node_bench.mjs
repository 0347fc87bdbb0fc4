// node_bench.mjs - the Tide workloads (bench/tidebench.c) in Node.js
// async/await.
//
//   node --expose-gc bench/node_bench.mjs pingpong [switches] [reps] [microtask|immediate]
//   node --expose-gc bench/node_bench.mjs spawn [tasks] [reps] [join|gather]
//
// Same shape as the C program: one warm-up repetition, then the best of
// `reps`; the last line printed is `BENCH {json}` for bench/run.mjs.
//
// Memory per pending task, two ways like the C side:
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

async function pingpong(n, reps, how) {
  const yieldOnce = how === 'immediate' ? yieldImmediate : yieldMicrotask;
  let best = Infinity;
  let warm = 0;
  for (let rep = 0; rep <= reps; rep++) {
    const t0 = performance.now();
    const a = yielder(n / 2, yieldOnce);
    const b = yielder(n / 2, yieldOnce);
    await a;
    await b;
    const dt = (performance.now() - t0) * 1e6;
    if (rep === 0) warm = dt;
    else best = Math.min(best, dt);
  }
  return {
    workload: 'pingpong',
    mechanism: how === 'immediate' ? 'await setImmediate promise' : 'await null (microtask)',
    n,
    reps,
    ns_per_switch: best / n,
    warmup_ns_per_switch: warm / n,
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

async function main(argv) {
  const [what, nArg, repsArg, mode] = argv;
  if (what !== 'pingpong' && what !== 'spawn') {
    console.error('usage: node --expose-gc bench/node_bench.mjs pingpong|spawn [n] [reps] [variant]');
    return 2;
  }
  const n = Number(nArg ?? (what === 'pingpong' ? 2_000_000 : 1_000_000));
  const reps = Number(repsArg ?? 3);
  let r;
  if (what === 'pingpong') {
    const how = mode ?? 'microtask';
    if (how !== 'microtask' && how !== 'immediate') return 2;
    r = await pingpong(n, reps, how);
    console.log(`node pingpong: ${n} switches (${r.mechanism}), best of ${reps}: ` +
      `${r.ns_per_switch.toFixed(1)} ns/switch`);
  } else {
    const how = mode ?? 'join';
    if (how !== 'join' && how !== 'gather') return 2;
    r = await spawn(n, reps, how === 'gather');
    console.log(`node spawn+${how}: ${n} tasks, best of ${reps}: ${r.ns_per_task.toFixed(1)} ns/task ` +
      `(spawn ${r.spawn_ns_per_task.toFixed(1)}); ${r.own_bytes_per_task?.toFixed(0)} heapUsed bytes/task, ` +
      `${r.heap_bytes_per_task.toFixed(0)} RSS bytes/task`);
    if (!hasGc) console.log('(run with --expose-gc for heapUsed bytes)');
  }
  r.host = 'node';
  r.version = process.version;
  console.log(`BENCH ${JSON.stringify(r)}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
