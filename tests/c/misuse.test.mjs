// misuse.test.mjs - the compiler refuses an awaitable anywhere but in
// TIDE_AWAIT* (include/tide.h: awaitables return a tide_await struct), and
// warns about one whose result is dropped. Each snippet is a whole program
// with one line that is right or wrong; a wrong one must fail to compile
// with an error on that very line, a right one must compile without a
// warning (so that the test can fail). Compiles only, links nothing: fast.
// C++ gets what it can compile: the await macros jump over initialised
// locals, which C++ forbids (coroutines are written in C); a C++ caller of
// an awaitable is refused the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/hosts.mjs';
import { loadToolchain, prepareClang, runClang } from '../../wasi/clang.mjs';

// The compilers the project builds with: the native one, and WASI's
// (@yowasp/clang, in this process: one start for every snippet).
const COMPILERS = [
  { name: 'cc', argv: ['cc', '-std=c11'] },
  { name: 'clang (wasm32-wasip1)', argv: ['yowasp', '--target=wasm32-wasip1', '-std=c11'] },
  { name: 'c++', argv: ['c++', '-x', 'c++', '-std=c++17'], cxx: true },
].filter((c) => c.argv[0] === 'yowasp' || spawnSync(c.argv[0], ['--version']).status === 0);
let toolchain = null;

// One coroutine; the snippet is its body (line BODY_LINE of the file).
function program(body, cxx) {
  const frame = cxx ? 'struct m f0{}; ' : '';
  return [
    '#include <tide.h>',
    'struct m { TIDE_FRAME; tide_task *t; tide_lock *l; tide_queue *q; void *v; int rc; };',
    'static tide_status m(void *frame) {',
    '    struct m *f = (struct m *)frame;',
    '    TIDE_BEGIN(f);',
    `    ${body}`,
    '    TIDE_END(f);',
    '}',
    `int main(void) { ${frame}return tide_main(m, ${cxx ? '&f0' : '&(struct m){0}'}, sizeof(struct m)); }`,
    '',
  ].join('\n');
}
const BODY_LINE = 6;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-misuse-'));
let n = 0;
async function compile(compiler, body) {
  const file = path.join(dir, `p${n++}.c`);
  fs.writeFileSync(file, program(body, compiler.cxx));
  const [cmd, ...args] = compiler.argv;
  // (-c, not -fsyntax-only: gcc warns of unused results in a later pass)
  const flags = [...args, '-c', '-Wall', '-Wextra', `-I${path.join(root, 'include')}`, file];
  if (cmd === 'yowasp') {
    toolchain ??= await loadToolchain();
    let stderr = '';
    const r = await runClang(toolchain, prepareClang([...flags, '-o', `${file}.o`], dir), { stderr: (t) => (stderr += t) });
    return { status: r.status, stderr };
  }
  const r = spawnSync(cmd, [...flags, '-o', os.devNull], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

// [what, line, C only, what the error must say]
const REFUSED = [
  ['TIDE_TRY on an awaitable', 'TIDE_TRY(f, tide_sleep(1.0));', false,
    /TIDE_TRY\(f, call\) got an awaitable: write TIDE_AWAIT\(f, call\) to await it|tide_await/],
  ['an awaitable assigned to an int', 'f->rc = tide_join(f->t, &f->v);'],
  ['an awaitable compared', 'if (tide_sleep(1) < 0) TIDE_THROW(f, TIDE_EUSER);'],
  ['an awaitable as an int initialiser', 'int rc = tide_queue_get(f->q, &f->v); (void)rc;'],
  ['a call that is no awaitable in TIDE_AWAIT', 'TIDE_AWAIT(f, tide_lock_release(f->l));', true],
  ['TIDE_AWAIT_CATCH of a call that is no awaitable', 'TIDE_AWAIT_CATCH(f, tide_lock_release(f->l), f->rc);', true],
];
const WARNED = [['an awaitable whose result is dropped', 'tide_lock_acquire(f->l);']];
const CLEAN = [
  ['TIDE_AWAIT and TIDE_AWAIT_CATCH of awaitables, TIDE_TRY of a plain call',
    'TIDE_AWAIT(f, tide_sleep(1.0)); TIDE_AWAIT_CATCH(f, tide_join(f->t, &f->v), f->rc); ' +
    'TIDE_AWAIT(f, tide_lock_acquire(f->l)); TIDE_TRY(f, tide_lock_release(f->l));', true],
  ['TIDE_TRY of a plain call', 'TIDE_TRY(f, tide_lock_release(f->l));'],
];

assert.ok(COMPILERS.length > 0, 'no C compiler found');
for (const c of COMPILERS) {
  for (const [what, body, cOnly, says] of REFUSED) {
    if (cOnly && c.cxx) continue;
    test(`${c.name} refuses ${what}`, async () => {
      const r = await compile(c, body);
      assert.notEqual(r.status, 0, `compiled:\n${body}`);
      // C says what to write instead (C++ has no _Generic: a type error)
      if (says) assert.match(r.stderr, c.cxx ? says : new RegExp(says.source.split('|')[0]), r.stderr);
      // the error, or the expansion of the macro it is in, names the line
      assert.match(r.stderr, /error/, r.stderr);
      assert.match(r.stderr, new RegExp(`\\.c:${BODY_LINE}:\\d+: (error|note)`), r.stderr);
    });
  }
  for (const [what, body] of WARNED) {
    test(`${c.name} warns about ${what}`, async () => {
      const r = await compile(c, body);
      assert.match(r.stderr, new RegExp(`:${BODY_LINE}:\\d+: warning: .*(unused|nodiscard)`), r.stderr);
    });
  }
  for (const [what, body, cOnly] of CLEAN) {
    if (cOnly && c.cxx) continue;
    test(`${c.name} accepts ${what}`, async () => {
      const r = await compile(c, body);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', r.stderr);
    });
  }
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
