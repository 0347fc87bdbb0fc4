// page-churn.mjs - the live page while examples/churn.c runs (100,000
// tasks), measured in headless Chromium as tests/browser/page.test.mjs
// runs it (virtual clock, then real time, each with its replay): V8's
// garbage collections on the page's main thread and the tasks there, from
// a Chromium trace, with the machine's load average.
//   node bench/page-churn.mjs [rounds]      (default 3; needs `make em dist page`)
//
// The tasks are those tests/support/main-thread-cpu.mjs reads from the
// trace (each of the main thread's tasks with its microtask checkpoint, its
// CPU time and its wall time), as the page test judges them: the one that
// used the most CPU and the count over 50 ms of CPU, then, for information,
// the longest in wall time and the count over 50 ms of wall time. The
// collections are devtools.timeline's MinorGC (scavenges) and MajorGC
// (mark-compacts) on that thread, with their wall time. For the task with
// the most CPU, the longest one and every task over 50 ms (either clock)
// it prints what they held (the events of 3 ms or more inside them), with
// their CPU time: a task whose wall time is far above its CPU time waited
// for a core. Not part of `make bench` (docs/design.md, "The trace without
// garbage", has its numbers).
import os from 'node:os';
import { launchChromium } from '../tests/support/chromium.mjs';
import { measure, most, overCpu } from '../tests/support/main-thread-cpu.mjs';
import { start } from '../web/dev/serve.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const LONG_MS = 50; // a long task, as tests/browser/page.test.mjs counts it (CPU) and the Long Tasks API (wall)
const ms = (us) => (us / 1000).toFixed(1);
const server = await start(0);
console.log(`churn on the live page: ${ROUNDS} rounds, each in a fresh browser (virtual clock, then real time, replays included)`);
try {
  for (let round = 1; round <= ROUNDS; round++) console.log(`  round ${round}: ${await oneRound()}`);
} finally {
  await server.close();
}

// A fresh browser each time: its heap starts small, as in the page test
// (a second run in the same renderer has a grown young generation).
async function oneRound() {
  const browser = await launchChromium({ viewport: { width: 1280, height: 900 }, defaultTimeout: 120_000 });
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.evaluate(() => import('/dist/tide.mjs').then((m) => m.loadExample('churn')));
    const load0 = os.loadavg()[0];
    const { trace, tasks } = await measure(browser.context, page, async () => {
      for (const clock of ['virtual', 'real']) {
        await page.setChecked('#churn input.virtual', clock === 'virtual');
        await page.click('#churn button.run');
        // (polled 10 times a second: the bench's polling runs on the thread it measures)
        await page.waitForFunction(() => document.getElementById('churn').dataset.state === 'done', null, { polling: 100 });
        const outcome = await page.evaluate(() => document.getElementById('churn').dataset.outcome);
        if (outcome !== 'ok') throw new Error(`churn (${clock}) ended with ${outcome}`);
      }
    }, { categories: ['devtools.timeline', 'v8'] });
    const load1 = os.loadavg()[0];
    const r = summarize(trace, tasks);
    const show = (t) => `${t.cpu.toFixed(1)} ms CPU (${t.wall.toFixed(1)} ms wall)`;
    return `load ${load0.toFixed(2)} -> ${load1.toFixed(2)}: ` +
      `${r.minor.n} scavenges (${ms(r.minor.wall)} ms, longest ${ms(r.minor.max)}), ` +
      `${r.major.n} mark-compacts (${ms(r.major.wall)} ms, longest ${ms(r.major.max)}), ` +
      `${r.marking.n} marking steps (${ms(r.marking.wall)} ms); ` +
      `${tasks.length} tasks, most CPU ${show(r.busiest)}, ${r.overCpu} over ${LONG_MS} ms CPU; ` +
      `longest ${r.longest.wall.toFixed(1)} ms wall (${r.longest.cpu.toFixed(1)} ms CPU), ${r.overWall} over ${LONG_MS} ms wall` +
      r.inside.map((x) => `\n    a task of ${x}`).join('');
  } finally {
    await browser.close();
  }
}

// The main thread's collections (µs) and what its notable tasks held.
function summarize(trace, tasks) {
  const mine = trace.events.filter((e) => e.pid === trace.thread.pid && e.tid === trace.thread.tid && e.ph === 'X');
  const gc = (name) => {
    const xs = mine.filter((e) => e.name === name);
    return { n: xs.length, wall: xs.reduce((sum, e) => sum + e.dur, 0), max: Math.max(0, ...xs.map((e) => e.dur)) };
  };
  const busiest = most(tasks, 'cpu');
  const longest = most(tasks, 'wall');
  const cpu = (e) => (e.tdur !== undefined ? ` (cpu ${ms(e.tdur)})` : '');
  const held = (t) => mine.filter((e) => e.ts >= t.start && e.ts + e.dur <= t.end && e.dur >= 3000 && e.name !== 'ThreadControllerImpl::RunTask');
  const inside = tasks.filter((t) => t === busiest || t === longest || t.cpu > LONG_MS || t.wall > LONG_MS).map((t) =>
    `${t.wall.toFixed(1)} ms wall, ${t.cpu.toFixed(1)} ms CPU: ${held(t).map((e) => `${e.name} ${ms(e.dur)}${cpu(e)}`).join(', ')}`);
  return {
    minor: gc('MinorGC'),
    major: gc('MajorGC'),
    marking: gc('V8.GCIncrementalMarking'),
    busiest,
    longest,
    overCpu: overCpu(tasks, LONG_MS).length,
    overWall: tasks.filter((t) => t.wall > LONG_MS).length,
    inside,
  };
}
