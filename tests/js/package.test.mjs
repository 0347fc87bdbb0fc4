// package.test.mjs - the npm package as a user gets it: `npm pack`, install
// the tarball into a scratch folder (offline: nothing leaves the machine),
// import 'tide-wasm' from Node and run a bundled example, then build a
// program of one's own with the installed tide-emcc and run that too; with
// --threads, in both variants, run from Node (single-thread: to_thread
// inline, said on stderr) and from an isolated page in headless Chromium
// (pthreads: Web Workers), where the bundled to_thread example takes its
// pthreads build too.
// The installed tide-lint checks a program of one's own with the clang on
// PATH.
// WASI: the installed tide-cc says how to get @yowasp/clang while it is
// missing; with it installed (offline, from npm's cache, as npm ci left
// it), `npx tide-cc` builds a fresh program with a main and `npx tide-run`
// runs it: arguments, environment, stdin, exit status, a trap; the module
// imports only wasi_snapshot_preview1.
// Needs `make dist` (make test does it); tide-emcc needs emcc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, emccWritesWorkerFile } from '../support/hosts.mjs';
import { sh, pack, installApp } from '../support/npm.mjs';
import { EXPECTED } from '../support/expected.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { start } from '../../web/dev/serve.mjs';

let scratch, tarball;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
before(() => {
  assert.ok(fs.existsSync(path.join(root, 'dist/tide.mjs')), 'dist/ is missing: run `make dist`');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-package-'));
});

after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('package.json describes an ESM package with types first', () => {
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.engines.node, '>=20');
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object') continue;
    assert.equal(Object.keys(target)[0], 'types', `exports["${key}"] must list "types" first`);
    for (const file of Object.values(target)) assert.ok(fs.existsSync(path.join(root, file)), file);
  }
  assert.deepEqual(pkg.files, ['dist/']);
  // the version the API reports is the package's
  const api = fs.readFileSync(path.join(root, 'web/package/tide.mjs'), 'utf8');
  assert.match(api, new RegExp(`export const version = '${pkg.version.replace(/\./g, '\\.')}'`));
});

test('npm pack ships only what users need', { timeout: 120_000 }, () => {
  const packed = pack(scratch);
  const info = packed.info;
  tarball = packed.tarball;
  assert.ok(fs.existsSync(tarball));
  const files = info.files.map((f) => f.path).sort();
  const extra = files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
  assert.deepEqual(extra, [], 'files outside dist/');
  for (const f of ['dist/tide.mjs', 'dist/tide.d.ts', 'dist/examples.mjs', 'dist/examples.d.ts',
    'dist/examples/tasks.mjs', 'dist/examples/tasks.wasm', 'dist/include/tide.h', 'dist/lib/libtide.a',
    'dist/lib/link.flags', 'dist/lib/emcc.version', 'dist/bin/tide-emcc', 'dist/lint/tide-lint.mjs', 'README.md',
    // to_thread on Web Workers: the example's pthreads build, and what
    // tide-emcc --threads links
    'dist/examples/threads/to_thread.mjs', 'dist/examples/threads/to_thread.wasm',
    ...(emccWritesWorkerFile() ? ['dist/examples/threads/to_thread.worker.js'] : []),
    'dist/lib/threads/libtide.a', 'dist/lib/threads/link.flags',
    // WASI: Tide for wasm32-wasip1 and the two commands
    'dist/wasi/tide-cc.mjs', 'dist/wasi/tide-run.mjs', 'dist/wasi/clang.mjs', 'dist/wasi/run.mjs',
    'dist/wasi/lib/libtide.a', 'dist/wasi/lib/clang.version'])
    assert.ok(files.includes(f), `${f} is not in the package`);
  assert.ok(!files.some((f) => /test_|bench|\.c$/.test(f)), 'tests, benchmarks or C sources in the package');
  assert.ok(info.size < 2_000_000, `the package is ${info.size} bytes`);
});

test('the tarball installs offline and runs an example from Node', { timeout: 120_000 }, () => {
  assert.ok(tarball, 'npm pack did not run');
  const app = path.join(scratch, 'app');
  installApp(app, tarball);
  fs.writeFileSync(
    path.join(app, 'main.mjs'),
    `import { loadExample, exampleNames, version, TideError } from 'tide-wasm';
     const lines = [];
     const program = await loadExample('tasks');
     const value = await program.run({ clock: 'virtual', onStdout: (l) => lines.push(l) });
     const wrong = await loadExample('nope').catch((e) => [e instanceof TideError, e.name, e.code]);
     // the table of examples is no entry point of the package
     const subpath = await import('tide-wasm/examples').then(() => 'imported', (e) => e.code);
     console.log(JSON.stringify({ value, lines, version, names: await exampleNames(), wrong, subpath }));
    `
  );
  const r = JSON.parse(sh(process.execPath, ['main.mjs'], { cwd: app }));
  assert.equal(r.value, 0);
  assert.deepEqual(r.lines, EXPECTED.tasks);
  assert.equal(r.version, pkg.version);
  assert.ok(r.names.includes('tasks') && r.names.includes('cancel'));
  assert.deepEqual(r.wrong, [true, 'TideError', 'TIDE_LOAD_FAILED']);
  assert.equal(r.subpath, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

// The scratch app the install test made, with the package in node_modules.
function installedApp() {
  const app = path.join(scratch, 'app');
  assert.ok(fs.existsSync(path.join(app, 'node_modules/tide-wasm')), 'the install test did not run');
  return app;
}

test("the installed tide-emcc builds a user's program, and the package runs it", { timeout: 180_000 }, () => {
  const app = installedApp();
  fs.writeFileSync(
    path.join(app, 'hello.c'),
    `#include <stdio.h>
     #include <tide.h>
     struct greet { TIDE_FRAME; const char *who; char text[64]; };
     static tide_status greet(void *frame)
     {
         struct greet *g = frame;
         TIDE_BEGIN(g);
         printf("hello, %s\\n", g->who);
         TIDE_AWAIT(g, tide_sleep(5));
         snprintf(g->text, sizeof g->text, "greeted %s", g->who);
         TIDE_RETURN(g, g->text);
         TIDE_END(g);
     }
     int main(int argc, char **argv)
     {
         struct greet g = {.who = argc > 1 ? argv[1] : "world"};
         return tide_main(greet, &g, sizeof g);
     }
    `
  );
  const bin = path.join(app, 'node_modules/.bin/tide-emcc');
  sh(bin, ['hello.c', '-o', 'hello.mjs'], { cwd: app, timeout: 170_000 });
  assert.ok(fs.existsSync(path.join(app, 'hello.wasm')));
  fs.writeFileSync(
    path.join(app, 'hello-run.mjs'),
    `import { load } from 'tide-wasm';
     const program = await load(new URL('./hello.mjs', import.meta.url));
     const lines = [];
     const value = await program.run({ args: ['Tide'], clock: 'virtual', valueType: 'string',
       onStdout: (l) => lines.push(l) });
     console.log(JSON.stringify({ value, lines }));
    `
  );
  const r = JSON.parse(sh(process.execPath, ['hello-run.mjs'], { cwd: app }));
  assert.deepEqual(r, { value: 'greeted Tide', lines: ['hello, Tide'] });
  // a dropped awaitable is an error, as with tide-cc; the user's own flag wins
  fs.writeFileSync(path.join(app, 'dropped.c'), fs.readFileSync(path.join(app, 'hello.c'), 'utf8')
    .replace('TIDE_AWAIT(g, tide_sleep(5));', 'tide_sleep(5);'));
  const bad = spawnSync(bin, ['dropped.c', '-o', 'dropped.mjs'], { cwd: app, encoding: 'utf8', timeout: 170_000 });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /^dropped\.c:\d+:\d+: error: ignoring return value of function declared with 'warn_unused_result' attribute \[-Werror,-Wunused-result\]$/m);
  assert.ok(!fs.existsSync(path.join(app, 'dropped.wasm')));
  const warned = spawnSync(bin, ['dropped.c', '-Wno-error=unused-result', '-o', 'dropped.mjs'], { cwd: app, encoding: 'utf8', timeout: 170_000 });
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(warned.stderr, /warning: ignoring return value/);
});

// tide-emcc runs only the emcc that built lib/ (Emscripten keeps no ABI
// between versions) and says so clearly; --help is its own, not emcc's.
test('tide-emcc: its own --help and --version; a missing emcc or one of another version is a clear error', () => {
  const bin = path.join(root, 'dist/bin/tide-emcc');
  const need = fs.readFileSync(path.join(root, 'dist/lib/emcc.version'), 'utf8').trim();
  assert.match(need, /^\d+\.\d+\.\d+$/);
  const dir = fs.mkdtempSync(path.join(scratch, 'emcc-'));
  const tide = (args, env = {}) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

  const help = tide(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: tide-emcc \[--threads\] FILE\.c\.\.\. \[emcc options\] -o NAME\.mjs\n/);
  for (const part of ['  --threads ', '  --help ', '  --version ', `-I${root}/dist/include`, `${root}/dist/lib/libtide.a`,
    `--js-library ${root}/dist/lib/emscripten.js`, '-sEXPORTED_RUNTIME_METHODS=ENV,callMain', `Needs Emscripten ${need}`, 'Example:'])
    assert.ok(help.stdout.includes(part), `--help does not mention ${part}:\n${help.stdout}`);
  assert.doesNotMatch(help.stdout, /clang|Most clang options/, "emcc's own help");
  assert.equal(tide(['hello.c', '--help']).stdout, help.stdout, '--help anywhere');
  const none = tide([]);
  assert.deepEqual([none.status, none.stderr], [2, help.stdout]);

  const version = tide(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, new RegExp(`^tide-emcc ${pkg.version.replace(/\./g, '\\.')}: Tide's library is built with Emscripten ${need}\nfound: emcc `));

  const missing = tide(['x.c', '-o', 'x.mjs'], { EMCC: path.join(dir, 'no-such-emcc') });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `tide-emcc: needs Emscripten ${need}, and found no emcc at EMCC=${path.join(dir, 'no-such-emcc')}:\n` +
    `install it (emsdk install ${need}) and put its emcc on PATH, or set EMCC=/path/to/emcc\n`);

  // an emcc of another version: refused, unless asked to try; then it runs
  // with Tide's arguments added
  const fake = path.join(dir, 'emcc');
  fs.writeFileSync(fake, '#!/bin/sh\nif [ "$1" = -dumpversion ]; then echo 4.0.0; exit 0; fi\necho "emcc: $*" >&2\nexit 7\n', { mode: 0o755 });
  const other = tide(['x.c', '-o', 'x.mjs'], { EMCC: fake });
  assert.equal(other.status, 2);
  assert.ok(other.stderr.startsWith(`tide-emcc: Tide's library is built with Emscripten ${need}, which alone links with it\n` +
    `(Emscripten keeps no ABI between versions); found emcc 4.0.0 at ${fake}.\n`), other.stderr);
  assert.doesNotMatch(other.stderr, /^emcc: /m, 'the other emcc ran');
  const onPath = tide(['x.c', '-o', 'x.mjs'], { PATH: `${dir}:${process.env.PATH}` });
  assert.equal(onPath.status, 2);
  assert.match(onPath.stderr, new RegExp(`found emcc 4\\.0\\.0 at ${fake.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
  const tried = tide(['x.c', '-o', 'x.mjs'], { EMCC: fake, TIDE_EMCC_ANY_VERSION: '1' });
  assert.equal(tried.status, 7);
  assert.match(tried.stderr, new RegExp(`^tide-emcc: warning: Tide's library is built with Emscripten ${need}, not 4\\.0\\.0 `));
  assert.match(tried.stderr, /\nemcc: -O2 -Werror=unused-result -I\S+\/include x\.c -o x\.mjs \S+\/libtide\.a --js-library /);
});

test("the installed tide-lint flags a user's coroutine at the right line, and passes the fixed one", () => {
  const app = installedApp();
  const program = (loop) => `#include <tide.h>
struct count { TIDE_FRAME; int i; };
static tide_status count(void *frame)
{
    struct count *c = frame;
    TIDE_BEGIN(c);
    ${loop}
        TIDE_YIELD(c);
    TIDE_END(c);
}
`;
  const bin = path.join(app, 'node_modules/.bin/tide-lint');
  fs.writeFileSync(path.join(app, 'count.c'), program('for (int i = 0; i < 3; i++)'));
  const r = spawnSync(bin, ['count.c'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^count\.c:7:28: error: `i` is a local variable: .* keep it in the frame \(c->i\) \[local-across-await\]$/m);
  fs.writeFileSync(path.join(app, 'count.c'), program('for (c->i = 0; c->i < 3; c->i++)'));
  const ok = spawnSync(bin, ['count.c'], { cwd: app, encoding: 'utf8' });
  assert.deepEqual([ok.status, ok.stdout, ok.stderr], [0, '', '']);
});

test('tide-emcc --threads builds both variants; Node runs the single-thread one and says so', { timeout: 240_000 }, () => {
  const app = installedApp();
  fs.writeFileSync(
    path.join(app, 'blocking.c'),
    `#include <stdint.h>
     #include <stdio.h>
     #include <tide.h>
     static int twice(void *arg, void **result)
     {
         *result = (void *)((intptr_t)arg * 2);
         return 0;
     }
     struct prog { TIDE_FRAME; void *value; };
     static tide_status prog(void *frame)
     {
         struct prog *p = frame;
         TIDE_BEGIN(p);
         TIDE_AWAIT(p, tide_to_thread(twice, (void *)21, &p->value));
         printf("%s: %d\\n", tide_to_thread_is_inline() ? "inline" : "thread", (int)(intptr_t)p->value);
         TIDE_END(p);
     }
     int main(void) { return tide_main(prog, &(struct prog){0}, sizeof(struct prog)); }
    `
  );
  sh(path.join(app, 'node_modules/.bin/tide-emcc'), ['--threads', 'blocking.c', '-o', 'blocking.mjs'], { cwd: app, timeout: 230_000 });
  for (const f of ['blocking.mjs', 'blocking.wasm', 'threads/blocking.mjs', 'threads/blocking.wasm',
    ...(emccWritesWorkerFile() ? ['threads/blocking.worker.js'] : [])])
    assert.ok(fs.existsSync(path.join(app, f)), `${f} was not written`);
  assert.match(fs.readFileSync(path.join(app, 'blocking.mjs'), 'utf8'), /export const tideThreads = \{/);
  fs.writeFileSync(
    path.join(app, 'blocking-run.mjs'),
    `import { load } from 'tide-wasm';
     const program = await load(new URL('./blocking.mjs', import.meta.url));
     const lines = [], errors = [];
     await program.run({ onStdout: (l) => lines.push(l), onStderr: (l) => errors.push(l) });
     console.log(JSON.stringify({ threads: program.threads, lines, errors }));
    `
  );
  const r = JSON.parse(sh(process.execPath, ['blocking-run.mjs'], { cwd: app }));
  assert.equal(r.threads, false);
  assert.deepEqual(r.lines, ['inline: 42']);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /^tide: to_thread ran inline, on the loop's thread: .*not in Node\.js/);
});

test('from the installed package in Chromium: pthreads builds when isolated, single-thread ones when not', { timeout: 120_000 }, async () => {
  const app = path.join(scratch, 'app');
  assert.ok(fs.existsSync(path.join(app, 'threads/blocking.wasm')), 'the --threads test did not run');
  const browser = await launchChromium({ defaultTimeout: 30_000 });
  try {
    for (const isolation of [true, false]) {
      const server = await start(0, '127.0.0.1', { isolation, mounts: [['/', app]] });
      const page = await browser.context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('response', (res) => {
        if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`HTTP ${res.status()}: ${res.url()}`);
      });
      try {
        await page.goto(`${server.url}blocking.c`, { waitUntil: 'load' });
        const r = await page.evaluate(async () => {
          const { load, loadExample } = await import('/node_modules/tide-wasm/dist/tide.mjs');
          const go = async (program) => {
            const lines = [], reports = [];
            await program.run({ onStdout: (l) => lines.push(l), onReport: (x) => reports.push(x.kind) });
            return { threads: program.threads, lines, reports };
          };
          return { mine: await go(await load('/blocking.mjs')), example: await go(await loadExample('to_thread')) };
        });
        const kind = isolation ? 'thread' : 'inline';
        assert.deepEqual(r.mine, { threads: isolation, lines: [`${kind}: 42`], reports: isolation ? [] : ['inline'] });
        assert.deepEqual(r.example, { threads: isolation, lines: ['42'], reports: isolation ? [] : ['inline'] });
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
});

// ---- WASI: tide-cc and tide-run from the installed package ----------------------

const npx = (app, args, options = {}) =>
  spawnSync('npx', args, {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
    env: { ...process.env, npm_config_update_notifier: 'false', ...options.env },
  });

const HELLO_WASI = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

struct hello { TIDE_FRAME; int argc; char **argv; char line[256]; };
static int lines;   /* (tide_main runs a copy of the frame) */

static tide_status hello(void *frame)
{
    struct hello *h = frame;
    TIDE_BEGIN(h);
    printf("hello, %s\\n", h->argc > 1 ? h->argv[1] : "world");
    printf("GREETING=%s\\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
    TIDE_AWAIT(h, tide_sleep(60));   /* at once with TIDE_CLOCK=virtual */
    printf("slept until %g\\n", tide_time());
    while (fgets(h->line, sizeof h->line, stdin)) {
        lines++;
        printf("read: %s", h->line);
    }
    if (h->argc > 2 && strcmp(h->argv[2], "abort") == 0)
        abort();
    TIDE_END(h);
}

int main(int argc, char **argv)
{
    struct hello h = {.argc = argc, .argv = argv};
    int rc = tide_main(hello, &h, sizeof h);
    return rc ? rc : lines;   /* the exit status: lines read */
}
`;

test('the installed tide-cc, without @yowasp/clang: says how to install it; tide-run needs none', () => {
  const app = installedApp();
  fs.writeFileSync(path.join(app, 'hi.c'), HELLO_WASI);
  assert.ok(!fs.existsSync(path.join(app, 'node_modules/@yowasp/clang')), 'the optional peer was installed with the package');
  const r = npx(app, ['tide-cc', 'hi.c', '-o', 'hi.wasm']);
  assert.equal(r.status, 2, r.stderr);
  const range = pkg.peerDependencies['@yowasp/clang'];
  assert.equal(r.stderr, 'tide-cc: needs @yowasp/clang (Clang for WebAssembly, an optional peer dependency of tide-wasm), ' +
    `which is not installed. Install it in your project with:\n    npm install --save-dev '@yowasp/clang@${range}'\n`);
  assert.ok(!fs.existsSync(path.join(app, 'hi.wasm')));
  const version = npx(app, ['tide-cc', '--version']);
  assert.equal(version.stdout, `tide-cc ${pkg.version}: Tide for wasm32-wasip1, its library built with ` +
    `@yowasp/clang ${pkg.devDependencies['@yowasp/clang']}\nfound: no @yowasp/clang\n`);
  const help = npx(app, ['tide-cc', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: tide-cc FILE\.c\.\.\. \[-o NAME\.wasm\] \[clang options\]\n/);
  for (const part of ['-Werror=unused-result', `npm install --save-dev '@yowasp/clang@${range}'`, 'node_modules/tide-wasm/dist/include',
    'node_modules/tide-wasm/dist/wasi/lib/libtide.a'])
    assert.ok(help.stdout.includes(part), `--help does not mention ${part}:\n${help.stdout}`);
  const run = npx(app, ['tide-run', '--version']);
  assert.match(run.stdout, new RegExp(`^tide-run ${pkg.version.replace(/\./g, '\\.')} \\(Node\\.js `));
});

test('with @yowasp/clang installed, npx tide-cc builds a fresh program and npx tide-run runs it as wasmtime would', { timeout: 240_000 }, async () => {
  const app = installedApp();
  // the peer, offline: the pinned one that npm ci installed here, packed.
  // (Not by name from npm's cache: on a fresh machine the cache holds only
  // the metadata npm ci asked for, and `npm install name@version` asks for
  // more, so it fails offline.)
  const peer = pack(path.dirname(app), path.join(root, 'node_modules/@yowasp/clang'));
  assert.equal(peer.info.version, pkg.devDependencies['@yowasp/clang'], 'npm ci installed another version than the pinned one');
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--save-dev', peer.tarball], { cwd: app });
  const cc = npx(app, ['tide-cc', 'hi.c']);
  assert.deepEqual([cc.status, cc.stdout, cc.stderr], [0, '', '']);
  // named after the source; a WASI command that needs nothing but preview1
  const module = await WebAssembly.compile(fs.readFileSync(path.join(app, 'hi.wasm')));
  assert.deepEqual([...new Set(WebAssembly.Module.imports(module).map((i) => i.module))], ['wasi_snapshot_preview1']);
  assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === '_start'));

  const r = npx(app, ['tide-run', '--env', 'GREETING=hi', 'hi.wasm', 'Tide'],
    { input: 'one\ntwo\n', env: { TIDE_CLOCK: 'virtual', GREETING: 'not passed' } });
  assert.equal(r.stdout, 'hello, Tide\nGREETING=hi\nslept until 60\nread: one\nread: two\n', r.stderr);
  assert.equal(r.status, 2, 'the exit status is what main returned');
  const plain = npx(app, ['tide-run', 'hi.wasm'], { input: '', env: { TIDE_CLOCK: 'virtual', GREETING: 'not passed' } });
  assert.deepEqual([plain.stdout, plain.status], ['hello, world\nGREETING=(unset)\nslept until 60\n', 0]);
  const trap = npx(app, ['tide-run', 'hi.wasm', 'x', 'abort'], { input: 'last\n', env: { TIDE_CLOCK: 'virtual' } });
  assert.equal(trap.status, 134);
  // (what stdio still held at abort() is lost, as natively)
  assert.match(trap.stdout, /^hello, x\n/);
  assert.match(trap.stderr, /^tide-run: hi\.wasm: wasm trap: unreachable\n {2}0: \w+ \(wasm function \d+, offset 0x[0-9a-f]+\)\n/);
});

test('tide-cc: -o, more files, -I, and clang\'s messages at their file:line; a dropped awaitable is an error', { timeout: 120_000 }, () => {
  const app = installedApp();
  assert.ok(fs.existsSync(path.join(app, 'node_modules/@yowasp/clang')), 'the install test did not run');
  fs.mkdirSync(path.join(app, 'src/inc'), { recursive: true });
  fs.writeFileSync(path.join(app, 'src/inc/twice.h'), 'int twice(int x);\n');
  fs.writeFileSync(path.join(app, 'src/twice.c'), '#include "twice.h"\nint twice(int x) { return 2 * x; }\n');
  fs.writeFileSync(path.join(app, 'src/main.c'), `#include <stdio.h>
#include <tide.h>
#include "twice.h"
struct m { TIDE_FRAME; };
static tide_status m(void *frame)
{
    struct m *f = frame;
    TIDE_BEGIN(f);
    tide_sleep(1);
    printf("%d\\n", twice(21));
    TIDE_END(f);
}
int main(void) { return tide_main(m, &(struct m){0}, sizeof(struct m)); }
`);
  const bad = npx(app, ['tide-cc', '-Isrc/inc', 'src/main.c', 'src/twice.c', '-o', 'out/twice.wasm']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^src\/main\.c:9:5: error: ignoring return value of function declared with 'warn_unused_result' attribute \[-Werror,-Wunused-result\]$/m);
  assert.doesNotMatch(bad.stderr, /\/host\//, 'a path of the toolchain\'s own file system');
  fs.writeFileSync(path.join(app, 'src/main.c'), fs.readFileSync(path.join(app, 'src/main.c'), 'utf8').replace('tide_sleep(1);', 'TIDE_AWAIT(f, tide_sleep(1));'));
  fs.mkdirSync(path.join(app, 'out'));
  const ok = npx(app, ['tide-cc', '-Isrc/inc', 'src/main.c', 'src/twice.c', '-o', 'out/twice.wasm']);
  assert.deepEqual([ok.status, ok.stderr], [0, '']);
  const r = npx(app, ['tide-run', 'out/twice.wasm'], { env: { TIDE_CLOCK: 'virtual' } });
  assert.deepEqual([r.stdout, r.status], ['42\n', 0]);
});

test("README's WASI hello program builds with npx tide-cc and runs with npx tide-run as README says", { timeout: 120_000 }, () => {
  const app = installedApp();
  assert.ok(fs.existsSync(path.join(app, 'node_modules/@yowasp/clang')), 'the install test did not run');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const code = /```c\n(\/\* hello\.c [\s\S]*?)```/.exec(readme);
  assert.ok(code, "README has no hello.c");
  fs.mkdirSync(path.join(app, 'readme'));
  fs.writeFileSync(path.join(app, 'readme/hello.c'), code[1]);
  const cc = npx(path.join(app, 'readme'), ['tide-cc', 'hello.c', '-o', 'hello.wasm']);
  assert.deepEqual([cc.status, cc.stderr], [0, '']);
  // README: "npx tide-run hello.wasm Ada Grace   # hello, Grace (after 0.5 s) / hello, Ada (after 1.0 s)"
  const said = /npx tide-run hello\.wasm Ada Grace +# (.*)\n/.exec(readme);
  assert.ok(said, 'README does not show the run');
  const r = npx(path.join(app, 'readme'), ['tide-run', 'hello.wasm', 'Ada', 'Grace'], { env: { TIDE_CLOCK: 'virtual' } });
  assert.deepEqual([r.stdout.trimEnd().split('\n'), r.status], [said[1].split(' / '), 0], r.stderr);
  const none = npx(path.join(app, 'readme'), ['tide-run', 'hello.wasm']);
  assert.deepEqual([none.stderr, none.status], ['usage: hello NAME...\n', 2]);
});
