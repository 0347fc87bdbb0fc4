// page.test.mjs - the live documentation page (web/) in headless Chromium,
// served in-process by web/dev/serve.mjs: every example runs from the page and
// prints its expected lines; Stop cancels; the timeline has a row per task
// with the right final state; links reproduce settings; the page stays
// responsive while 100,000 tasks churn (no main-thread task uses 50 ms of
// CPU); nothing fails or leaves the origin.
// Screenshots go to build/artifacts/page-*.png. Needs `make em dist page`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../support/chromium.mjs';
import { measure, overCpu, worstTasks } from '../support/main-thread-cpu.mjs';
import { root } from '../support/hosts.mjs';
import { EXPECTED } from '../support/expected.mjs';
import { start } from '../../web/dev/serve.mjs';
import { STOP_MESSAGE } from '../../web/page/playground.mjs';
import { outcome, latency } from '../../web/dev/fake-api.mjs';

const artifacts = path.join(root, 'build/artifacts');
let server, context, browser;

// Tasks each example makes (the main task included), as the timeline
// should show them: [name, final state] per row, or a count.
const ROWS = {
  tasks: [['Task-1', 'done'], ['worker-A', 'done'], ['worker-B', 'done'], ['worker-C', 'done']],
  inspect: [['Task-1', 'done'], ['Task-2', 'done']],
  cancel: [['Task-1', 'done'], ['Task-2', 'cancelled']],
  taskgroup: [['Task-1', 'done'], ['Task-2', 'done'], ['Task-3', 'done'], ['Task-4', 'done']],
  queue: [['Task-1', 'done'], ['producer', 'done'], ['Task-3', 'done'], ['Task-4', 'done']],
  queue_methods: [['Task-1', 'done']],
  lock: [['Task-1', 'done'], ...[2, 3, 4, 5, 6].map((i) => [`Task-${i}`, 'done'])],
  semaphore: [['Task-1', 'done'], ...Array.from({ length: 10 }, (_, i) => [`Task-${i + 2}`, 'done'])],
  event: [['Task-1', 'done'], ...Array.from({ length: 4 }, (_, i) => [`Task-${i + 2}`, 'done'])],
  to_thread: [['Task-1', 'done']],
  churn: [['Task-1', 'done']], // and 100,000 more, counted in one aggregate row
};

before(async () => {
  for (const f of ['dist/tide.mjs', 'dist/examples/churn.wasm', 'build/page/vendor/speed-highlight/index.js'])
    assert.ok(fs.existsSync(path.join(root, f)), `${f} is missing: run \`make em dist page\` first`);
  server = await start(0);
  browser = await launchChromium({ viewport: { width: 1280, height: 900 }, defaultTimeout: 20_000 });
  context = browser.context;
  fs.mkdirSync(artifacts, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await server?.close();
}, { timeout: 30_000 });

// Opens the page; `problems` collects what went wrong on it. The fake API
// fails and hangs on purpose: its 500s, and the requests the client's
// timeout aborts, are what the rate-limited client is about.
async function open(query = '', hash = '') {
  const page = await context.newPage();
  const problems = [];
  const api = (url) => {
    try {
      return new URL(url).pathname.startsWith('/api/');
    } catch {
      return false;
    }
  };
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(m.location()?.url && api(m.location().url)) && !/status of 500/.test(m.text()))
      problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    if (!api(r.url())) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !(api(r.url()) && r.status() === 500)) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) problems.push(`off-origin request: ${r.url()}`);
    // the compiler comes only when someone edits (playground.test.mjs)
    if (r.url().includes('/vendor/yowasp-clang/')) problems.push(`the compiler was downloaded: ${r.url()}`);
  });
  await page.goto(new URL(`${query}${hash}`, server.url).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return { page, problems };
}

const state = (page, name) => page.evaluate((n) => document.getElementById(n).dataset.state, name);

async function waitState(page, name, states, timeout = 60_000) {
  await page.waitForFunction(([n, s]) => s.includes(document.getElementById(n).dataset.state), [name, states], { timeout });
}

// What an example's section shows.
function shown(page, name) {
  return page.evaluate((n) => {
    const s = document.getElementById(n);
    return {
      state: s.dataset.state,
      outcome: s.dataset.outcome,
      exit: s.dataset.exit,
      status: s.querySelector('.status').textContent,
      lines: [...s.querySelectorAll('.output li')].map((li) => ({
        t: parseFloat(li.querySelector('.stamp').textContent),
        text: li.querySelector('.line').textContent,
        kind: li.className,
      })),
      rows: [...s.querySelectorAll('.tl-labels li:not(.tl-agg)')].map((li) => [li.dataset.name, li.dataset.state]),
      aggregate: { ...(s.querySelector('.tl-agg')?.dataset ?? {}) },
    };
  }, name);
}

// Presses Run and waits for the end; a replay is skipped unless `replay`.
async function run(page, name, { replay = false, timeout = 60_000 } = {}) {
  await page.click(`#${name} button.run`);
  await waitState(page, name, ['replay', 'done'], timeout);
  if (!replay && (await state(page, name)) === 'replay') await page.click(`#${name} button.stop`);
  await waitState(page, name, ['done'], timeout);
  return shown(page, name);
}

const texts = (r) => r.lines.map((l) => l.text);

// Whether the programs' glue can deliver the trace before each line of
// output (web/package/tide.mjs uses it when it is there).
const flushesTrace = fs.existsSync(path.join(root, 'dist/examples/tasks.mjs')) &&
  fs.readFileSync(path.join(root, 'dist/examples/tasks.mjs'), 'utf8').includes('tide_js_trace_flush');

test('the page has a live example for every program in examples/', async () => {
  const { page, problems } = await open();
  const onPage = await page.evaluate(() => [...document.querySelectorAll('.live[data-example]')].map((e) => e.dataset.example));
  const programs = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
  assert.deepEqual([...onPage].sort(), programs.sort());
  // the summary table links to live examples
  const links = await page.evaluate(() => [...document.querySelectorAll('#summary td a')].map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 10);
  for (const href of links) assert.ok(onPage.includes(href.slice(1)), `summary link ${href} has no example`);
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true, 'not cross-origin isolated');
  await page.screenshot({ path: path.join(artifacts, 'page-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
  await page.screenshot({ path: path.join(artifacts, 'page-phone.png'), fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});

test('every example runs in the page and prints its expected lines', { timeout: 180_000 }, async (t) => {
  const { page, problems } = await open();
  for (const [name, lines] of Object.entries(EXPECTED)) {
    await t.test(name, async () => {
      const r = await run(page, name);
      assert.equal(r.outcome, 'ok', r.status);
      assert.equal(r.exit, '0');
      assert.deepEqual(texts(r), lines);
      if (name === 'churn') {
        assert.deepEqual(r.rows, ROWS.churn);
        assert.equal(r.aggregate.done, '100000', 'the aggregate row counts every task');
      } else if (ROWS[name]) {
        assert.deepEqual(r.rows, ROWS[name]);
      }
      const stamps = r.lines.map((l) => l.t);
      assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), 'stamps go back in time');
      if (name === 'tasks' && flushesTrace) {
        // the virtual loop time of each line: exact once the trace is
        // delivered before each line (tide_js_trace_flush in the core)
        assert.deepEqual(stamps, [0, 0, 0, 0, 1, 2, 3, 3]);
      }
      await (await page.$(`#${name}`)).screenshot({ path: path.join(artifacts, `page-${name}.png`) });
    });
  }
  await page.close();
  assert.deepEqual(problems, []);
});

test('the rate-limited client against the fake API', { timeout: 60_000 }, async () => {
  // Failures, hangs and retries, all quick; the fake API decides each
  // attempt's fate from the seed alone, so the lines can be predicted.
  const api = { seed: 7, fail: 0.3, hang: 0.1 };
  const settings = { count: 10, retries: 3, timeout: 0.5, backoff: 0.02, ...api };
  const q = new URLSearchParams(Object.entries(settings).map(([k, v]) => [`http_client.${k}`, String(v)]));
  const { page, problems } = await open(`?${q}`);
  const r = await run(page, 'http_client');
  assert.equal(r.outcome, 'ok', r.status);
  const base = await page.evaluate(() => document.querySelector('#http_client .argv').textContent.match(/base=(\S+)/)[1]);
  const [prefix, query] = base.split('?');
  const url = (n) => `${prefix}/${n}?${query}`;
  const attempts = [];
  const ok = [];
  const failed = [];
  for (let n = 1; n <= settings.count; n++) {
    let got = false;
    for (let k = 1; k <= settings.retries && !got; k++) {
      const fate = outcome(api, n, k);
      if (fate === 'ok') got = true;
      else if (fate === 'hang') attempts.push(`Timeout on attempt ${k} for ${url(n)}`);
      else attempts.push(`Attempt ${k}/${settings.retries} failed for ${url(n)}: HTTP 500 Internal Server Error`);
    }
    (got ? ok : failed).push(n);
  }
  assert.ok(attempts.some((l) => l.startsWith('Timeout')) && attempts.some((l) => l.startsWith('Attempt')) && failed.length,
    'pick a seed that shows a hang, a failure and a post given up');
  const lines = texts(r);
  const summary = lines.findIndex((l) => l.startsWith('Fetched '));
  assert.deepEqual([...lines.slice(0, summary)].sort(), [...attempts].sort());
  assert.match(lines[summary], new RegExp(`^Fetched ${ok.length}/${settings.count} successfully in \\d+\\.\\d\\ds$`));
  const titles = await Promise.all(ok.slice(0, 3).map((n) =>
    fetch(`${server.url}api/posts/${n}?fail=0&run=title-${n}`).then((res) => res.json()).then((p) => p.title)));
  assert.deepEqual(lines.slice(summary + 1), [
    ...ok.slice(0, 3).map((n, i) => `  Post ${n}: ${[...titles[i]].slice(0, 40).join('')}`),
    ...failed.map((n) => `  Failed: ${url(n)}`),
  ]);
  assert.deepEqual(r.rows.map(([, s]) => s), Array(settings.count + 1).fill('done'));
  await (await page.$('#http_client')).screenshot({ path: path.join(artifacts, 'page-http_client.png') });
  await page.close();
  assert.deepEqual(problems, []);
});

test('virtual clock: instant, then replayed at real speed; 4.0 s either way', { timeout: 60_000 }, async () => {
  const { page, problems } = await open();
  await page.click('#semaphore button.run');
  await waitState(page, 'semaphore', ['replay']);
  const t0 = Date.now();
  // the replay draws the timeline up to a moving playhead
  await page.waitForTimeout(1000);
  assert.equal(await state(page, 'semaphore'), 'replay');
  await waitState(page, 'semaphore', ['done'], 10_000);
  const replayed = Date.now() - t0;
  assert.ok(replayed >= 3500 && replayed < 8000, `the replay of 4 s of loop time took ${replayed} ms`);
  const virtual = await shown(page, 'semaphore');
  assert.equal(texts(virtual).at(-1), 'Fetched 10 URLs in 4.0s');

  await page.uncheck('#semaphore input.virtual');
  const started = Date.now();
  const real = await run(page, 'semaphore');
  assert.ok(Date.now() - started >= 3900, 'a real-time run of 4 s ended early');
  // (timers may fire a little late on a machine busy with other work: a
  // tenth of a second of slack over four rounds)
  assert.deepEqual(texts(real).slice(0, -1), EXPECTED.semaphore.slice(0, -1));
  assert.match(texts(real).at(-1), /^Fetched 10 URLs in 4\.[01]s$/);
  assert.match(real.status, /of loop time, \d+ ms of real time/);
  // On the real clock a line's stamp is the loop time it was printed at.
  const stamps = real.lines.filter((l) => l.text.startsWith('Fetching')).map((l) => Math.round(l.t));
  assert.deepEqual(stamps, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
  await page.close();
  assert.deepEqual(problems, []);
});

test('Stop cancels a running example; its tasks end cancelled on the timeline', { timeout: 60_000 }, async () => {
  const { page, problems } = await open('?semaphore.clock=real');
  await page.click('#semaphore button.run');
  // after the first round (1 s): three fetches done, seven waiting or running
  await page.waitForFunction(() => document.querySelectorAll('#semaphore .output li').length >= 4, null, { timeout: 10_000 });
  await page.waitForTimeout(300);
  await page.click('#semaphore button.stop');
  await waitState(page, 'semaphore', ['done'], 10_000);
  const r = await shown(page, 'semaphore');
  assert.equal(r.outcome, 'TIDE_ECANCELLED', r.status);
  assert.ok(r.status.includes(`cancelled: ${STOP_MESSAGE}`), r.status);
  assert.ok(texts(r).includes(`tide: main task failed: cancelled: ${STOP_MESSAGE}`), texts(r).join('|'));
  assert.equal(r.rows.length, 11);
  assert.deepEqual(r.rows[0], ['Task-1', 'cancelled']);
  const states = r.rows.slice(1).map(([, s]) => s);
  assert.ok(states.every((s) => s === 'done' || s === 'cancelled'), states.join());
  assert.ok(states.filter((s) => s === 'done').length >= 3, states.join());
  assert.ok(states.filter((s) => s === 'cancelled').length >= 4, states.join());
  await (await page.$('#semaphore')).screenshot({ path: path.join(artifacts, 'page-semaphore-stopped.png') });
  await page.close();
  assert.deepEqual(problems, []);
});

test('timeline: a failing TaskGroup child, its cancelled sibling, hover details', { timeout: 60_000 }, async () => {
  const { page, problems } = await open('?taskgroup.fail=API');
  const r = await run(page, 'taskgroup');
  assert.equal(r.outcome, 'TIDE_EGROUP', r.status);
  assert.deepEqual(r.rows, [['Task-1', 'failed'], ['Task-2', 'cancelled'], ['Task-3', 'failed'], ['Task-4', 'done']]);
  // leaving the group raised its error, with its story, before any result
  assert.ok(texts(r).some((t) => t.includes('1 of 3 child tasks failed: Task-3: TIDE_EUSER no answer')), texts(r).join('\n'));

  // Hovering the middle of the database fetch's row: it was asleep then.
  const canvas = await page.$('#taskgroup .tl-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + 22 * 1.5);
  const tip = await page.textContent('#taskgroup .tl-tip');
  assert.match(tip, /^Task-2 \(task 2\): waiting on sleep, 0\.000 s → 1\.000 s/);
  await page.close();
  assert.deepEqual(problems, []);
});

test('a link reproduces the settings and runs the example', { timeout: 60_000 }, async () => {
  const { page, problems } = await open('?semaphore.limit=5&semaphore.urls=6');
  assert.equal(await page.inputValue('#semaphore input[name=limit]'), '5');
  assert.equal(await page.inputValue('#semaphore input[name=urls]'), '6');
  assert.equal(texts(await run(page, 'semaphore')).at(-1), 'Fetched 6 URLs in 2.0s');
  // a change goes into the address bar and into the example's link
  await page.fill('#semaphore input[name=limit]', '2');
  await page.press('#semaphore input[name=limit]', 'Tab');
  const search = new URLSearchParams(await page.evaluate(() => location.search));
  assert.equal(search.get('semaphore.limit'), '2');
  const link = await page.getAttribute('#semaphore a.permalink', 'href');
  await page.close();

  const again = await open(link);
  await waitState(again.page, 'semaphore', ['done'], 20_000); // it runs by itself, then replays
  const r = await shown(again.page, 'semaphore');
  assert.equal(texts(r).at(-1), 'Fetched 6 URLs in 3.0s');
  await again.page.close();

  // the debug switch, from a link: the swallowed cancellation is reported
  const dbg = await open('?cancel.swallow=1&cancel.debug=1');
  assert.equal(await dbg.page.isChecked('#cancel input.debug'), true);
  const d = await run(dbg.page, 'cancel');
  const report = d.lines.find((l) => l.kind === 'report');
  assert.ok(report, texts(d).join('\n'));
  assert.match(report.text, /^swallowed: task Task-2 caught a cancellation/);
  assert.ok(texts(d).includes('The task ended normally: it was not cancelled'));
  await (await dbg.page.$('#cancel')).screenshot({ path: path.join(artifacts, 'page-cancel-debug.png') });
  await dbg.page.close();
  assert.deepEqual([...problems, ...again.problems, ...dbg.problems], []);
});

// A task is long when it keeps the main thread more than 50 ms (the Long
// Tasks API's threshold); here that is 50 ms of CPU, read from a trace
// (tests/support/main-thread-cpu.mjs says why not wall time).
const LONG_TASK_MS = 50;

test('the page stays responsive while 100,000 tasks churn', { timeout: 90_000 }, async (t) => {
  const { page, problems } = await open();
  // Load and compile the program first: this test is about running it.
  await page.evaluate(() => import('/dist/tide.mjs').then((m) => m.loadExample('churn')));
  for (const clock of ['virtual', 'real']) {
    await page.setChecked('#churn input.virtual', clock === 'virtual');
    const { result: r, tasks } = await measure(context, page, () => run(page, 'churn', { replay: true }));
    t.diagnostic(`${clock} clock: ${worstTasks(tasks)}`);
    assert.equal(r.outcome, 'ok', r.status);
    assert.equal(r.aggregate.done, '100000');
    assert.deepEqual(overCpu(tasks, LONG_TASK_MS), [], `long tasks on the ${clock} clock: ${worstTasks(tasks)}`);
  }
  await (await page.$('#churn')).screenshot({ path: path.join(artifacts, 'page-churn-real.png') });
  await page.close();
  assert.deepEqual(problems, []);
});

// The measure itself: a task that keeps a core busy is long, a task that
// waits is not, however long it waits.
test('the long-task measure counts CPU time: busy is long, waiting is not', { timeout: 60_000 }, async (t) => {
  const { page, problems } = await open();
  const measured = async (what, fn, arg) => {
    const { result, tasks } = await measure(context, page, () => page.evaluate(fn, arg));
    t.diagnostic(`${what}: ${worstTasks(tasks)}`);
    return { result, tasks };
  };
  // 80 ms on a core: the loop adds up only the steps between close readings
  // of the clock, so a busy machine that takes the core away for a while
  // does not cut the work short
  const busy = await measured('busy 80 ms', () => {
    let ran = 0;
    for (let last = performance.now(); ran < 80;) {
      const now = performance.now();
      if (now - last < 1) ran += now - last;
      last = now;
    }
  });
  assert.equal(overCpu(busy.tasks, LONG_TASK_MS).length, 1, worstTasks(busy.tasks));
  const idle = await measured('idle 80 ms', () => new Promise((resolve) => setTimeout(resolve, 80)));
  assert.deepEqual(overCpu(idle.tasks, LONG_TASK_MS), [], worstTasks(idle.tasks));
  // A synchronous request that the fake API answers after 100 ms blocks
  // one task that long in wall time (the Long Tasks API would count it)
  // with the thread idle.
  const delay = 0.1 / latency({ delay: 1 }, 1, 1); // its first attempt at post 1 waits 100 ms
  const blocked = await measured('blocked 100 ms', (url) => {
    const request = new XMLHttpRequest();
    request.open('GET', url, false);
    request.send();
    return request.status;
  }, `/api/posts/1?fail=0&delay=${delay}&run=blocked-${Date.now()}`);
  assert.equal(blocked.result, 200);
  assert.ok(blocked.tasks.some((task) => task.wall > LONG_TASK_MS), worstTasks(blocked.tasks));
  assert.deepEqual(overCpu(blocked.tasks, LONG_TASK_MS), [], worstTasks(blocked.tasks));
  // A measurement whose code throws ends its trace: the error is the
  // code's own, and the next measurement starts a trace as usual.
  await assert.rejects(measure(context, page, () => page.evaluate(() => {
    throw new Error('thrown on purpose');
  })), /thrown on purpose/);
  const after = await measured('after a throw', () => 1);
  assert.equal(after.result, 1);
  await page.close();
  assert.deepEqual(problems, []);
});
