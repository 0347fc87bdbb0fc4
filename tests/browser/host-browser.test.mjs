// host-browser.test.mjs - host calls and HTTP in headless Chromium: the
// page, the programs and the misbehaving API all come from one local
// server (tests/support/http-server.mjs, with the cross-origin isolation headers of
// web/dev/serve.mjs), so every request is same-origin and stays on 127.0.0.1.
// Runs tests/c/test_host.c (JS functions registered from the page) and the
// rate-limited client. Needs `make em` first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../support/chromium.mjs';
import { root } from '../support/hosts.mjs';
import { startApi } from '../support/http-server.mjs';
import { checkClientOutput } from '../support/host-fixtures.mjs';
import { parseTap } from '../support/tap.mjs';

let api, context, browser;

before(async () => {
  for (const name of ['test_host', 'http_client']) {
    const glue = path.join(root, `build/em/${name}.mjs`);
    assert.ok(fs.existsSync(glue), `${glue} is missing: run \`make em\` first`);
  }
  api = await startApi();
  browser = await launchChromium({ defaultTimeout: 15_000 });
  context = browser.context;
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await api?.close();
}, { timeout: 30_000 });

// Open the blank page, run `body` in it, and report anything that went
// wrong on the page (errors, requests leaving the server's origin).
async function inPage(fn, arg) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(api.url)) problems.push(`off-origin request: ${r.url()}`);
  });
  try {
    await page.goto(api.url, { waitUntil: 'load' });
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    const result = await page.evaluate(fn, arg);
    return { result, problems, isolated };
  } finally {
    await page.close();
  }
}

test('test_host in Chromium: host calls and HTTP', { timeout: 90_000 }, async (t) => {
  api.reset();
  const { result, problems, isolated } = await inPage(async (base) => {
    const { hostFunctions, runTide } = await import('/tests/support/host-fixtures.mjs');
    const { default: create } = await import('/build/em/test_host.mjs');
    const { functions, aborted } = hostFunctions();
    const r = await runTide(create, {
      tideFunctions: functions,
      env: { TIDE_TEST_JS: '1', TIDE_TEST_HTTP: base },
    });
    return { ...r, aborted };
  }, api.url.replace(/\/$/, ''));
  const { cases, plan } = parseTap(result.stdout);
  for (const c of cases) {
    await t.test(c.name, () => assert.ok(c.ok, c.diag.join('\n') || 'failed'));
  }
  assert.equal(plan, cases.length, `the run did not finish (${result.status}):\n${result.stdout}\n${result.stderr}`);
  assert.ok(cases.some((c) => c.name.startsWith('JS-')) && cases.some((c) => c.name.startsWith('HTTP-')));
  assert.deepEqual(problems, []);
  assert.equal(isolated, true);
  assert.ok(result.aborted.some((a) => a.startsWith('c10: ')), result.aborted.join('\n'));
  for (const p of ['/api/hang/h-timeout', '/api/stall/h-stall', '/api/stall/h-cancel'])
    assert.equal(api.stats.aborted[p], 1, `${p} was not aborted: ${JSON.stringify(api.stats.aborted)}`);
});

test('http_client in Chromium: retries, backoff, timeouts, failures collected', { timeout: 90_000 }, async () => {
  api.reset();
  const base = `${api.url}posts`;
  const { result, problems } = await inPage(async (b) => {
    const { runTide } = await import('/tests/support/host-fixtures.mjs');
    const { default: create } = await import('/build/em/http_client.mjs');
    return runTide(create, { args: [`base=${b}`, 'timeout=1.5', 'backoff=0.05'] });
  }, base);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.deepEqual(checkClientOutput(result.stdout, base), [], result.stdout);
  assert.deepEqual(problems, []);
  assert.ok(api.stats.maxInflight <= 5, `${api.stats.maxInflight} requests in flight at once`);
  assert.equal(api.stats.aborted['/posts/7'], 3);
});
