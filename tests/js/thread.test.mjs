// thread.test.mjs - to_thread beyond the plain hosts: test_thread under
// ThreadSanitizer, and both Emscripten variants in headless Chromium.
//
// How a page picks its build: the pthreads build (build/em-mt) needs
// SharedArrayBuffer, which browsers only give a cross-origin isolated page
// (COOP + COEP headers). So the rule is
//     crossOriginIsolated ? build/em-mt (to_thread on Web Workers)
//                         : build/em    (to_thread inline)
// and it is checked both ways: web/dev/serve.mjs with its headers (isolated)
// and without them (not isolated, where em-mt cannot even load).
// The same rule through the npm package's loader (dist/tide.mjs, load()'s
// `threads` option) with tests/programs/jsthreads.c, built by `tide-emcc --threads`,
// and the bundled to_thread example with its pthreads build.
// Needs `make em em-mt tsan dist build/em/user/jsthreads.mjs` first (make
// test builds them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../support/chromium.mjs';
import { root, emccWritesWorkerFile } from '../support/hosts.mjs';
import { parseTap } from '../support/tap.mjs';
import { start } from '../../web/dev/serve.mjs';

const build = (p) => path.join(root, 'build', p);

// Every case of test_thread passes, and the run got to its plan line.
function assertTap(lines, what) {
  const { cases, plan } = parseTap(lines.join('\n'));
  const failed = cases.filter((c) => !c.ok).map((c) => c.name);
  assert.deepEqual(failed, [], `${what}:\n${lines.join('\n')}`);
  assert.ok(cases.length > 0, `${what}: no case ran:\n${lines.join('\n')}`);
  assert.equal(plan, cases.length, `${what}: the run did not finish:\n${lines.join('\n')}`);
  return cases.map((c) => c.name);
}

test('test_thread under ThreadSanitizer', () => {
  const exe = build('tsan/test_thread');
  assert.ok(fs.existsSync(exe), `${exe} is missing: run \`make tsan\` first`);
  const r = spawnSync(exe, [], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1 second_deadlock_stack=1' },
  });
  assert.equal(r.error, undefined);
  const cases = assertTap(r.stdout.split('\n'), `tsan (stderr: ${r.stderr})`);
  assert.ok(cases.some((l) => /cancelled while running/.test(l)), 'the threaded cases ran');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /ThreadSanitizer/);
});

// ---- Chromium ----------------------------------------------------------------

let context, browser;

before(async () => {
  for (const f of ['em/test_thread.mjs', 'em/to_thread.mjs', 'em-mt/test_thread.mjs', 'em-mt/to_thread.mjs',
    'em/user/jsthreads.mjs', 'em/user/threads/jsthreads.mjs'])
    assert.ok(fs.existsSync(build(f)), `build/${f} is missing: run \`make em em-mt build/em/user/jsthreads.mjs\` first`);
  assert.ok(fs.existsSync(path.join(root, 'dist/examples/threads/to_thread.mjs')), 'run `make dist` first');
  browser = await launchChromium({ defaultTimeout: 15_000 });
  context = browser.context;
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
}, { timeout: 30_000 });

// In the page: pick the build as a loader would, run one program, and
// return what it printed. While it runs, a 25 ms interval counts how often
// the page's own event loop got a turn.
async function runInPage(page, name, { variant } = {}) {
  return page.evaluate(async ({ name, variant }) => {
    const chosen = variant ?? (globalThis.crossOriginIsolated ? 'em-mt' : 'em');
    const { default: create } = await import(`/build/${chosen}/${name}.mjs`);
    const lines = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 25);
    const t0 = performance.now();
    let finished;
    const done = new Promise((resolve) => { finished = resolve; });
    const print = (l) => {
      lines.push(l);
      if (/^1\.\.\d+$/.test(l)) finished('plan'); // a test program ends here
    };
    await create({
      print,
      printErr: (l) => lines.push(`stderr: ${l}`),
      onTideExit: (status) => finished(`exit ${status}`), // tide_main programs
    });
    const how = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), 40_000))]);
    clearInterval(timer);
    return { chosen, how, lines, ticks, ms: performance.now() - t0 };
  }, { name, variant });
}

async function openPage(server) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    // (a document's automatic /favicon.ico is not the test's business)
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  // Any document of the server will do: its headers decide the isolation.
  await page.goto(`${server.url}examples/to_thread.c`, { waitUntil: 'load' });
  return { page, problems };
}

// A page of a fresh server, with or without COOP/COEP; `fn` gets it, and
// whatever went wrong on it must be nothing once `fn` is done.
async function withPage(isolation, fn) {
  const server = await start(0, '127.0.0.1', { isolation });
  const { page, problems } = await openPage(server);
  try {
    await fn(page, problems);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await server.close();
  }
}

test('isolated page (COOP/COEP): to_thread runs on Web Workers', { timeout: 120_000 }, async () => {
  await withPage(true, async (page) => {
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    const t = await runInPage(page, 'test_thread');
    assert.equal(t.chosen, 'em-mt');
    assert.equal(t.how, 'plan', t.lines.join('\n'));
    const cases = assertTap(t.lines, 'em-mt test_thread');
    // the threaded cases ran, among them "timers fire while the function
    // blocks": the loop ran timers while a worker sat at its gate
    assert.ok(cases.some((l) => /timers fire while the function blocks/.test(l)), t.lines.join('\n'));
    assert.ok(!cases.some((l) => /inline:/.test(l)));

    // The tutorial's example: the worker sleeps 2 s; the page's own event
    // loop keeps turning meanwhile (its 25 ms interval fires dozens of times).
    const ex = await runInPage(page, 'to_thread');
    assert.equal(ex.how, 'exit 0', ex.lines.join('\n'));
    assert.deepEqual(ex.lines, ['42']);
    assert.ok(ex.ms >= 1900, `finished after ${ex.ms} ms: did it sleep?`);
    assert.ok(ex.ticks >= 10, `the page got only ${ex.ticks} turns in ${ex.ms} ms`);
  });
});

test('page without COOP/COEP: em-mt cannot load, em runs to_thread inline', { timeout: 120_000 }, async () => {
  await withPage(false, async (page, problems) => {
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'undefined');
    // why the choice matters: the pthreads build does not even start
    await assert.rejects(runInPage(page, 'test_thread', { variant: 'em-mt' }), /SharedArrayBuffer/);
    problems.length = 0; // that failure was on purpose

    const t = await runInPage(page, 'test_thread');
    assert.equal(t.chosen, 'em');
    assert.equal(t.how, 'plan', t.lines.join('\n'));
    const cases = assertTap(t.lines, 'em test_thread');
    assert.ok(cases.some((l) => /inline: runs at once on the loop's thread/.test(l)), t.lines.join('\n'));

    // Inline, the 2 s sleep holds the page's only thread: same output, but
    // the page got (almost) no turns while it ran.
    const ex = await runInPage(page, 'to_thread');
    assert.equal(ex.how, 'exit 0', ex.lines.join('\n'));
    assert.deepEqual(ex.lines, ['42']);
    assert.ok(ex.ms >= 1900, `finished after ${ex.ms} ms: did it sleep?`);
    assert.ok(ex.ticks <= 3, `the page got ${ex.ticks} turns while the loop was blocked`);
  });
});

// ---- through the npm package's loader ---------------------------------------

// In the page: load `source` (a URL, or { example } for a bundled one) with
// the package's load() or loadExample() and `threads`, run it, and return
// what the program and the loader said. `report` sets an onReport (else
// reports and the inline notice go to stderr).
async function apiRun(page, source, { threads, report = false } = {}) {
  return page.evaluate(async ({ source, threads, report }) => {
    const { load, loadExample } = await import('/dist/tide.mjs');
    const options = threads === undefined ? undefined : { threads };
    const program = await (source.example ? loadExample(source.example, options) : load(source, options));
    const out = [], err = [], reports = [];
    const run = program.start({
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
      onReport: report ? (r) => reports.push(r) : undefined,
    });
    const value = await run.result;
    return { threads: program.threads, runThreads: run.threads, note: program.threadsNote, value, out, err, reports };
  }, { source, threads, report });
}

// A load() that fails: its error's code and message.
function apiLoadError(page, source, threads) {
  return page.evaluate(async ({ source, threads }) => {
    const { load } = await import('/dist/tide.mjs');
    return load(source, { threads }).then(() => null, (e) => ({ code: e.code, message: e.message }));
  }, { source, threads });
}

// The lines of jsthreads' log from the blocking function's start to its end.
function duringBlocking(out) {
  const from = out.indexOf('blocking: start');
  const to = out.findIndex((l) => l.startsWith('blocking: saw'));
  assert.ok(from >= 0 && to > from, out.join('\n'));
  return out.slice(from + 1, to);
}

const JSTHREADS = '/build/em/user/jsthreads.mjs';

// Polls `ok` until it holds (workers go away asynchronously).
async function until(ok, what) {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what());
}

test('npm loader, isolated page: the pthreads build, to_thread on a worker while timers fire', { timeout: 120_000 }, async () => {
  await withPage(true, async (page) => {
    const r = await apiRun(page, JSTHREADS);
    assert.equal(r.threads, true);
    assert.equal(r.runThreads, true);
    assert.match(r.note, /Web Workers/);
    assert.equal(r.out[0], 'build: threads');
    // the loop ran the ticker while the function blocked on its worker
    assert.deepEqual(duringBlocking(r.out), ['tick 1', 'tick 2', 'tick 3'], r.out.join('\n'));
    assert.equal(r.value, 3);
    assert.deepEqual(r.err, []);
    // the run's end terminated its workers (the pool of 4 and the one that ran)
    await until(() => page.workers().length === 0, () => `${page.workers().length} workers left`);

    // the bundled example picks its pthreads build (dist/examples/threads/)
    const ex = await apiRun(page, { example: 'to_thread' }, { report: true });
    assert.equal(ex.threads, true);
    assert.deepEqual(ex.out, ['42']);
    assert.deepEqual(ex.reports, []);

    // threads: 'off' takes the single-thread build even here, and says so
    const off = await apiRun(page, JSTHREADS, { threads: 'off', report: true });
    assert.equal(off.threads, false);
    assert.equal(off.out[0], 'build: inline');
    assert.deepEqual(duringBlocking(off.out), []);
    assert.deepEqual(off.reports.map((x) => x.kind), ['inline']);
    assert.match(off.reports[0].text, /^to_thread ran inline, on the loop's thread: loaded with threads: 'off'/);

    // 'on' for a program without a pthreads build fails clearly
    const none = await apiLoadError(page, '/build/em/user/jsapi.mjs', 'on');
    assert.equal(none?.code, 'TIDE_LOAD_FAILED');
    assert.match(none.message, /has no pthreads build \(tide-emcc --threads makes one\)/);
  });
});

test('npm loader, page without COOP/COEP: the single-thread build runs to_thread inline and says so', { timeout: 120_000 }, async () => {
  await withPage(false, async (page) => {
    const r = await apiRun(page, JSTHREADS);
    assert.equal(r.threads, false);
    assert.equal(r.runThreads, false);
    assert.match(r.note, /not cross-origin isolated/);
    assert.equal(r.out[0], 'build: inline');
    // nothing else ran while the function held the page's only thread
    assert.deepEqual(duringBlocking(r.out), []);
    assert.equal(r.value, 0);
    assert.ok(r.out.includes('tick 1'), 'the ticker ran afterwards');
    // said on stderr, without debug mode, once
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0], /^tide: to_thread ran inline, on the loop's thread: this page is not cross-origin isolated \(.*Cross-Origin-Embedder-Policy: require-corp\); the loop waited while the function ran$/);

    // or as a report, to an onReport
    const rep = await apiRun(page, JSTHREADS, { report: true });
    assert.deepEqual(rep.err, []);
    assert.deepEqual(rep.reports.map((x) => x.kind), ['inline']);

    // the bundled example: its single-thread build
    const ex = await apiRun(page, { example: 'to_thread' }, { report: true });
    assert.equal(ex.threads, false);
    assert.deepEqual(ex.out, ['42']);
    assert.deepEqual(ex.reports.map((x) => x.kind), ['inline']);

    // threads: 'on' cannot be had here; a pthreads build given directly neither
    const on = await apiLoadError(page, JSTHREADS, 'on');
    assert.equal(on?.code, 'TIDE_LOAD_FAILED');
    assert.match(on.message, /^threads: 'on' cannot be: this page is not cross-origin isolated/);
    const direct = await apiLoadError(page, '/build/em/user/threads/jsthreads.mjs', 'auto');
    assert.equal(direct?.code, 'TIDE_LOAD_FAILED');
    assert.match(direct.message, /is a pthreads build and cannot run here: this page is not cross-origin isolated/);
  });
});

// ---- the live documentation page --------------------------------------------

// Runs the page's to_thread example (Run, then Stop on the replay) and
// returns what its section shows.
async function runOnPage(server) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  try {
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const at = (states) => page.waitForFunction((s) => s.includes(document.getElementById('to_thread').dataset.state),
      states, { timeout: 60_000 });
    await page.click('#to_thread button.run');
    await at(['replay', 'done']);
    if (await page.evaluate(() => document.getElementById('to_thread').dataset.state === 'replay'))
      await page.click('#to_thread button.stop');
    await at(['done']);
    const shown = await page.evaluate(() => {
      const s = document.getElementById('to_thread');
      return {
        threads: s.dataset.threads,
        outcome: s.dataset.outcome,
        status: s.querySelector('.status').textContent,
        lines: [...s.querySelectorAll('.output li .line')].map((l) => l.textContent),
      };
    });
    return { ...shown, problems };
  } finally {
    await page.close();
  }
}

test('the live page runs to_thread on Web Workers when isolated, inline otherwise, and says which', { timeout: 120_000 }, async () => {
  for (const isolation of [true, false]) {
    const server = await start(0, '127.0.0.1', { isolation });
    try {
      const r = await runOnPage(server);
      assert.equal(r.outcome, 'ok', r.status);
      assert.deepEqual(r.problems, []);
      if (isolation) {
        assert.equal(r.threads, 'workers');
        assert.deepEqual(r.lines, ['42']);
        assert.match(r.status, /to_thread ran on Web Workers/);
      } else {
        assert.equal(r.threads, 'inline');
        assert.deepEqual(r.lines, [r.lines[0], '42']);
        assert.match(r.lines[0], /^inline: to_thread ran inline, on the loop's thread: this page is not cross-origin isolated/);
        assert.match(r.status, /to_thread ran inline, on the loop's thread: this page is not cross-origin isolated/);
      }
    } finally {
      await server.close();
    }
  }
});

test("npm loader: a pthreads build whose worker is missing fails the run instead of hanging", {
  timeout: 60_000,
  skip: !emccWritesWorkerFile() && 'this Emscripten writes no separate worker file',
}, async () => {
  // jsthreads as deployed without threads/jsthreads.worker.js
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-noworker-'));
  fs.cpSync(build('em/user'), app, { recursive: true });
  fs.rmSync(path.join(app, 'threads/jsthreads.worker.js'));
  const server = await start(0, '127.0.0.1', { mounts: [['/dist/', path.join(root, 'dist')], ['/', app]] });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}jsthreads.mjs`, { waitUntil: 'load' });
    const r = await page.evaluate(async () => {
      const { load } = await import('/dist/tide.mjs');
      const program = await load('/jsthreads.mjs');
      const e = await program.run({ onStdout: () => {} }).then(() => null, (x) => x);
      return { threads: program.threads, name: e?.name, code: e?.code, message: e?.message };
    });
    assert.equal(r.threads, true);
    assert.equal(r.name, 'TideError');
    assert.equal(r.code, 'TIDE_LOAD_FAILED');
    assert.match(r.message, /^a Web Worker of jsthreads failed/);
  } finally {
    await page.close();
    await server.close();
    fs.rmSync(app, { recursive: true, force: true });
  }
});
