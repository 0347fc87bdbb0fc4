// browser-api.test.mjs - the package's JS API (dist/tide.mjs) in headless
// Chromium, from a page served by web/dev/serve.mjs: results and rejections
// as TideErrors (a task group's with each child's error), cancel
// through an AbortSignal, streaming, the trace order (the same as in Node),
// loading from URLs, bytes and modules, and bad input (a missing or corrupt
// .wasm, a torn-down instance).
// Needs `make dist build/em/user/jsapi.mjs` (make test does it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../support/chromium.mjs';
import { root } from '../support/hosts.mjs';
import { EXPECTED } from '../support/expected.mjs';
import { TRACE_WORKERS, traceWords } from '../support/jsapi-expected.mjs';
import { start } from '../../web/dev/serve.mjs';

let server, context, browser, page;
const problems = [];

before(async () => {
  for (const f of ['dist/tide.mjs', 'build/em/user/jsapi.mjs'])
    assert.ok(fs.existsSync(path.join(root, f)), `${f} is missing: run \`make dist build/em/user/jsapi.mjs\``);
  server = await start(0);
  browser = await launchChromium({ defaultTimeout: 15_000 });
  context = browser.context;
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) problems.push(`off-origin request: ${r.url()}`);
  });
  await page.goto(server.url, { waitUntil: 'load', timeout: 15_000 });
  // the API, as the docs page imports it
  await page.evaluate(async () => {
    globalThis.tide = await import('/dist/tide.mjs');
  });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await server?.close();
  assert.deepEqual(problems, [], 'the page reported problems');
}, { timeout: 30_000 });

// Run `fn` in the page with `arg`; it sees `tide` (the API) and helpers.
function inPage(fn, arg) {
  return page.evaluate(
    async ({ src, arg: a }) => {
      const f = new Function(`return (${src});`)(); // eslint-disable-line no-new-func
      const describe = (e) => ({
        isTideError: e instanceof globalThis.tide.TideError,
        name: e.name, code: e.code, errno: e.errno, message: e.message, tideMessage: e.tideMessage,
        exitCode: e.exitCode, url: e.url,
      });
      return f(globalThis.tide, a, describe);
    },
    { src: fn.toString(), arg }
  );
}

test('a bundled example runs by name; a wrong name lists the right ones', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide, _, describe) => {
    const lines = [];
    const value = await (await tide.loadExample('tasks')).run({ clock: 'virtual', onStdout: (l) => lines.push(l) });
    const wrong = await tide.loadExample('taks').then(() => null, describe);
    return { value, lines, names: await tide.exampleNames(), wrong };
  });
  assert.equal(r.value, 0);
  assert.deepEqual(r.lines, EXPECTED.tasks);
  assert.ok(r.names.includes('tasks'));
  assert.equal(r.wrong.code, 'TIDE_LOAD_FAILED');
  assert.equal(r.wrong.message, `no bundled example named "taks" (there are: ${r.names.join(', ')})`);
});

test('values, and rejections carrying Tide error names', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide, _, describe) => {
    const p = await tide.load('/build/em/user/jsapi.mjs');
    const quiet = { onStdout: () => {}, onStderr: () => {} };
    const failure = (args) => p.run({ args, ...quiet }).then(() => null, describe);
    return {
      number: await p.run({ args: ['value', '42'] }),
      string: await p.run({ args: ['string', 'héllo ✓'], valueType: 'string' }),
      thrown: await failure(['throw']),
      exit: await failure(['exit', '3']),
      trap: await failure(['trap']),
    };
  });
  assert.equal(r.number, 42);
  assert.equal(r.string, 'héllo ✓');
  assert.deepEqual(r.thrown, {
    isTideError: true, name: 'TideError', code: 'TIDE_ETIMEDOUT', errno: -2, message: 'timed out: too slow',
    tideMessage: 'too slow', exitCode: 1, url: null,
  });
  assert.deepEqual([r.exit.code, r.exit.errno, r.exit.exitCode], ['TIDE_EXIT', null, 3]);
  assert.equal(r.trap.code, 'TIDE_CRASHED');
});

test('a task group\'s rejection carries each child\'s error in errors, nested', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide) => {
    const p = await tide.load('/build/em/user/jsapi.mjs');
    const functions = { price: async () => Promise.reject(new Error('price service down')) };
    const e = await p.run({ args: ['group'], functions, onStderr: () => {} }).then(() => null, (x) => x);
    const tree = (x) => [x instanceof tide.TideError, x.code, x.task, x.tideMessage, x.errors && x.errors.map(tree)];
    return tree(e);
  });
  const inner = "1 of 1 child task failed: Task-4 'tax': TIDE_EUSER-3 tax table missing";
  assert.deepEqual(r, [
    true, 'TIDE_EGROUP', null,
    `2 of 2 child tasks failed: Task-2 'price': TIDE_EHOST price service down; Task-3 'inner': TIDE_EGROUP (${inner})`,
    [
      [true, 'TIDE_EHOST', 'price', 'price service down', null],
      [true, 'TIDE_EGROUP', 'inner', inner, [[true, 'TIDE_EUSER', 'tax', 'tax table missing', null]]],
    ],
  ]);
});

test('an AbortSignal cancels the main task; cleanup runs; stdout streams', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide, _, describe) => {
    const p = await tide.load('/build/em/user/jsapi.mjs');
    const ac = new AbortController();
    const out = [];
    const run = p.start({ args: ['sleep', '100'], signal: ac.signal, onStdout: (l) => out.push(l), onStderr: () => {} });
    await new Promise((res) => setTimeout(res, 50));
    const stateBefore = run.state;
    ac.abort('stop pressed');
    const error = await run.result.then(() => null, describe);
    const spam = [];
    await p.run({ args: ['spam', '2000'], onStdout: (l) => spam.push(l) });
    return { stateBefore, error, out, again: run.cancel('again'), spamOk: spam.length === 2000 && spam.every((l, i) => l === `line ${i}`) };
  });
  assert.equal(r.stateBefore, 'running');
  assert.equal(r.error.code, 'TIDE_ECANCELLED');
  assert.equal(r.error.tideMessage, 'stop pressed');
  assert.deepEqual(r.out, ['cleanup: TIDE_ECANCELLED']);
  assert.equal(r.again, false);
  assert.ok(r.spamOk);
});

test('the trace has the same events, in the same order, as in Node, as objects and in columns', { timeout: 30_000 }, async () => {
  const { events, fromColumns } = await inPage(async (tide) => {
    const p = await tide.load('/build/em/user/jsapi.mjs');
    const all = [];
    const fromColumns = [];
    await p.run({
      args: ['workers'],
      clock: 'virtual',
      onTrace: (batch) => all.push(...batch),
      onTraceBatch: (b) => {
        for (let i = 0; i < b.length; i++) {
          const type = tide.TraceBatch.TYPES[b.type[i]];
          fromColumns.push({ type, time: b.time[i], name: b.name(i), what: b.whatName(b.whatId[i]), error: b.error(i) });
        }
      },
    });
    return { events: all, fromColumns };
  });
  assert.deepEqual(traceWords(events), TRACE_WORKERS);
  assert.deepEqual(traceWords(fromColumns), TRACE_WORKERS);
});

test('a program loads from bytes and from a WebAssembly.Module', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide) => {
    const bytes = await (await fetch('/build/em/user/jsapi.wasm')).arrayBuffer();
    const { default: factory } = await import('/build/em/user/jsapi.mjs');
    const a = await tide.load({ glue: '/build/em/user/jsapi.mjs', wasm: bytes });
    const b = await tide.load({ factory, wasm: await WebAssembly.compile(bytes) });
    return [await a.run({ args: ['value', '1'] }), await b.run({ args: ['value', '2'] })];
  });
  assert.deepEqual(r, [1, 2]);
});

test('bad input: missing or corrupt .wasm, missing glue, torn-down instance', { timeout: 30_000 }, async () => {
  const r = await inPage(async (tide, _, describe) => {
    const fail = (source) => tide.load(source).then(() => null, describe);
    const p = await tide.load('/build/em/user/jsapi.mjs');
    const run = p.start({ args: ['sleep', '100'], onStdout: () => {} });
    await new Promise((res) => setTimeout(res, 20));
    run.terminate('enough');
    const terminated = await run.result.then(() => null, describe);
    let tornDown = null;
    try {
      run.dump();
    } catch (e) {
      tornDown = describe(e);
    }
    return {
      missing: await fail({ glue: '/build/em/user/jsapi.mjs', wasm: '/build/em/user/missing.wasm' }),
      corrupt: await fail({ glue: '/build/em/user/jsapi.mjs', wasm: '/build/em/user/jsapi.mjs' }),
      noGlue: await fail('/build/em/user/nothing-here.mjs'),
      terminated,
      tornDown,
    };
  });
  const base = server.url;
  assert.equal(r.missing.code, 'TIDE_LOAD_FAILED');
  assert.equal(r.missing.message, `cannot load ${base}build/em/user/missing.wasm: HTTP 404 Not Found`);
  assert.equal(r.missing.url, `${base}build/em/user/missing.wasm`);
  assert.match(r.corrupt.message, new RegExp(`^${base}build/em/user/jsapi\\.mjs is not a WebAssembly module: it starts with the text`));
  assert.doesNotMatch(r.corrupt.message, /magic word/);
  assert.equal(r.noGlue.code, 'TIDE_LOAD_FAILED');
  assert.ok(r.noGlue.message.includes(`${base}build/em/user/nothing-here.mjs`), r.noGlue.message);
  assert.equal(r.terminated.code, 'TIDE_TERMINATED');
  assert.equal(r.tornDown.code, 'TIDE_TORN_DOWN');
});
