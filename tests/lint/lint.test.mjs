// lint.test.mjs - the coroutine rules checker (web/package/lint/, `make lint`):
// each wrong program of tests/lint/wrong/ is flagged exactly at the lines
// marked `/* lint: rule */`, each right one of tests/lint/right/ passes
// clean, the project itself passes clean, the command line behaves, and the
// same findings come from @yowasp/clang (Clang compiled to WebAssembly),
// which it uses when no clang is on PATH (the npm package's users without
// one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/hosts.mjs';
import { lint } from '../../web/package/lint/cli.mjs';
import { RULES } from '../../web/package/lint/rules.mjs';

const corpus = (kind) =>
  fs.readdirSync(path.join(root, 'tests/lint', kind))
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => path.join(root, 'tests/lint', kind, f));
const WRONG = corpus('wrong');
const RIGHT = corpus('right');
const CLI = path.join(root, 'web/package/lint/tide-lint.mjs');

// "line rule" for each `/* lint: rule[, rule] */` marker of a file.
function marked(file) {
  const out = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    const m = /\/\* lint: ([a-z-, ]+) \*\//.exec(line);
    if (m) for (const rule of m[1].split(/[ ,]+/).filter(Boolean)) out.push(`${i + 1} ${rule}`);
  });
  return out.sort();
}

const found = (findings, file) =>
  findings.filter((f) => path.resolve(root, f.file) === path.resolve(file) || path.resolve(f.file) === file)
    .map((f) => `${f.line} ${f.rule}`).sort();

function cli(args, opts = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let scratch;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-lint-'));
});
after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('the wrong programs cover every rule', () => {
  const rules = new Set(WRONG.flatMap((f) => marked(f).map((m) => m.split(' ')[1])));
  assert.deepEqual([...rules].sort(), Object.keys(RULES).sort());
});

test('each wrong program is flagged exactly at its marked lines', async (t) => {
  const r = await lint(WRONG);
  assert.deepEqual(r.errors, []);
  for (const file of WRONG) {
    await t.test(path.basename(file), () => {
      assert.ok(marked(file).length > 0, 'a wrong program marks what is wrong in it');
      assert.deepEqual(found(r.findings, file), marked(file));
    });
  }
});

test('each right program passes clean', async (t) => {
  const r = await lint(RIGHT);
  assert.deepEqual(r.errors, []);
  for (const file of RIGHT) {
    await t.test(path.basename(file), () => assert.deepEqual(found(r.findings, file), []));
  }
});

test('make lint: every coroutine of the project passes clean', () => {
  // a make of its own (not the jobserver of the make that runs the tests)
  const env = { ...process.env, MAKEFLAGS: '', MFLAGS: '', MAKELEVEL: '' };
  const r = spawnSync('make', ['-s', '--no-print-directory', 'lint'], { cwd: root, encoding: 'utf8', env });
  assert.equal(r.stdout, '');
  assert.equal(r.status, 0, r.stderr);
});

test('findings print as file:line:col: error: message [rule], exit status 1', () => {
  const r = cli(['tests/lint/wrong/switch.c']);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, marked(path.join(root, 'tests/lint/wrong/switch.c')).length);
  for (const line of lines) assert.match(line, /^tests\/lint\/wrong\/switch\.c:\d+:\d+: error: .+ \[await-in-switch\]$/);
  assert.match(lines[0], /^tests\/lint\/wrong\/switch\.c:34:9: error: TIDE_YIELD inside a switch statement/);
});

test('a clean file: exit status 0, nothing printed', () => {
  const r = cli(['tests/lint/right/frames.c']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
});

test('--format json gives the findings with their positions', () => {
  const r = cli(['--format', 'json', 'tests/lint/wrong/outside.c']);
  assert.equal(r.status, 1);
  const j = JSON.parse(r.stdout);
  assert.match(j.clang, /clang/);
  assert.deepEqual(j.errors, []);
  assert.deepEqual(j.findings.map((f) => `${f.line} ${f.rule}`).sort(), marked(path.join(root, 'tests/lint/wrong/outside.c')));
});

test('--help, --list-rules and usage errors', () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: tide-lint/);
  const rules = cli(['--list-rules']);
  assert.equal(rules.status, 0);
  for (const id of Object.keys(RULES)) assert.match(rules.stdout, new RegExp(`^${id} `, 'm'));
  for (const [args, text] of [
    [[], /no files given/],
    [['--bogus', 'x.c'], /unknown option --bogus/],
    [['--format', 'xml', 'x.c'], /--format must be text or json/],
    [['no/such/file.c'], /no such file: no\/such\/file\.c/],
    [['tests/lint/right'], /tests\/lint\/right: a folder, not a C file: name its files \(e\.g\. tests\/lint\/right\/\*\.c\)/],
    [['.'], /\.: a folder, not a C file/],
  ]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, text);
  }
});

test('no usable clang: exit status 2, saying what was tried and how to get one', () => {
  const r = cli(['--clang', '/no/such/clang', 'tests/lint/right/frames.c']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no usable clang found\. Tried: \/no\/such\/clang \(not found\)/);
  assert.match(r.stderr, /apt-get install clang/);
  assert.match(r.stderr, /@yowasp\/clang/);
});

test('a file clang cannot compile is reported, not checked: exit status 2', () => {
  const bad = path.join(scratch, 'bad.c');
  fs.writeFileSync(bad, '#include <tide.h>\nint f(void) { return undeclared; }\n');
  const r = cli([bad, 'tests/lint/right/frames.c']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad\.c: clang could not compile it, so it was not checked/);
  assert.match(r.stderr, /undeclared/);
});

// A dump longer than a JavaScript string can be (a file of some thousand
// coroutines: about 1 GiB of JSON for 3000 small ones) crashed the checker
// with ERR_STRING_TOO_LONG and a stack trace. Here with a lower limit: the
// file is named and not checked; the others of its batch are.
test('a file whose syntax tree is too large to read is reported, not checked; the rest are', async () => {
  const big = path.join(scratch, 'big.c');
  const one = (i) => `static tide_status co${i}(void *frame)\n{\n    struct prog *p = frame;\n    TIDE_BEGIN(p);\n` +
    `    int x = p->n;\n    TIDE_YIELD(p);\n    p->n = x;\n    TIDE_END(p);\n}\n`;
  fs.writeFileSync(big, '#include <tide.h>\nstruct prog { TIDE_FRAME; int n; };\n' + Array.from({ length: 40 }, (_, i) => one(i)).join(''));
  const small = path.join(root, 'tests/lint/wrong/switch.c');
  const r = await lint([small, big], { maxDump: 12 * 2 ** 20 });
  assert.deepEqual(r.errors.map((e) => [path.basename(e.file), e.compiled, e.message.replace(/\d+ MiB of/, 'N MiB of')]),
    [['big.c', true, 'its syntax tree, N MiB of JSON from clang, is more than the checker can read at once (12 MiB); split the file']]);
  assert.deepEqual(found(r.findings, small), marked(small));
  assert.deepEqual(found(r.findings, big), []);
});

test('a `tide-lint: ignore` comment silences its rule on its line or the next; `ignore-file` in the whole file', () => {
  const body = (comment) => `#include <tide.h>
struct p { TIDE_FRAME; };
static tide_status p(void *frame)
{
    struct p *f = frame;
    TIDE_BEGIN(f);
    ${comment}
    for (int i = 0; i < 3; i++)
        TIDE_YIELD(f);
    TIDE_END(f);
}
`;
  const file = path.join(scratch, 'ignored.c');
  fs.writeFileSync(file, body('/* tide-lint: ignore local-across-await */'));
  assert.equal(cli([file]).status, 0);
  fs.writeFileSync(file, body('/* tide-lint: ignore */'));
  assert.equal(cli([file]).status, 0);
  fs.writeFileSync(file, body('/* tide-lint: ignore await-in-switch */'));
  assert.equal(cli([file]).status, 1);
  // a file of deliberate mistakes (tests of the runtime checks) says so once
  fs.writeFileSync(file, `/* tide-lint: ignore-file local-across-await */\n${body('')}`);
  assert.equal(cli([file]).status, 0);
  fs.writeFileSync(file, `/* tide-lint: ignore-file awaitable-outside-await */\n${body('')}`);
  assert.equal(cli([file]).status, 1);
});

// A header of another make: awaitables return a type of their own, and the
// macros expand to something else entirely (no label, no do/while, an
// await of two statements). The checker finds awaitables by that type, the
// program's own included, and knows the macros by their names alone.
const OTHER_HEADER = `typedef int tide_status;
typedef struct { int pc; } tide_frame;
typedef struct tide_await { int state; } tide_await;
tide_await tide_sleep(double s);
int tide__wake(void);
#define TIDE_FRAME tide_frame tide__frame
#define TIDE_BEGIN(f) switch ((f)->tide__frame.pc) { case 0:;
#define TIDE_END(f) } return 0
#define TIDE_AWAIT(f, call) TIDE__AW(f, call, __LINE__)
#define TIDE__AW(f, call, n) if ((call).state > 0) { (f)->tide__frame.pc = n; return 1; case n: (void)tide__wake(); } else (void)0
#define TIDE_AWAIT_CATCH(f, call, rc) TIDE__AWC(f, call, rc, __LINE__)
#define TIDE__AWC(f, call, rc, n) (rc) = (call).state; if ((rc) > 0) { (f)->tide__frame.pc = n; return 1; case n: (rc) = tide__wake(); }
#define TIDE_YIELD(f) TIDE_AWAIT(f, tide_sleep(0))
#define TIDE_TRY(f, call) if ((call) < 0) return (call)
`;

test('awaitables are known by their own type, macros by name, whatever they expand to', async () => {
  const dir = path.join(scratch, 'other');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tide.h'), OTHER_HEADER);
  const file = path.join(dir, 'typed.c');
  fs.writeFileSync(file, `#include "tide.h"
struct prog { TIDE_FRAME; int rc; };
static tide_await nap(double s) { return tide_sleep(s); }
static tide_await pending(void) { tide_await a = {1}; return a; }
static tide_status prog(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    TIDE_AWAIT(p, nap(1));
    TIDE_AWAIT_CATCH(p, pending(), p->rc);
    TIDE_TRY(p, tide_sleep(1).state); /* lint: awaitable-outside-await */
    p->rc = pending().state; /* lint: awaitable-outside-await */
    for (int i = 0; i < 2; i++) /* lint: local-across-await */
        TIDE_YIELD(p);
    int rc, x = 1;
    TIDE_AWAIT_CATCH(p, nap(2), rc);
    p->rc = rc + x; /* lint: local-across-await */
    if (p->rc)
        switch (p->rc) {
        case 1:
            TIDE_YIELD(p); /* lint: await-in-switch */
        }
    TIDE_END(p);
}
`);
  const r = await lint([file]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(found(r.findings, file), marked(file));
});

test('without a clang on PATH it uses @yowasp/clang (Clang in WebAssembly, for npm users): the same findings', () => {
  const files = ['tests/lint/wrong/locals.c', 'tests/lint/right/frames.c'];
  const r = cli(['--format', 'json', ...files], { env: { ...process.env, PATH: '', TIDE_LINT_CLANG: '' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no clang on PATH, using @yowasp\/clang/);
  const j = JSON.parse(r.stdout);
  assert.equal(j.clang, '@yowasp/clang');
  assert.deepEqual(j.errors, []);
  for (const f of files) assert.deepEqual(found(j.findings, path.join(root, f)), marked(path.join(root, f)), f);
});
