// thread.test.mjs - to_thread beyond the plain hosts: test_thread under
// ThreadSanitizer, and both Emscripten variants in headless Chromium.
//
// How a page picks its build: the pthreads build (build/em-mt) needs
// SharedArrayBuffer, which browsers only give a cross-origin isolated page
// (COOP + COEP headers). So the rule is
//     crossOriginIsolated ? build/em-mt (to_thread on Web Workers)
//                         : build/em    (to_thread inline)
// and it is checked both ways: web/serve.mjs with its headers (isolated)
// and without them (not isolated, where em-mt cannot even load).
// Needs `make em em-mt tsan` first (make test builds them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from './chromium.mjs';
import { root } from './hosts.mjs';
import { start } from '../web/serve.mjs';

const build = (p) => path.join(root, 'build', p);

function parseTap(lines) {
  const cases = lines.filter((l) => /^(ok|not ok) \d+ - /.test(l));
  const plan = lines.map((l) => /^1\.\.(\d+)$/.exec(l)).find(Boolean);
  return { cases, failed: cases.filter((l) => l.startsWith('not ok')), plan: plan ? Number(plan[1]) : null };
}

// Every case of test_thread passes, and the run got to its plan line.
function assertTap(lines, what) {
  const { cases, failed, plan } = parseTap(lines);
  assert.deepEqual(failed, [], `${what}:\n${lines.join('\n')}`);
  assert.ok(cases.length > 0, `${what}: no case ran:\n${lines.join('\n')}`);
  assert.equal(plan, cases.length, `${what}: the run did not finish:\n${lines.join('\n')}`);
  return cases;
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
  for (const f of ['em/test_thread.mjs', 'em/to_thread.mjs', 'em-mt/test_thread.mjs', 'em-mt/to_thread.mjs'])
    assert.ok(fs.existsSync(build(f)), `build/${f} is missing: run \`make em em-mt\` first`);
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

test('isolated page (COOP/COEP): to_thread runs on Web Workers', { timeout: 120_000 }, async () => {
  const server = await start(0, '127.0.0.1');
  const { page, problems } = await openPage(server);
  try {
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
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await server.close();
  }
});

test('page without COOP/COEP: em-mt cannot load, em runs to_thread inline', { timeout: 120_000 }, async () => {
  const server = await start(0, '127.0.0.1', { isolation: false });
  const { page, problems } = await openPage(server);
  try {
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
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await server.close();
  }
});
