// main-thread-cpu.mjs - the tasks a page's main thread ran while a Chromium
// trace was recording, each with the CPU time it used: the measure behind
// "no task over 50 ms on the main thread" (tests/browser/page.test.mjs).
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
 * Starts a trace; `stop()` ends it and returns the page's main-thread
 * tasks in order: { name, start (µs, the trace's clock), wall, cpu (ms) }.
 */
export async function traceMainThread(context, page) {
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => {
    for (const e of value) events.push(e);
  });
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
  return {
    async stop() {
      // the page's own mark names its renderer and main thread in the trace
      const mark = `main-thread-cpu-${process.pid}-${Date.now()}`;
      await page.evaluate((m) => performance.mark(m), mark);
      const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      return mainThreadTasks(events, mark);
    },
  };
}

/** The tasks of the thread that recorded the user-timing mark `mark`. */
export function mainThreadTasks(events, mark) {
  const m = events.find((e) => e.name === mark && e.cat === 'blink.user_timing');
  if (!m) throw new Error(`the trace has no mark ${mark}: was category blink.user_timing recorded?`);
  const thread = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === m.pid && e.tid === m.tid);
  if (thread?.args.name !== 'CrRendererMain')
    throw new Error(`the page's mark is on thread ${m.pid}/${m.tid} named ${thread?.args.name}, not CrRendererMain`);
  // the thread's "toplevel" slices (a trace with more categories may wrap
  // them in others), parents before their children: by start, then longest
  const slices = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' &&
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
  return tasks.map(({ name, start, end: stop, cpuUs }) => ({ name, start, wall: (stop - start) / 1000, cpu: cpuUs / 1000 }));
}

/** The tasks that used more than `ms` of CPU. */
export const overCpu = (tasks, ms) => tasks.filter((t) => t.cpu > ms);

/** A line for a test's diagnostics: the `n` tasks that used the most CPU, and the `n` longest in wall time. */
export function worstTasks(tasks, n = 3) {
  const show = (t) => `${t.cpu.toFixed(1)} ms CPU / ${t.wall.toFixed(1)} ms wall`;
  const top = (key) => [...tasks].sort((a, b) => b[key] - a[key]).slice(0, n).map(show).join(', ');
  return `${tasks.length} tasks; most CPU: ${top('cpu')}; longest: ${top('wall')}`;
}
