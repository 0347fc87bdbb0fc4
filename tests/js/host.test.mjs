// host.test.mjs - C -> JS host calls and HTTP under Node.js, against a
// local server (tests/support/http-server.mjs) that delays, fails, drops and hangs:
//  - tests/c/test_host.c on the Emscripten build, loaded in this process with
//    the JS functions of tests/support/host-fixtures.mjs registered;
//  - the rate-limited client (examples/http_client.c): on Emscripten it
//    runs against the server; on native and WASI it says HTTP is not
//    supported there and exits with status 1.
// Needs `make all` first. Nothing leaves 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, command } from '../support/hosts.mjs';
import { startApi } from '../support/http-server.mjs';
import { hostFunctions, runTide, checkClientOutput } from '../support/host-fixtures.mjs';
import { parseTap } from '../support/tap.mjs';

let api;
before(async () => {
  api = await startApi();
});
after(async () => {
  await api?.close();
});

// Run a built program as a child process without blocking this one (the
// server lives here).
function runAsync(host, name, { args = [], env = {}, timeoutMs = 60_000 } = {}) {
  const [cmd, argv] = command(host, name, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status, signal });
    });
  });
}

async function loadEm(name) {
  const file = path.join(root, 'build/em', `${name}.mjs`);
  assert.ok(fs.existsSync(file), `${file} is missing: run \`make em\` first`);
  const { default: create } = await import(pathToFileURL(file).href);
  return { create, wasmBinary: fs.readFileSync(file.replace(/\.mjs$/, '.wasm')) };
}

test('test_host on em: host calls and HTTP against the local server', { timeout: 120_000 }, async (t) => {
  api.reset();
  const { create, wasmBinary } = await loadEm('test_host');
  const { functions, aborted } = hostFunctions();
  const r = await runTide(create, {
    wasmBinary,
    tideFunctions: functions,
    env: { TIDE_TEST_JS: '1', TIDE_TEST_HTTP: api.url.replace(/\/$/, '') },
  });
  const { cases, plan } = parseTap(r.stdout);
  for (const c of cases) {
    await t.test(c.name, () => assert.ok(c.ok, c.diag.join('\n') || 'failed'));
  }
  assert.equal(plan, cases.length, `the run did not finish (${r.status}):\n${r.stdout}\n${r.stderr}`);
  assert.ok(cases.some((c) => c.name.startsWith('JS-')) && cases.some((c) => c.name.startsWith('HTTP-')));
  // Destroying a loop aborted its outstanding call (JS-06).
  assert.ok(aborted.some((a) => a.startsWith('c10: the Tide task awaiting this was cancelled')), aborted.join('\n'));
  // The server saw each abandoned request go away (timeout, cancel).
  for (const p of ['/api/hang/h-timeout', '/api/stall/h-stall', '/api/stall/h-cancel'])
    assert.equal(api.stats.aborted[p], 1, `${p} was not aborted: ${JSON.stringify(api.stats.aborted)}`);
});

test('http_client on em: retries, backoff, timeouts, failures collected', { timeout: 60_000 }, async () => {
  api.reset();
  const base = `${api.url}posts`;
  // A 1.5 s timeout is ~7x the slowest good answer (a loaded machine must not
  // turn slowness into timeouts); the hanging URL costs 3 x 1.5 s.
  const r = await runAsync('em', 'http_client', {
    args: [`base=${base}`, 'timeout=1.5', 'backoff=0.05'],
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(checkClientOutput(r.stdout, base), [], r.stdout);
  const s = api.stats;
  assert.ok(s.maxInflight <= 5, `${s.maxInflight} requests were in flight at once`);
  // three attempts at the hanging URL, each aborted by its timeout
  assert.equal(s.hits['/posts/7'], 3);
  assert.equal(s.aborted['/posts/7'], 3);
  // backoff between failed attempts: 0.05 * 2**1, then 0.05 * 2**2 seconds
  const [a, b, c] = s.times['/posts/6'];
  assert.ok(b - a >= 95 && c - b >= 195, `attempts of /posts/6 at ${s.times['/posts/6']} ms`);
});

test('http_client on em: at most 5 requests in flight', { timeout: 60_000 }, async () => {
  api.reset();
  const r = await runAsync('em', 'http_client', { args: [`base=${api.url}slow`, 'count=12'] });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Fetched 12\/12 successfully in \d+\.\d\ds$/m);
  assert.equal(api.stats.maxInflight, 5);
});

test('http_client arguments: a base URL is required', async () => {
  const r = await runAsync('em', 'http_client', {});
  assert.equal(r.status, 1);
  assert.match(r.stderr, /invalid argument: usage: http_client base=URL \[count=N\]/);
});

for (const host of ['native', 'asan', 'wasi']) {
  test(`http_client on ${host}: not supported on this host`, async () => {
    const r = await runAsync(host, 'http_client', { args: [`base=${api.url}posts`] });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^tide: main task failed: not supported on this host: http_client needs fetch\(\)/);
    assert.deepEqual(api.stats.hits['/posts/1'], undefined);
  });
}

test('the test server answers a request it cannot carry out with a 400 saying why, not a dropped connection', async () => {
  for (const [p, why] of [['api/status/abc', /status/i], ['api/status/1000', /status/i], ['api/big?n=-1', /n|size|length|range/i],
    ['api/big?n=1e12', /n|size|length|range/i]]) {
    const r = await fetch(api.url + p);
    assert.equal(r.status, 400, p);
    assert.match(await r.text(), why, p);
  }
  assert.equal((await fetch(api.url + 'api/status/204')).status, 204);
});
