// bundler.test.mjs - the npm package through a bundler, as the README
// promises: `npm pack`, install the tarball offline into a scratch app whose
// code does `import { load } from 'tide-wasm'` and runs the bundled `tasks`
// and `to_thread` examples (virtual clock for tasks), bundle that app with
// webpack 5 (its Node API; production mode, target web, ESM output), then
// serve only webpack's output folder and run it in headless Chromium, with
// and without cross-origin isolation. webpack must have understood the
// package's literal import() and new URL('./examples/x.wasm',
// import.meta.url): the .wasm files are emitted as assets, and the page
// loads nothing from outside the output folder. The pthreads build of
// to_thread does not survive webpack (README, "JavaScript"): the isolated
// page loads with threads: 'off'.
// Needs `make dist` (make test does it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpack from 'webpack';
import { root } from '../support/hosts.mjs';
import { pack, installApp } from '../support/npm.mjs';
import { EXPECTED } from '../support/expected.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { start } from '../../web/dev/serve.mjs';

let scratch, app, out, stats;
before(() => {
  assert.ok(fs.existsSync(path.join(root, 'dist/tide.mjs')), 'dist/ is missing: run `make dist`');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-bundler-'));
  app = path.join(scratch, 'app');
  out = path.join(scratch, 'out');
});

after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('the packed tarball installs into an app (offline)', { timeout: 120_000 }, () => {
  installApp(app, pack(scratch).tarball);
  fs.writeFileSync(
    path.join(app, 'main.mjs'),
    `import { loadExample } from 'tide-wasm';
     // ?threads=off: what a bundled app must pass in a cross-origin isolated page
     const threads = new URLSearchParams(location.search).get('threads') ?? 'auto';
     const go = async (name, options) => {
       const program = await loadExample(name, { threads });
       const lines = [];
       const value = await program.run({ ...options, onStdout: (l) => lines.push(l) });
       return { value, lines, threads: program.threads };
     };
     globalThis.tideResult = (async () => ({
       tasks: await go('tasks', { clock: 'virtual' }),
       to_thread: await go('to_thread', {}),
     }))().catch((e) => ({ error: \`\${e?.code ?? e?.name}: \${e?.message}\` }));
    `
  );
});

test('webpack 5 bundles it and emits the .wasm files as assets', { timeout: 60_000 }, async () => {
  assert.ok(fs.existsSync(path.join(app, 'node_modules/tide-wasm')), 'the install test did not run');
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    context: app,
    entry: './main.mjs',
    output: { path: out, filename: 'main.js', module: true, clean: true },
    experiments: { outputModule: true },
    infrastructureLogging: { level: 'error' },
  });
  stats = await new Promise((resolve, reject) =>
    compiler.run((err, s) => compiler.close(() => (err ? reject(err) : resolve(s))))
  );
  const json = stats.toJson({ all: false, errors: true, warnings: true });
  assert.deepEqual(json.errors.map((e) => e.message), [], 'webpack errors');
  // The known warnings all come from Emscripten's pthreads glue of the
  // to_thread example (its worker script imports the glue by an expression
  // and the glue starts the worker: chunks that refer to each other), the
  // build a bundled app cannot use; anything else is new.
  for (const w of json.warnings)
    assert.ok(
      /threads\/to_thread\.worker\.js/.test(w.moduleName ?? '') || /^Circular dependency between chunks with runtime/.test(w.message),
      `unexpected webpack warning: ${w.moduleName ?? ''} ${w.message}`
    );
  // every bundled example's .wasm, emitted under a content hash
  const wasm = stats.compilation
    .getAssets()
    .filter((a) => a.name.endsWith('.wasm'))
    .map((a) => ({ name: a.name, from: a.info.sourceFilename }));
  const emitted = (file) => wasm.find((a) => a.from === `node_modules/tide-wasm/dist/examples/${file}`);
  for (const name of ['tasks', 'cancel', 'queue', 'to_thread', 'threads/to_thread'])
    assert.ok(emitted(`${name}.wasm`), `${name}.wasm was not emitted: ${JSON.stringify(wasm)}`);
  const tasks = emitted('tasks.wasm').name;
  assert.ok(fs.existsSync(path.join(out, tasks)));
  assert.deepEqual(
    fs.readFileSync(path.join(out, tasks)),
    fs.readFileSync(path.join(app, 'node_modules/tide-wasm/dist/examples/tasks.wasm'))
  );
  fs.writeFileSync(
    path.join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>app</title>' +
      '<script type="module" src="main.js"></script>\n'
  );
});

// Twice: a plain page, and a cross-origin isolated one, where load() would
// take the to_thread example's pthreads build, which webpack does not bundle
// (README, "JavaScript"): there the app passes threads: 'off'.
for (const isolation of [false, true])
  test(`the bundle runs in Chromium from its output folder alone (${isolation ? 'isolated, threads: off' : 'not isolated'})`, { timeout: 60_000 }, async () => {
    assert.ok(stats, 'the webpack test did not run');
    const tasksWasm = stats.compilation
      .getAssets()
      .find((a) => a.info.sourceFilename === 'node_modules/tide-wasm/dist/examples/tasks.wasm').name;
    const server = await start(0, '127.0.0.1', { isolation, mounts: [['/', out]] });
    const browser = await launchChromium({ defaultTimeout: 30_000 });
    try {
      const page = await browser.context.newPage();
      const problems = [];
      const requested = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (res) => {
        if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
      });
      page.on('request', (r) => requested.push(r.url()));
      await page.goto(`${server.url}index.html${isolation ? '?threads=off' : ''}`, { waitUntil: 'load' });
      await page.waitForFunction(() => globalThis.tideResult !== undefined);
      const r = await page.evaluate(() => globalThis.tideResult);
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolation);
      assert.deepEqual(r, {
        tasks: { value: 0, lines: EXPECTED.tasks, threads: false },
        to_thread: { value: 0, lines: EXPECTED.to_thread, threads: false },
      });
      assert.deepEqual(problems, []);
      // Everything came from the output folder (the server serves nothing
      // else), and the example's .wasm is the one webpack emitted.
      for (const url of requested) {
        assert.ok(url.startsWith(server.url), `fetched from elsewhere: ${url}`);
        const file = decodeURIComponent(new URL(url).pathname.slice(1));
        assert.ok(fs.existsSync(path.join(out, file)), `fetched something webpack did not emit: ${url}`);
      }
      assert.ok(requested.includes(`${server.url}${tasksWasm}`), `${tasksWasm} was not fetched: ${requested.join(' ')}`);
      assert.ok(!requested.some((u) => u.includes('node_modules')), 'fetched from node_modules');
      await page.close();
    } finally {
      await browser.close();
      await server.close();
    }
  });
