// browser.test.mjs - the docs page in headless Chromium: serve it in-process,
// press Run on the first example (virtual clock, then real time), and check
// the streamed output, the exit status, cross-origin isolation, and that
// nothing on the page failed. Needs `make em` first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { root } from './hosts.mjs';
import { EXPECTED as EXAMPLES } from './expected.mjs';
import { start } from '../web/serve.mjs';

const EXPECTED = EXAMPLES.tasks;

const artifacts = path.join(root, 'build/artifacts');
let server, context, profile;

before(async () => {
  const glue = path.join(root, 'build/em/tasks.mjs');
  assert.ok(fs.existsSync(glue), `${glue} is missing: run \`make em\` first`);
  server = await start(0);
  // A fresh profile each run: no cache or state from an earlier run.
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(15_000);
  fs.mkdirSync(artifacts, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
}, { timeout: 30_000 });

// Open the page, run the example once, and return what the page showed.
async function runExample(virtual) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) problems.push(`off-origin request: ${r.url()}`); });
  try {
    await page.goto(server.url, { waitUntil: 'load', timeout: 15_000 });
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    await page.waitForFunction(() => !document.getElementById('c-src').textContent.startsWith('Loading'),
      null, { timeout: 10_000 });
    await page.setChecked('#virtual', virtual, { timeout: 10_000 });
    await page.click('#run', { timeout: 10_000 }); // waits for the module to enable it
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.run),
      null, { timeout: virtual ? 15_000 : 30_000 });
    const shown = await page.evaluate(() => ({
      state: document.body.dataset.run,
      status: document.getElementById('status').textContent,
      exit: document.getElementById('status').dataset.exit,
      lines: [...document.querySelectorAll('#output li')].map((li) => ({
        ms: parseInt(li.querySelector('.stamp').textContent.slice(1), 10),
        text: li.querySelector('.line').textContent,
      })),
    }));
    const shot = path.join(artifacts, `browser-tasks-${virtual ? 'virtual' : 'real'}.png`);
    await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
    // The same page at a phone's width, to eyeball the narrow layout.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png'), fullPage: true, timeout: 10_000 });
    return { ...shown, isolated, problems, shot };
  } finally {
    await page.close();
  }
}

for (const virtual of [true, false]) {
  test(`tasks example runs in the page (${virtual ? 'virtual clock' : 'real time'})`,
    { timeout: 90_000 }, async () => {
      const r = await runExample(virtual);
      assert.deepEqual(r.problems, [], 'the page reported problems');
      assert.equal(r.isolated, true, 'the page is not cross-origin isolated');
      assert.equal(r.state, 'done', r.status);
      assert.deepEqual(r.lines.map((l) => l.text), EXPECTED);
      assert.equal(r.exit, '0', r.status);
      assert.ok(fs.statSync(r.shot).size > 0, 'no screenshot');
      // The switch picked the real clock: a real sleep(3) never ends early.
      // (No upper bound on the virtual run: durations are not tested.)
      if (!virtual) {
        const last = r.lines.at(-1).ms;
        assert.ok(last >= 2900, `real run finished after only ${last} ms`);
      }
    });
}
