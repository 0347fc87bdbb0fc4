// page-churn.mjs - the live page while examples/churn.c runs (100,000
// tasks), measured in headless Chromium as tests/browser/page.test.mjs
// runs it (virtual clock, then real time, each with its replay): V8's
// garbage collections on the page's main thread and the longest task
// there, from a Chromium trace, with the machine's load average.
//   node bench/page-churn.mjs [rounds]      (default 3; needs `make em dist page`)
//
// Tasks are the renderer main thread's top-level tasks (category
// "toplevel", so tasks under the Long Tasks API's 50 ms show too); the
// collections are devtools.timeline's MinorGC (scavenges) and MajorGC
// (mark-compacts) on that thread, with their wall time. For the longest
// task and every task over 50 ms it prints what they held (the events of
// 3 ms or more inside them), with their CPU time: a task whose wall time is
// far above its CPU time waited for a core. Not part of `make bench`
// (docs/design.md, "The trace without garbage", has its numbers).
import os from 'node:os';
import { launchChromium } from '../tests/support/chromium.mjs';
import { start } from '../web/dev/serve.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
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
    const cdp = await browser.context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
    const traced = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    const load0 = os.loadavg()[0];
    await cdp.send('Tracing.start', {
      traceConfig: { includedCategories: ['toplevel', 'devtools.timeline', 'v8'] },
      transferMode: 'ReportEvents',
    });
    for (const clock of ['virtual', 'real']) {
      await page.setChecked('#churn input.virtual', clock === 'virtual');
      await page.click('#churn button.run');
      // (polled 10 times a second: the bench's polling runs on the thread it measures)
      await page.waitForFunction(() => document.getElementById('churn').dataset.state === 'done', null, { polling: 100 });
      const outcome = await page.evaluate(() => document.getElementById('churn').dataset.outcome);
      if (outcome !== 'ok') throw new Error(`churn (${clock}) ended with ${outcome}`);
    }
    await cdp.send('Tracing.end');
    await traced;
    const load1 = os.loadavg()[0];
    const r = summarize(events);
    return `load ${load0.toFixed(2)} -> ${load1.toFixed(2)}: ` +
      `${r.minor.n} scavenges (${ms(r.minor.wall)} ms, longest ${ms(r.minor.max)}), ` +
      `${r.major.n} mark-compacts (${ms(r.major.wall)} ms, longest ${ms(r.major.max)}), ` +
      `${r.marking.n} marking steps (${ms(r.marking.wall)} ms); ` +
      `${r.tasks} tasks, longest ${ms(r.longest)} ms, ${r.over50} over 50 ms` +
      r.inside.map((x) => `\n    a task of ${x}`).join('');
  } finally {
    await browser.close();
  }
}

// The renderer main thread's collections and top-level tasks (µs).
function summarize(events) {
  const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  // the page's renderer: the one whose main thread ran the most tasks
  const count = (t) => events.filter((e) => e.pid === t.pid && e.tid === t.tid && e.name === 'ThreadControllerImpl::RunTask').length;
  const main = threads.sort((a, b) => count(b) - count(a))[0];
  const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
  const gc = (name) => {
    const xs = mine.filter((e) => e.name === name);
    return { n: xs.length, wall: xs.reduce((s, e) => s + e.dur, 0), max: Math.max(0, ...xs.map((e) => e.dur)) };
  };
  const tasks = [];
  for (const e of mine.filter((e) => e.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts))
    if (!tasks.length || e.ts >= tasks.at(-1).end) tasks.push({ start: e.ts, end: e.ts + e.dur, cpu: e.tdur });
  const lengths = tasks.map((t) => t.end - t.start);
  // what the tasks over 50 ms (and the longest) held: the events inside them of 3 ms or more
  const longest = Math.max(0, ...lengths);
  const cpu = (e) => (e.tdur !== undefined ? ` (cpu ${ms(e.tdur)})` : '');
  const held = (t) => mine.filter((e) => e.ts >= t.start && e.ts + e.dur <= t.end && e.dur >= 3000 && e.name !== 'ThreadControllerImpl::RunTask');
  const inside = tasks.filter((t) => t.end - t.start > 50_000 || t.end - t.start === longest).map((t) =>
    `${ms(t.end - t.start)} ms${cpu({ tdur: t.cpu })}: ${held(t).map((e) => `${e.name} ${ms(e.dur)}${cpu(e)}`).join(', ')}`);
  return {
    minor: gc('MinorGC'),
    major: gc('MajorGC'),
    marking: gc('V8.GCIncrementalMarking'),
    tasks: tasks.length,
    longest,
    over50: lengths.filter((d) => d > 50_000).length,
    inside,
  };
}
