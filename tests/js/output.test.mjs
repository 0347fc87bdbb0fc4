// output.test.mjs - output of any size through the JS API (dist/tide.mjs),
// in Node and in headless Chromium: a line longer than maxLineBytes (1 MiB
// by default) keeps its first bytes and ends with a notice, `result`
// settles, and nothing kills the host (one 150 MB line used to: "invalid
// size error"). Also: no newline at all, many lines, stderr, UTF-8 cut at a
// character, bytes that are not UTF-8. Programs: tests/programs/output.c built with
// web/package/tide-emcc, as is and with a file system linked in (the output then
// comes through FS.init instead of fd_write: src/host/emscripten.js).
// Needs `make dist build/em/user/output.mjs build/em/user/output_fs.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../support/hosts.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { start as serve } from '../../web/dev/serve.mjs';

const BUILDS = ['output', 'output_fs'];
const MiB = 1 << 20;
const distEntry = path.join(root, 'dist/tide.mjs');
const glue = (build) => path.join(root, `build/em/user/${build}.mjs`);
let tide;
const programs = {};

before(async () => {
  for (const f of [distEntry, ...BUILDS.map(glue)])
    assert.ok(fs.existsSync(f), `${f} is missing: run \`make dist ${BUILDS.map((b) => `build/em/user/${b}.mjs`).join(' ')}\``);
  tide = await import(pathToFileURL(distEntry).href);
  for (const b of BUILDS) programs[b] = await tide.load(glue(b));
});

// What tests/programs/output.c prints for a line of n bytes: '0' + j % 10 at j.
const digits = (n) => '0123456789'.repeat(Math.ceil(n / 10)).slice(0, n);

// The notice a cut line ends with (src/host/emscripten.js, TideOutput).
function notice(total, shown) {
  return ` … [line cut: ${total} bytes${total >= 1024 ? ` (${shown.total})` : ''}, ` +
    `showing the first ${shown.max}; the maxLineBytes option raises the limit]`;
}

async function runOf(build, args, options = {}) {
  const out = [];
  const err = [];
  const run = programs[build].start({ args, onStdout: (l) => out.push(l), onStderr: (l) => err.push(l), ...options });
  const value = await run.result;
  return { value, out, err, run };
}

for (const build of BUILDS) {
  test(`${build}: a 150 MiB line keeps its first 1 MiB and says it was cut; the run goes on`, async () => {
    const { value, out, err } = await runOf(build, ['line', String(150 * MiB)]);
    assert.equal(value, 0);
    assert.deepEqual(err, []);
    assert.equal(out.length, 2);
    assert.equal(out[0], digits(MiB) + notice(150 * MiB, { total: '150 MiB', max: '1 MiB' }));
    assert.equal(out[1], 'after');
  });

  test(`${build}: one write of 8 MiB with no newline at all arrives cut when the run ends`, async () => {
    const { value, out } = await runOf(build, ['nonl', String(8 * MiB)]);
    assert.equal(value, 0);
    assert.deepEqual(out, [digits(MiB) + notice(8 * MiB, { total: '8 MiB', max: '1 MiB' })]);
  });

  test(`${build}: stderr lines are capped the same way`, async () => {
    const { out, err } = await runOf(build, ['stderr', String(3 * MiB + 5)]);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [digits(MiB) + notice(3 * MiB + 5, { total: '3 MiB', max: '1 MiB' }), 'after']);
  });

  test(`${build}: a cut line ends at a whole UTF-8 character`, async () => {
    // 1 MiB is 349525 characters of 3 bytes and one byte more
    const { out } = await runOf(build, ['utf8', '400000']);
    assert.deepEqual(out, ['✓'.repeat(349525) + notice(1200000, { total: '1.1 MiB', max: '1 MiB' })]);
  });

  test(`${build}: bytes that are not UTF-8 arrive as U+FFFD; NUL and a byte order mark are kept`, async () => {
    const { out } = await runOf(build, ['binary']);
    const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).filter((c) => c !== '\n');
    // 0x80-0xff alone or in this order: each byte is an invalid sequence
    assert.deepEqual(out, ['\uFEFFbom', ascii.join('') + '\uFFFD'.repeat(128)]);
  });

  test(`${build}: 20,000 lines of 300 bytes arrive whole and in order`, async () => {
    const { out } = await runOf(build, ['many', '20000', '300']);
    assert.equal(out.length, 20000);
    const bad = out.findIndex((l, i) => l !== `${i} `.padEnd(300, 'm'));
    assert.equal(bad, -1, `line ${bad}: ${out[bad]?.slice(0, 40)}`);
  });

  test(`${build}: maxLineBytes lowers and raises the cap`, async () => {
    let { out } = await runOf(build, ['line', '25'], { maxLineBytes: 10 });
    assert.deepEqual(out, [digits(10) + notice(25, { max: '10 bytes' }), 'after']);
    ({ out } = await runOf(build, ['line', String(3 * MiB)], { maxLineBytes: 4 * MiB }));
    assert.deepEqual(out, [digits(3 * MiB), 'after']);
    ({ out } = await runOf(build, ['line', String(MiB)]));
    assert.deepEqual(out, [digits(MiB), 'after'], 'a line of exactly the cap is whole');
  });
}

test('maxLineBytes that is not a positive integer is a TypeError at start()', () => {
  for (const bad of [0, -1, 1.5, '10', NaN, Infinity, null])
    assert.throws(() => programs.output.start({ maxLineBytes: bad }), TypeError, String(bad));
});

test('terminate() from inside an output callback settles the run; no line comes after', async () => {
  const out = [];
  const run = programs.output.start({
    args: ['many', '5000', '10'],
    onStdout: (l) => {
      out.push(l);
      if (out.length === 3) run.terminate('enough');
    },
  });
  await assert.rejects(run.result, { name: 'TideError', code: 'TIDE_TERMINATED' });
  assert.deepEqual(out, ['0 mmmmmmmm', '1 mmmmmmmm', '2 mmmmmmmm']);
});

// ---- in Chromium: the same API, as the docs page loads it ------------------------

let server, browser, page;
const problems = [];

async function openPage() {
  if (page) return page;
  server = await serve(0);
  browser = await launchChromium({ defaultTimeout: 30_000 });
  page = await browser.context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(server.url, { waitUntil: 'load', timeout: 15_000 });
  return page;
}

after(async () => {
  await browser?.close();
  await server?.close();
  assert.deepEqual(problems, [], 'the page reported problems');
}, { timeout: 30_000 });

// output.mjs is also built with pthreads; the page is cross-origin isolated,
// so load() takes that build there: its memory is shared, and a line
// printed on a Web Worker reaches the page through the main thread.
test('Chromium: a 150 MiB line, a write without newline and a line from a Web Worker are cut; result settles', { timeout: 60_000 }, async () => {
  const p = await openPage();
  for (const build of BUILDS) {
    const r = await p.evaluate(async ({ build: b, MiB: M }) => {
      const tide = await import('/dist/tide.mjs');
      const program = await tide.load(`/build/em/user/${b}.mjs`);
      const seen = async (args) => {
        const out = [];
        const value = await program.run({ args, onStdout: (l) => out.push(l), onStderr: () => {} });
        return { value, lengths: out.map((l) => l.length), heads: out.map((l) => l.slice(0, 13)), tails: out.map((l) => l.slice(-120)) };
      };
      return {
        threads: program.threads,
        line: await seen(['line', String(150 * M)]),
        nonl: await seen(['nonl', String(2 * M)]),
        thread: await seen(['thread', String(3 * M)]),
      };
    }, { build, MiB });
    assert.equal(r.threads, build === 'output', `${build}: the pthreads build where there is one`);
    const cut = notice(150 * MiB, { total: '150 MiB', max: '1 MiB' });
    assert.equal(r.line.value, 0, build);
    assert.deepEqual(r.line.lengths, [MiB + cut.length, 5], build);
    assert.deepEqual(r.line.heads, ['0123456789012', 'after'], build);
    assert.ok(r.line.tails[0].endsWith(cut), `${build}: ${r.line.tails[0]}`);
    assert.equal(r.nonl.value, 0, build);
    assert.equal(r.nonl.tails.length, 1, build);
    assert.ok(r.nonl.tails[0].endsWith(notice(2 * MiB, { total: '2 MiB', max: '1 MiB' })), build);
    assert.equal(r.thread.value, 0, build);
    assert.deepEqual(r.thread.heads, [r.threads ? 'build: thread' : 'build: inline', '0123456789012', 'after'], build);
    assert.ok(r.thread.tails[1].endsWith(notice(3 * MiB, { total: '3 MiB', max: '1 MiB' })), build);
  }
});
