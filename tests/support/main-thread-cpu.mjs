// main-thread-cpu.mjs - the tasks a page's main thread ran while a Chromium
// trace was recording, each with the CPU time it used: the measure behind
// "no task over 50 ms on the main thread" in the page's tests
// (tests/browser/page.test.mjs, playground.test.mjs) and the one parser of
// such traces for its benchmarks (bench/page-churn.mjs, page-compile.mjs).
//
// Why CPU time: the Long Tasks API, like a trace's `dur`, counts wall time,
// and on a loaded machine the renderer waits for a core in the middle of a
// task; a turn that used 5 ms of CPU then shows as 70 ms. What the page
// decides is how much work one task does, so that is what is measured: the
// trace's thread time (`tdur`, the thread's CPU clock read at a task's
// start and end), which does not advance while the thread is off a core.
//
// A task is a top-level ThreadControllerImpl::RunTask slice (category
// "toplevel") on the renderer main thread that ran the page's mark, together
// with the top-level slices Blink runs right after it before the next one
// (its microtask checkpoint, where a promise's continuations run: work of
// the same task, outside the RunTask slice).
//
// Some slices of a microsecond or two have no `tdur` (611 of 4,758 in one
// trace of churn; none longer): Perfetto may skip reading the thread clock
// for an event that comes right after its last reading (its thread-time
// subsampling). Such a slice is counted at its wall time, which bounds its
// CPU time. A longer slice without `tdur` is an error: then the thread
// clock was not recorded, and wall time says nothing about the page's work.
// A task's CPU time can come out a little above its wall time (up to 1.5 ms
// seen: the two clocks are not read at the same instant), on the safe side.

const CATEGORIES = ['toplevel', 'blink.user_timing'];
const TASK = 'ThreadControllerImpl::RunTask';
// the longest slice (µs) whose missing thread time its wall time may stand for
const UNTIMED_MAX_US = 20;

/**
 * Starts a trace of `page` (with `categories` recorded besides those the
 * measure needs). `stop()` ends it and returns the page's main-thread tasks
 * in order: { name, start, end (µs, the trace's clock), wall, cpu (ms) };
 * after it, `events` holds every event recorded and `thread` the main
 * thread's { pid, tid }. Calling `stop()` again returns the same answer: a
 * trace left running keeps the browser's one tracing session, and the next
 * Tracing.start anywhere in it fails, so every path out ends it (`measure`
 * below does so when the measured code throws).
 */
export async function traceMainThread(context, page, { categories = [] } = {}) {
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => {
    for (const e of value) events.push(e);
  });
  try {
    await cdp.send('Tracing.start', {
      traceConfig: { includedCategories: [...new Set([...CATEGORIES, ...categories])] },
      transferMode: 'ReportEvents',
    });
  } catch (e) {
    await cdp.detach().catch(() => {});
    throw e;
  }
  let stopping;
  const trace = { events, thread: null, stop: () => (stopping ??= end()) };
  async function end() {
    // the page's own mark names its renderer and main thread in the trace
    const mark = `main-thread-cpu-${process.pid}-${Date.now()}`;
    let marked = false;
    try {
      await page.evaluate((m) => performance.mark(m), mark);
      marked = true;
    } finally {
      // ended even when the page could not mark (closed, crashed), whose
      // error is then the one reported; the detach would end it too
      try {
        const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
        await cdp.send('Tracing.end');
        await complete;
      } catch (e) {
        if (marked) throw e;
      } finally {
        await cdp.detach().catch(() => {});
      }
    }
    trace.thread = mainThread(events, mark);
    return mainThreadTasks(events, trace.thread);
  }
  return trace;
}

/**
 * Runs `fn` (the code to measure, which drives `page`) while a trace
 * records: { result (what `fn` returned), tasks (as `stop()` gives them),
 * trace }. The trace is ended whether or not `fn` throws; its error is the
 * one reported.
 */
export async function measure(context, page, fn, options) {
  const trace = await traceMainThread(context, page, options);
  let result;
  try {
    result = await fn();
  } catch (e) {
    await trace.stop().catch(() => {});
    throw e;
  }
  return { result, tasks: await trace.stop(), trace };
}

/** The page's main thread, { pid, tid }: the thread that recorded the user-timing mark `mark`. */
export function mainThread(events, mark) {
  const m = events.find((e) => e.name === mark && e.cat === 'blink.user_timing');
  if (!m) throw new Error(`the trace has no mark ${mark}: was category blink.user_timing recorded?`);
  const thread = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === m.pid && e.tid === m.tid);
  if (thread?.args.name !== 'CrRendererMain')
    throw new Error(`the page's mark is on thread ${m.pid}/${m.tid} named ${thread?.args.name}, not CrRendererMain`);
  return { pid: m.pid, tid: m.tid };
}

/** The tasks of the thread { pid, tid } (see the top of this file). */
export function mainThreadTasks(events, { pid, tid }) {
  // the thread's "toplevel" slices (a trace with more categories may wrap
  // them in others), parents before their children: by start, then longest
  const slices = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' &&
    e.cat.split(',').includes('toplevel'))
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const tasks = [];
  let end = -Infinity; // of the last top-level slice
  for (const e of slices) {
    if (e.ts < end) continue; // inside a slice already counted
    end = e.ts + e.dur;
    let cpu = e.tdur;
    if (cpu === undefined) {
      if (e.dur > UNTIMED_MAX_US)
        throw new Error(`${e.name} at ${e.ts} µs ran ${e.dur} µs without a thread time (tdur): ` +
          'the trace did not record the thread clock, so CPU time cannot be told from wall time');
      cpu = e.dur;
    }
    const task = tasks.at(-1);
    if (e.name === TASK || !task) tasks.push({ name: e.name, start: e.ts, end, cpuUs: cpu });
    else Object.assign(task, { end, cpuUs: task.cpuUs + cpu });
  }
  if (tasks.length && !tasks.some((t) => t.name === TASK))
    throw new Error(`no ${TASK} on the page's main thread: Chromium names its tasks otherwise now`);
  return tasks.map(({ name, start, end: stop, cpuUs }) => ({ name, start, end: stop, wall: (stop - start) / 1000, cpu: cpuUs / 1000 }));
}

/**
 * The spans of the page's user-timing measure `name` (performance.measure)
 * in `trace` after its `stop()`, in order: { start, end } (µs, the trace's
 * clock, as the tasks').
 */
export function spans(trace, name) {
  if (!trace.thread) throw new Error(`spans of ${name} asked of a trace not stopped (or whose stop failed)`);
  const open = new Map();
  const found = [];
  for (const e of trace.events.filter((x) => x.name === name && x.pid === trace.thread.pid &&
    x.cat === 'blink.user_timing' && (x.ph === 'b' || x.ph === 'e')).sort((a, b) => a.ts - b.ts)) {
    const id = e.id ?? e.id2?.local ?? e.id2?.global;
    if (e.ph === 'b') open.set(id, found.push({ start: e.ts, end: undefined }) - 1);
    else if (open.has(id)) found[open.get(id)].end = e.ts;
  }
  const unended = found.findIndex((s) => s.end === undefined);
  if (unended >= 0) throw new Error(`span ${unended + 1} of ${found.length} of ${name} has no end in the trace`);
  return found;
}

/** The tasks that ran at least partly within `span` ({ start, end }, µs). */
export const within = (tasks, span) => tasks.filter((t) => t.start < span.end && t.end > span.start);

/** The tasks that used more than `ms` of CPU. */
export const overCpu = (tasks, ms) => tasks.filter((t) => t.cpu > ms);

/** The task with the most of `key` ('cpu' or 'wall'), or undefined if there are none. */
export const most = (tasks, key) => tasks.reduce((m, t) => (!m || t[key] > m[key] ? t : m), undefined);

/** A line for a test's diagnostics: the `n` tasks that used the most CPU, and the `n` longest in wall time. */
export function worstTasks(tasks, n = 3) {
  const show = (t) => `${t.cpu.toFixed(1)} ms CPU / ${t.wall.toFixed(1)} ms wall`;
  const top = (key) => [...tasks].sort((a, b) => b[key] - a[key]).slice(0, n).map(show).join(', ');
  return `${tasks.length} tasks; most CPU: ${top('cpu')}; longest: ${top('wall')}`;
}
