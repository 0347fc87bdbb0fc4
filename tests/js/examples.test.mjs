// examples.test.mjs - every example prints the tutorial's lines, in the
// order CPython prints them, on every host, with the virtual clock
// (expected.mjs says why that order differs from the tutorial's listing).
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HOSTS, root, run } from '../support/hosts.mjs';
import { EXPECTED, ELSEWHERE } from '../support/expected.mjs';

test('every example has its expected output', () => {
  const examples = fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2))
    .sort();
  assert.deepEqual([...Object.keys(EXPECTED), ...Object.keys(ELSEWHERE)].sort(), examples);
});

// What an example says on stderr: nothing, except that the JS API says so
// when to_thread runs inline (Emscripten in Node has one thread).
const STDERR = { em: { to_thread: /^tide: to_thread ran inline, on the loop's thread: .*\n$/ } };

for (const host of HOSTS) {
  for (const [name, lines] of Object.entries(EXPECTED)) {
    test(`example ${name} on ${host}`, () => {
      const r = run(host, name, { env: { TIDE_CLOCK: 'virtual' } });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split('\n'), lines);
      const said = STDERR[host]?.[name];
      if (said) assert.match(r.stderr, said);
      else assert.equal(r.stderr, '');
    });
  }
}

// A setting the example does not know (a typo) is refused, naming the
// ones it knows, instead of running on the default as if obeyed.
for (const host of HOSTS) {
  test(`example semaphore limt=5 on ${host}: refused, naming its settings`, () => {
    const r = run(host, 'semaphore', { env: { TIDE_CLOCK: 'virtual' }, args: ['urls=2', 'limt=5'] });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'unknown setting limt=5: the settings are urls, limit, delay\n');
  });
}

// A program made before the names (a page link may carry one) calls
// params_init(argc, argv): it still builds, and takes any setting.
test('params_init(argc, argv), the older form, builds and takes any name=value', () => {
  const dir = fs.mkdtempSync(path.join(root, 'build/params-'));
  try {
    fs.writeFileSync(path.join(dir, 'old.c'), '#include "params.h"\nint main(int argc, char **argv)\n{\n    params_init(argc, argv);\n    printf("%d\\n", param_int("any", 1, 0, 9));\n    return 0;\n}\n');
    const cc = spawnSync('cc', ['-std=c11', '-Wall', '-Werror', `-I${path.join(root, 'examples')}`, 'old.c', '-o', 'old'], { cwd: dir, encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = spawnSync(path.join(dir, 'old'), ['any=7', 'other=2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '7\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The names each example gives params_init are the settings the page
// offers it (http_client's `base` is the page's fake API; its `api`
// settings go into that URL, not to the program).
test('each example knows the settings the page passes it', async () => {
  const { EXAMPLES } = await import('../../web/page/catalog.mjs');
  for (const [name, ex] of Object.entries(EXAMPLES)) {
    const c = fs.readFileSync(path.join(root, 'examples', `${name}.c`), 'utf8');
    const m = /params_init\(argc, argv,\s*"([^"]*)"\)/.exec(c);
    const page = ex.params.filter((p) => !p.api).map((p) => p.name);
    if (name === 'http_client') page.unshift('base');
    assert.deepEqual(m ? m[1].split(' ').sort() : [], page.sort(), name);
  }
});

// A fetch that fails: leaving the group raises its error, which reaches
// tide_main with its story (issue 11) before any result is printed, as
// Python's ExceptionGroup would; debug mode adds a line for each error of
// the group.
const STORY =
  "tide: main task failed: a task group's children failed: 1 of 3 child tasks failed: Task-3: TIDE_EUSER no answer\n";
for (const host of HOSTS) {
  test(`example taskgroup fail=API on ${host}: the group's error keeps its story`, () => {
    for (const debug of ['0', '1']) {
      const r = run(host, 'taskgroup', { env: { TIDE_CLOCK: 'virtual', TIDE_DEBUG: debug }, args: ['fail=API'] });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, debug === '1' ? `${STORY}tide:   Task-3: TIDE_EUSER no answer\n` : STORY);
    }
  });
}

// A setting that does not parse is reported once, however often the
// program reads it (examples read settings where they use them), and the
// tutorial's value is used instead.
for (const host of HOSTS) {
  test(`example lock work=abc on ${host}: one report, the default used`, () => {
    const r = run(host, 'lock', { env: { TIDE_CLOCK: 'virtual' }, args: ['work=abc', 'tasks=2'] });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'ignoring work=abc: expected a number from 0 to 10\n');
    assert.deepEqual(r.stdout.trimEnd().split('\n'), EXPECTED.lock.slice(0, 2).concat(['Final counter: 2']));
  });
}

