// jsapi.test.mjs - the JS API of the npm package (dist/tide.mjs) in Node:
// loading (bundled examples by name, programs by path, URL, bytes,
// WebAssembly.Module, and bad input), results and rejections with
// TideErrors (Tide's error names as `code`; a task group's with each
// child's error in `errors`), cancel and AbortSignal, terminate
// and torn-down instances, streaming stdout/stderr, and the order of trace
// events. Programs: the bundled examples and
// tests/programs/jsapi.c, built with web/package/tide-emcc (build/em/user/jsapi.mjs).
// Needs `make dist build/em/user/jsapi.mjs` (make test does it).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../support/hosts.mjs';
import { EXPECTED } from '../support/expected.mjs';
import { TRACE_WORKERS, traceWords } from '../support/jsapi-expected.mjs';

const distEntry = path.join(root, 'dist/tide.mjs');
const userGlue = path.join(root, 'build/em/user/jsapi.mjs');
let tide, jsapi;

before(async () => {
  for (const f of [distEntry, userGlue])
    assert.ok(fs.existsSync(f), `${f} is missing: run \`make dist build/em/user/jsapi.mjs\``);
  tide = await import(pathToFileURL(distEntry).href);
  jsapi = await tide.load(userGlue);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Start tests/programs/jsapi.c with argv, collecting what it prints.
function start(args, options = {}) {
  const out = [];
  const err = [];
  const run = jsapi.start({ args, onStdout: (l) => out.push(l), onStderr: (l) => err.push(l), ...options });
  return { run, out, err };
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

// ---- loading ----------------------------------------------------------------

test('the bundled examples load by name and print what they should', async () => {
  const names = await tide.exampleNames();
  const sources = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2)).sort();
  assert.deepEqual(names, sources);
  for (const name of ['tasks', 'cancel', 'taskgroup']) {
    const out = [];
    const program = await tide.loadExample(name);
    assert.equal(program.name, name);
    const run = program.start({ clock: 'virtual', onStdout: (l) => out.push(l), onStderr: (l) => assert.fail(l) });
    assert.equal(await run.result, 0);
    assert.equal(run.exitCode, 0);
    assert.equal(run.state, 'done');
    assert.deepEqual(out, EXPECTED[name], name);
  }
});

test('run() loads, starts and returns the result in one call', async () => {
  const out = [];
  assert.equal(await tide.run(userGlue, { args: ['value', '9'], onStdout: (l) => out.push(l) }), 9);
  assert.deepEqual(out, []);
});

// One way to name each: loadExample(name) for the bundled examples,
// load(url | path | {...}) for programs; a string given to load() is
// always a URL or a path.
test('loadExample() takes only the names of bundled examples; load() never takes one', async () => {
  const names = await tide.exampleNames();
  let e = await rejection(tide.loadExample('no_such_example'));
  assert.ok(e instanceof tide.TideError);
  assert.equal(e.code, 'TIDE_LOAD_FAILED');
  assert.equal(e.message, `no bundled example named "no_such_example" (there are: ${names.join(', ')})`);
  // names are not paths, and paths are not names
  e = await rejection(tide.loadExample(path.relative(process.cwd(), userGlue)));
  assert.match(e.message, /^no bundled example named "build\/em\/user\/jsapi\.mjs"/);
  await assert.rejects(tide.loadExample(), { name: 'TypeError', message: /takes the name of a bundled example, not undefined/ });
  await assert.rejects(tide.loadExample(new URL('file:///tasks.mjs')), { name: 'TypeError' });
  // load('tasks') reads ./tasks, and says how to load the example
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-jsapi-'));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    e = await rejection(tide.load('tasks'));
    assert.equal(e.code, 'TIDE_LOAD_FAILED');
    assert.ok(e.message.startsWith(`cannot load the JS glue of ${pathToFileURL(path.join(dir, 'tasks')).href}: `), e.message);
    assert.ok(e.message.endsWith(`(to run the bundled example "tasks", use loadExample('tasks'))`), e.message);
    // a name that is no example gets no hint
    e = await rejection(tide.load('no_such_example'));
    assert.doesNotMatch(e.message, /loadExample/);
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // bad options are a TypeError, for both
  await assert.rejects(tide.loadExample('tasks', 'off'), { name: 'TypeError', message: /options must be an object/ });
  await assert.rejects(tide.load(userGlue, { threads: true }), { name: 'TypeError', message: /threads must be 'auto', 'on' or 'off'/ });
});

test('a program loads from a path, a file URL, bytes or a WebAssembly.Module', async () => {
  const wasmFile = userGlue.replace(/\.mjs$/, '.wasm');
  const bytes = fs.readFileSync(wasmFile);
  const { default: factory } = await import(pathToFileURL(userGlue).href);
  const sources = [
    path.relative(process.cwd(), userGlue), // relative to the working directory
    pathToFileURL(userGlue),
    pathToFileURL(wasmFile).href, // the .wasm's URL: the glue is beside it
    { glue: pathToFileURL(userGlue), wasm: bytes },
    { factory, wasm: new Uint8Array(bytes).buffer },
    { factory, wasm: await WebAssembly.compile(bytes), name: 'mine' },
  ];
  for (const source of sources) {
    const program = await tide.load(source);
    assert.equal(await program.run({ args: ['value', '7'] }), 7, String(source));
  }
  assert.equal((await tide.load(sources.at(-1))).name, 'mine');
});

test('a missing .wasm is a clear error naming its URL', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-jsapi-'));
  try {
    const glue = path.join(dir, 'lonely.mjs');
    fs.copyFileSync(userGlue, glue);
    const e = await rejection(tide.load(glue));
    assert.ok(e instanceof tide.TideError);
    assert.equal(e.code, 'TIDE_LOAD_FAILED');
    const url = pathToFileURL(path.join(dir, 'lonely.wasm')).href;
    assert.equal(e.url, url);
    assert.match(e.message, new RegExp(`cannot load ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt .wasm is a clear error naming its URL, not "expected magic word"', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-jsapi-'));
  try {
    const cases = [
      ['html', Buffer.from('<!doctype html><title>404</title>'), /is not a WebAssembly module: it starts with the text "<!doctype html>/],
      ['empty', Buffer.alloc(0), /is not a WebAssembly module: it is empty/],
      ['binary', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), /is not a WebAssembly module: it starts with the bytes 01 02 03/],
      // the right magic, then cut short: the compiler's reason, with the URL
      ['truncated', fs.readFileSync(userGlue.replace(/\.mjs$/, '.wasm')).subarray(0, 100), /is not a valid WebAssembly module: /],
    ];
    for (const [name, bytes, pattern] of cases) {
      fs.copyFileSync(userGlue, path.join(dir, `${name}.mjs`));
      fs.writeFileSync(path.join(dir, `${name}.wasm`), bytes);
      const e = await rejection(tide.load(path.join(dir, `${name}.mjs`)));
      assert.equal(e.code, 'TIDE_LOAD_FAILED', name);
      assert.match(e.message, pattern, name);
      assert.ok(e.message.includes(pathToFileURL(path.join(dir, `${name}.wasm`)).href), e.message);
      assert.doesNotMatch(e.message, /magic word/);
    }
    // bytes given directly are named as such
    const e = await rejection(tide.load({ glue: userGlue, wasm: new Uint8Array([0x7b, 0x7d]) }));
    assert.match(e.message, /^the bytes given is not a WebAssembly module/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing glue, a glue that is not a factory', async () => {
  const missing = path.join(os.tmpdir(), 'tide-no-such-dir', 'x.mjs');
  let e = await rejection(tide.load({ glue: missing, wasm: fs.readFileSync(userGlue.replace(/\.mjs$/, '.wasm')) }));
  assert.equal(e.code, 'TIDE_LOAD_FAILED');
  assert.ok(e.message.includes(pathToFileURL(missing).href), e.message);
  e = await rejection(tide.load({ glue: path.join(root, 'tests/support/expected.mjs'), wasm: userGlue.replace(/\.mjs$/, '.wasm') }));
  assert.match(e.message, /does not export an Emscripten module factory/);
});

// Emscripten links a file without main() and leaves callMain out of its
// glue: start() crashed with "callMain is not defined".
test('a program without main() fails to start, saying it has none', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-jsapi-'));
  try {
    fs.writeFileSync(path.join(dir, 'lib.c'), '#include <tide.h>\nint helper(void) { return 1; }\n');
    const cc = spawnSync(path.join(root, 'dist/bin/tide-emcc'), ['lib.c', '-o', 'lib.mjs'], { cwd: dir, encoding: 'utf8', timeout: 110_000 });
    assert.equal(cc.status, 0, cc.stderr);
    const program = await tide.load(path.join(dir, 'lib.mjs'));
    const e = await rejection(program.run());
    assert.equal(e.code, 'TIDE_LOAD_FAILED');
    assert.equal(e.message, 'lib has no main(): a Tide program needs one (int main(void) or int main(int argc, char **argv), ' +
      'which starts the loop with tide_main)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a program built with another version of the host library fails to start, saying to rebuild it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-jsapi-'));
  try {
    const glue = fs.readFileSync(userGlue, 'utf8');
    assert.equal(glue.match(/protocol:2,/g)?.length, 1, 'the glue states its protocol once');
    // an older glue (none: from before the protocol), a newer one
    for (const [name, text, said] of [['old', glue.replace('protocol:2,', ''), 1],
      ['newer', glue.replace('protocol:2,', 'protocol:3,'), 3]]) {
      fs.writeFileSync(path.join(dir, `${name}.mjs`), text);
      fs.copyFileSync(userGlue.replace(/\.mjs$/, '.wasm'), path.join(dir, `${name}.wasm`));
      const program = await tide.load(path.join(dir, `${name}.mjs`));
      const out = [];
      const run = program.start({ args: ['hello'], onStdout: (l) => out.push(l) });
      const e = await rejection(run.result);
      assert.equal(e.code, 'TIDE_LOAD_FAILED', name);
      assert.equal(e.message, `${name} was built with another version of Tide (its JS host speaks protocol ${said}, ` +
        'this tide.mjs 2): rebuild it with this package\'s tide-emcc');
      assert.deepEqual([out, run.state], [[], 'done'], 'main() did not run');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- results and errors ------------------------------------------------------

test('result: the main task value, as a number or a string', async () => {
  assert.equal(await start(['value', '42']).run.result, 42);
  assert.equal(await start(['value', '-5']).run.result, -5);
  const r = jsapi.start({ args: ['string', 'héllo wörld ✓'], valueType: 'string' });
  assert.equal(await r.result, 'héllo wörld ✓');
  assert.equal(r.exitCode, 0);
});

test('a failed main task rejects with its Tide error name and message', async () => {
  let { run, err } = start(['throw']);
  let e = await rejection(run.result);
  assert.ok(e instanceof tide.TideError && e instanceof Error);
  // as Node's errors are: the class's name, a string code, errno the number
  assert.equal(e.name, 'TideError');
  assert.ok(!Object.hasOwn(e, 'name'), 'name comes from the prototype, as for built-in errors');
  assert.equal(String(e), 'TideError: timed out: too slow');
  assert.match(e.stack, /^TideError: timed out: too slow\n/);
  assert.equal(e.code, 'TIDE_ETIMEDOUT');
  assert.equal(e.errno, -2);
  assert.equal(e.tideMessage, 'too slow');
  assert.equal(e.message, 'timed out: too slow');
  assert.equal(e.exitCode, 1);
  assert.equal(run.exitCode, 1);
  assert.deepEqual(err, ['tide: main task failed: timed out: too slow']);

  ({ run } = start(['user']));
  e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_EUSER');
  assert.equal(e.errno, -1007);
  assert.equal(e.tideMessage, 'my own error');

  // a call that does not await: TIDE_TRY raises with the call's detail
  ({ run, err } = start(['nan']));
  e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_EINVAL');
  assert.equal(e.tideMessage, 'tide_call_later: delay is NaN (not a number)');
  assert.equal(e.message, 'invalid argument: tide_call_later: delay is NaN (not a number)');
  assert.deepEqual(err, ['tide: main task failed: invalid argument: tide_call_later: delay is NaN (not a number)']);
});

// Issue 11: a task group's error keeps its story on the way to JS, after
// the C program destroyed the group: `errors` as an AggregateError has,
// nested groups nested; debug mode prints each error on stderr too.
test('a failed task group rejects with errors: each child\'s TideError, nested groups nested', async () => {
  const functions = {
    price: async () => {
      throw new Error('price service down');
    },
  };
  const inner = "1 of 1 child task failed: Task-4 'tax': TIDE_EUSER-3 tax table missing";
  const story = `2 of 2 child tasks failed: Task-2 'price': TIDE_EHOST price service down; Task-3 'inner': TIDE_EGROUP (${inner})`;
  for (const debug of [false, true]) {
    const { run, err } = start(['group'], { functions, debug });
    const e = await rejection(run.result);
    assert.ok(e instanceof tide.TideError);
    assert.equal(e.code, 'TIDE_EGROUP');
    assert.equal(e.errno, -21);
    assert.equal(e.tideMessage, story);
    assert.equal(e.message, `a task group's children failed: ${story}`);
    assert.equal(e.task, null);
    const shape = (x) => ({
      name: x.name,
      code: x.code,
      errno: x.errno,
      message: x.message,
      tideMessage: x.tideMessage,
      task: x.task,
      errors: x.errors && x.errors.map(shape),
      isTideError: x instanceof tide.TideError,
    });
    assert.deepEqual(e.errors.map(shape), [
      {
        name: 'TideError',
        code: 'TIDE_EHOST',
        errno: -20,
        message: 'host call failed: price service down',
        tideMessage: 'price service down',
        task: 'price',
        errors: null,
        isTideError: true,
      },
      {
        name: 'TideError',
        code: 'TIDE_EGROUP',
        errno: -21,
        message: `a task group's children failed: ${inner}`,
        tideMessage: inner,
        task: 'inner',
        errors: [
          {
            name: 'TideError',
            code: 'TIDE_EUSER',
            errno: -1003,
            message: 'user error: tax table missing',
            tideMessage: 'tax table missing',
            task: 'tax',
            errors: null,
            isTideError: true,
          },
        ],
        isTideError: true,
      },
    ]);
    const failed = `tide: main task failed: a task group's children failed: ${story}`;
    assert.deepEqual(
      err,
      debug
        ? [
            failed,
            "tide:   Task-2 'price': TIDE_EHOST price service down",
            "tide:   Task-3 'inner': TIDE_EGROUP",
            "tide:     Task-4 'tax': TIDE_EUSER-3 tax table missing",
          ]
        : [failed]
    );
  }
  // other errors have none
  const e = await rejection(start(['throw']).run.result);
  assert.equal(e.errors, null);
});

test('TideError is exported and constructible; its code is a string', () => {
  const e = new tide.TideError('TIDE_EXIT', 'prog exited with status 3', { exitCode: 3 });
  assert.deepEqual(
    [e.name, e.code, e.errno, e.message, e.exitCode, e.tideMessage, e.url, e.task, e.errors],
    ['TideError', 'TIDE_EXIT', null, 'prog exited with status 3', 3, null, null, null, null]
  );
  const cause = new Error('inner');
  const c = new tide.TideError('TIDE_ECANCELLED', 'cancelled: x', { errno: -1, tideMessage: 'x', cause });
  assert.deepEqual([c.errno, c.tideMessage, c.cause], [-1, 'x', cause]);
  assert.throws(() => new tide.TideError(-1, 'cancelled'), { name: 'TypeError', message: /code is a string such as 'TIDE_ECANCELLED', not -1/ });
});

test('a deadlock is reported through onReport and rejects with TIDE_EDEADLOCK', async () => {
  const reports = [];
  let { run, err } = start(['stuck'], { onReport: (r) => reports.push(r) });
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_EDEADLOCK');
  assert.equal(reports.length, 1);
  assert.equal(reports[0].kind, 'deadlock');
  assert.match(reports[0].text, /^deadlock: 1 task\(s\) wait/);
  assert.match(reports[0].text, /\n  Task-1 waiting on sleep forever \(until cancelled\)/);
  assert.ok(!err.some((l) => l.includes('deadlock: 1 task')), 'reported on stderr too');
  // without onReport, the report is on stderr
  ({ run, err } = start(['stuck']));
  await rejection(run.result);
  assert.ok(err.includes('tide: deadlock: 1 task(s) wait and nothing can wake any of them; cancelling them'));
});

test('a non-zero exit status without a task error rejects with TIDE_EXIT', async () => {
  let e = await rejection(start(['exit', '3']).run.result);
  assert.equal(e.code, 'TIDE_EXIT');
  assert.equal(e.exitCode, 3);
  assert.equal(await start(['exit', '0']).run.result, undefined);
  // exit() called by a task ends the program there
  e = await rejection(start(['task-exit', '4']).run.result);
  assert.equal(e.code, 'TIDE_EXIT');
  assert.equal(e.exitCode, 4);
  const { run } = start(['task-exit', '0']);
  assert.equal(await run.result, undefined);
  assert.equal(run.exitCode, 0);
});

test('a trap rejects with TIDE_CRASHED, and the instance is torn down', async () => {
  const { run, out } = start(['trap']);
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_CRASHED');
  assert.match(e.message, /jsapi crashed: .*unreachable/);
  assert.deepEqual(out, ['about to trap']);
  assert.throws(() => run.dump(), { name: 'TideError', code: 'TIDE_TORN_DOWN' });
});

test('args and environment reach main()', async () => {
  let { run, out } = start(['env', 'GREETING'], { env: { GREETING: 'hello there' } });
  await run.result;
  assert.deepEqual(out, ['GREETING=hello there']);
  ({ run, out } = start(['env', 'TIDE_CLOCK'], { clock: 'virtual' }));
  await run.result;
  assert.deepEqual(out, ['TIDE_CLOCK=virtual']);
});

test('bad options throw a TypeError at once', async () => {
  assert.throws(() => jsapi.start({ clock: 'fast' }), { name: 'TypeError', message: /clock must be 'virtual' or 'real'/ });
  assert.throws(() => jsapi.start({ args: 'value' }), { name: 'TypeError', message: /args/ });
  assert.throws(() => jsapi.start({ valueType: 'json' }), { name: 'TypeError', message: /valueType/ });
  // (a function that is not one used to fail only when C called it, as "no host function 'lookup'")
  assert.throws(() => jsapi.start({ functions: { lookup: 5 } }), { name: 'TypeError', message: /functions\.lookup must be a function, not a number/ });
  assert.throws(() => jsapi.start({ args: ['env', undefined] }), { name: 'TypeError', message: /^args\[1\] must be a string, not undefined$/ });
  // an env value that is no string, number or boolean was passed on as "null", "[object Object]"
  assert.throws(() => jsapi.start({ env: { A: null } }), { name: 'TypeError', message: /^env\.A must be a string, a number or a boolean, not null$/ });
  assert.throws(() => jsapi.start({ env: { A: {} } }), { name: 'TypeError', message: /not an object$/ });
  // run() returns a promise: it rejects, as the module's run() does, and does not throw
  let p;
  assert.doesNotThrow(() => (p = jsapi.run({ clock: 1 })));
  await assert.rejects(p, { name: 'TypeError', message: /clock must be 'virtual' or 'real', not 1/ });
  await assert.rejects(tide.run(userGlue, { clock: 1 }), { name: 'TypeError', message: /clock must be/ });
});

// ---- cancel, AbortSignal, terminate -------------------------------------------

test('cancel(msg) runs the cleanup and rejects with TIDE_ECANCELLED', async () => {
  const { run, out, err } = start(['sleep', '100']);
  await sleep(50);
  assert.equal(run.state, 'running');
  assert.equal(run.cancel('enough'), true);
  assert.equal(run.cancel('twice'), true); // harmless
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_ECANCELLED');
  assert.equal(e.tideMessage, 'enough');
  assert.equal(e.message, 'cancelled: enough');
  assert.deepEqual(out, ['cleanup: TIDE_ECANCELLED']);
  assert.deepEqual(err, ['tide: main task failed: cancelled: enough']);
  assert.equal(run.cancel('late'), false); // over: nothing to do
  assert.equal(run.terminate(), false);
});

test('a cancellation caught by the program: a second cancel ends it', async () => {
  const out = [];
  const run = jsapi.start({
    args: ['ignore'],
    // cancel again from inside an output callback (C code is on the stack)
    onStdout: (l) => {
      out.push(l);
      if (l.startsWith('caught')) run.cancel('two');
    },
    onStderr: () => {},
  });
  await sleep(30);
  run.cancel('one');
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_ECANCELLED');
  assert.equal(e.tideMessage, 'two');
  assert.deepEqual(out, ['caught TIDE_ECANCELLED: one']);
});

test('an AbortSignal cancels the main task, with its reason', async () => {
  const ac = new AbortController();
  const { run, out } = start(['sleep', '100'], { signal: ac.signal });
  await sleep(30);
  ac.abort('user pressed stop');
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_ECANCELLED');
  assert.equal(e.tideMessage, 'user pressed stop');
  assert.deepEqual(out, ['cleanup: TIDE_ECANCELLED']);
  ac.abort('again'); // harmless
});

test('a signal aborted before the start: main() never runs', async () => {
  const { run, out, err } = start(['sleep', '1'], { signal: AbortSignal.abort(new Error('too late')) });
  const e = await rejection(run.result);
  assert.ok(e instanceof tide.TideError);
  assert.deepEqual([e.code, e.errno, e.message, e.tideMessage], ['TIDE_ECANCELLED', -1, 'cancelled: too late', 'too late']);
  assert.deepEqual([out, err], [[], []]);
});

test('terminate() stops at once; calls into the torn-down instance fail clearly', async () => {
  const { run, out } = start(['sleep', '1']);
  await sleep(30);
  assert.match(run.dump(), /Task-1 waiting on sleep/);
  assert.equal(run.terminate('enough'), true);
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_TERMINATED');
  assert.equal(e.message, 'jsapi was terminated: enough');
  assert.throws(() => run.dump(), { name: 'TideError', code: 'TIDE_TORN_DOWN', message: /jsapi has finished: its instance was torn down/ });
  assert.equal(run.cancel(), false);
  await sleep(1100); // its timer would have fired by now
  assert.deepEqual(out, []);
});

// setTimeout takes at most 2^31-1 ms (24.8 days); Node makes a longer
// delay 1 ms with a TimeoutOverflowWarning, browsers fire it at once. A
// sleep of 1e7 s (115 days) on the real clock made a warning and a loop
// turn every millisecond, for as long as it slept.
test('a sleep longer than setTimeout can wait waits quietly', async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const { run, out } = start(['nap', '1e7']);
    await sleep(60);
    assert.match(run.dump(), /Task-1 waiting on sleep/);
    run.cancel('enough');
    assert.equal((await rejection(run.result)).code, 'TIDE_ECANCELLED');
    assert.deepEqual(out, []);
    await new Promise((r) => setImmediate(r)); // (warnings are emitted on a later tick)
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

// The C -> JS mechanism is src/host/calls.js; here: that `functions`
// reaches it, and that cancelling the run aborts the JS side.
test('functions: C tasks await JS functions; cancel aborts their signal', async () => {
  let { run, out } = start(['call', 'double'], { functions: { double: async (x) => x * 2 } });
  await run.result;
  assert.deepEqual(out, ['result: 42']);
  let aborted = null;
  const functions = {
    forever: (x, { signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason?.message ?? String(signal.reason);
          reject(signal.reason);
        });
      }),
  };
  ({ run, out } = start(['call', 'forever'], { functions }));
  await sleep(30);
  run.cancel('no more waiting');
  const e = await rejection(run.result);
  assert.equal(e.code, 'TIDE_ECANCELLED');
  assert.match(aborted, /cancelled: no more waiting/);
  assert.deepEqual(out, []);
});

// An env value undefined (an unset process.env.X passed on) was the text
// "undefined"; it is left out, as child_process leaves it out.
test('env: numbers and booleans as text; a value undefined leaves the variable unset', async () => {
  for (const [value, shown] of [[5, '5'], [true, 'true'], ['a=b', 'a=b'], [undefined, '(unset)']]) {
    const { run, out } = start(['env', 'A'], { env: { A: value } });
    await run.result;
    assert.deepEqual(out, [`A=${shown}`], String(value));
  }
});

test('runs of one program are independent instances', async () => {
  const runs = [1, 2, 3].map((n) => start(['value', String(n)]).run);
  assert.deepEqual(await Promise.all(runs.map((r) => r.result)), [1, 2, 3]);
});

// ---- streaming and trace -------------------------------------------------------

test('stdout streams line by line, in order, and a last partial line arrives', async () => {
  let { run, out } = start(['spam', '2000']);
  await run.result;
  assert.equal(out.length, 2000);
  assert.ok(out.every((l, i) => l === `line ${i}`));
  ({ run, out } = start(['partial']));
  await run.result;
  assert.deepEqual(out, ['first line', 'no newline at the end']);
});

test('lines arrive while the program runs, not at its end', async () => {
  const seen = [];
  const run = jsapi.start({ args: ['sleep', '2'], onStdout: (l) => seen.push([l, run.state]) });
  await run.result;
  assert.deepEqual(seen, [['tick', 'running'], ['tick', 'running'], ['slept', 'running'], ['cleanup: none', 'running']]);
});

test('the trace reports every task event, in order, with names and times', async () => {
  const events = [];
  let batches = 0;
  const r = jsapi.start({
    args: ['workers'],
    clock: 'virtual',
    onTrace: (batch) => {
      batches++;
      events.push(...batch);
    },
  });
  await r.result;
  assert.ok(batches >= 1);
  assert.deepEqual(traceWords(events), TRACE_WORKERS);
  for (const e of events) {
    assert.equal(e.run, 1);
    assert.equal(typeof e.task, 'number');
  }
  // times never go back
  assert.ok(events.every((e, i) => i === 0 || e.time >= events[i - 1].time));
});

// The same trace in columns: no object per event, the same events as onTrace.
test('onTraceBatch gives the trace in typed columns, the same events as onTrace, batch first', async () => {
  const batches = [];
  const objects = [];
  const order = [];
  const r = jsapi.start({
    args: ['workers'],
    clock: 'virtual',
    onTraceBatch: (b) => {
      order.push('batch');
      assert.ok(b instanceof tide.TraceBatch);
      for (const k of ['type', 'time', 'run', 'task', 'status', 'whatId']) assert.equal(b[k].length, b.length, k);
      assert.ok(b.type instanceof Uint8Array && b.time instanceof Float64Array && b.task instanceof Uint32Array);
      assert.ok(b.run instanceof Uint32Array && b.status instanceof Int32Array && b.whatId instanceof Uint32Array);
      // copied here, as a listener that keeps them must
      batches.push({
        type: [...b.type], time: [...b.time], run: [...b.run], task: [...b.task], status: [...b.status],
        names: Array.from({ length: b.length }, (_, i) => b.name(i)),
        what: Array.from({ length: b.length }, (_, i) => b.what(i)),
        whatByName: Array.from({ length: b.length }, (_, i) => b.whatName(b.whatId[i])),
        typeNames: Array.from({ length: b.length }, (_, i) => b.typeName(i)),
        errors: Array.from({ length: b.length }, (_, i) => b.error(i)),
        events: [...b],
        array: b.toArray(),
      });
    },
    onTrace: (events) => {
      order.push('objects');
      objects.push(...events);
    },
  });
  await r.result;
  assert.ok(batches.length >= 1);
  assert.deepEqual(order, batches.flatMap(() => ['batch', 'objects']));
  const all = (k) => batches.flatMap((b) => b[k]);
  assert.deepEqual(traceWords(all('events')), TRACE_WORKERS);
  assert.deepEqual(all('events'), objects);
  assert.deepEqual(all('array'), objects);
  assert.deepEqual(all('typeNames'), objects.map((e) => e.type));
  assert.deepEqual(all('type').map((t) => tide.TraceBatch.TYPES[t]), objects.map((e) => e.type));
  assert.deepEqual(all('time'), objects.map((e) => e.time));
  assert.deepEqual(all('task'), objects.map((e) => e.task));
  assert.deepEqual(all('run'), objects.map(() => 1));
  assert.deepEqual(all('status'), objects.map((e) => e.status));
  // a named task keeps its name to its finish; the main task is "Task-1"
  assert.deepEqual(all('names'), objects.map((e) => e.name));
  assert.ok(objects.some((e) => e.type === 'finish' && e.name === 'second'));
  assert.deepEqual(all('what'), objects.map((e) => e.what));
  assert.deepEqual(all('whatByName'), objects.map((e) => e.what));
  assert.deepEqual(all('errors'), objects.map(() => null));
  const { TYPES, SPAWN, RUN, SUSPEND, WAKE, FINISH } = tide.TraceBatch;
  assert.deepEqual([SPAWN, RUN, SUSPEND, WAKE, FINISH].map((n) => TYPES[n]), ['spawn', 'run', 'suspend', 'wake', 'finish']);
  assert.equal(TYPES[0], 'unknown');
});

test('a TraceBatch carries error names, and is refused once its call has returned', async () => {
  let kept = null;
  let column = null;
  const finishes = [];
  const r = jsapi.start({
    args: ['throw'],
    clock: 'virtual',
    onStderr: () => {},
    onTraceBatch: (b) => {
      kept = b;
      column = b.time;
      for (let i = 0; i < b.length; i++)
        if (b.type[i] === tide.TraceBatch.FINISH) finishes.push([b.name(i), b.status[i], b.error(i)]);
      assert.throws(() => b.name(b.length), RangeError);
      assert.throws(() => b.event(-1), RangeError);
      assert.throws(() => b.whatName(1e6), RangeError);
    },
  });
  const e = await rejection(r.result);
  assert.equal(e.code, 'TIDE_ETIMEDOUT');
  assert.deepEqual(finishes, [['Task-1', e.errno, 'TIDE_ETIMEDOUT']]);
  for (const read of [() => kept.length, () => kept.time, () => kept.name(0), () => kept.toArray(), () => [...kept]])
    assert.throws(read, { name: 'TypeError', message: /only during its onTraceBatch call/ });
  assert.ok(column instanceof Float64Array); // a column taken during the call stays an array (of reused memory)
  assert.throws(() => new tide.TraceBatch(), { name: 'TypeError', message: /made by Tide/ });
  assert.throws(() => jsapi.start({ onTraceBatch: [] }), { name: 'TypeError', message: 'onTraceBatch must be a function' });
});

// An exception thrown by an embedder's callback must not unwind through the
// C code: the run goes on, and the exception is reported as uncaught (in a
// child process, where node:test does not catch it first).
test('trace events carry error names; throwing callbacks do not break the run', () => {
  const script = `
    import { load } from ${JSON.stringify(pathToFileURL(distEntry).href)};
    const errors = [];
    process.on('uncaughtException', (e) => errors.push(e.message));
    const program = await load(${JSON.stringify(userGlue)});
    const finishes = [];
    const run = program.start({
      args: ['sleep', '2'],
      onStdout: () => { throw new Error('stdout callback failed'); },
      onStderr: () => {},
      onTrace: (batch) => {
        finishes.push(...batch.filter((e) => e.type === 'finish'));
        throw new Error('trace callback failed');
      },
    });
    setTimeout(() => run.cancel('stop'), 1500);
    const outcome = await run.result.then(() => 'resolved', (e) => e.code);
    await new Promise((r) => setTimeout(r, 10));
    console.log(JSON.stringify({ outcome, errors: [...new Set(errors)].sort(),
      finishes: finishes.map((e) => [e.name, e.status, e.error]) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    outcome: 'TIDE_ECANCELLED',
    errors: ['stdout callback failed', 'trace callback failed'],
    finishes: [['Task-1', -1, 'TIDE_ECANCELLED']],
  });
});
