// abi.test.mjs - a program compiled with a tide.h whose shared layouts
// differ from the library's (another TIDE_ABI) must not link, on every
// host: the linker names tide_abi_<N>_header_and_library_must_match. The
// same program compiled with the library's own tide.h links. The other
// header is this one with TIDE_ABI raised, included by a relative path so
// that it is found before the -I of the compiler wrappers. Native links
// build/native/libtide.a; WASI and Emscripten use tide-cc and tide-emcc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/hosts.mjs';

let SYMBOL; // the other header's symbol: tide_abi_<N+1>_...
let dir;

function program(header) {
  return `#include <stdio.h>
#include ${header}
struct m { TIDE_FRAME; };
static tide_status m(void *frame)
{
    struct m *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0));
    puts("linked");
    TIDE_END(f);
}
int main(void) { return tide_main(m, &(struct m){0}, sizeof(struct m)); }
`;
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-abi-'));
  const header = fs.readFileSync(path.join(root, 'include/tide.h'), 'utf8');
  const abi = header.match(/^#define TIDE_ABI (\d+)$/m);
  assert.ok(abi, 'tide.h defines TIDE_ABI as a number');
  const other = Number(abi[1]) + 1;
  SYMBOL = new RegExp(`tide_abi_${other}_header_and_library_must_match`);
  fs.mkdirSync(path.join(dir, 'other'));
  fs.writeFileSync(path.join(dir, 'other/tide.h'), header.replace(abi[0], `#define TIDE_ABI ${other}`));
  fs.writeFileSync(path.join(dir, 'other.c'), program('"other/tide.h"'));
  fs.writeFileSync(path.join(dir, 'same.c'), program('<tide.h>'));
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// The command that builds file into out with one host's compiler and
// library: the package's own compilers for WASI and Emscripten (both from
// dist/, which make test builds first).
const BUILD = {
  native: (file, out) => ['cc', ['-std=c11', `-I${root}/include`, file, `${root}/build/native/libtide.a`, '-lm', '-lpthread', '-o', out]],
  wasi: (file, out) => [process.execPath, [path.join(root, 'wasi/tide-cc.mjs'), file, '-o', `${out}.wasm`]],
  em: (file, out) => [path.join(root, 'web/package/tide-emcc'), [file, '-o', `${out}.mjs`]],
};

for (const [host, build] of Object.entries(BUILD)) {
  test(`${host}: another tide.h does not link, naming the ABI symbol; the library's own does`, { timeout: 120_000 }, () => {
    const [cmd, args] = build('other.c', path.join(dir, `other-${host}`));
    const bad = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    assert.notEqual(bad.status, 0, `${host}: linked a program of another ABI`);
    assert.match(bad.stderr, SYMBOL, bad.stderr);
    const [cmd2, args2] = build('same.c', path.join(dir, `same-${host}`));
    const good = spawnSync(cmd2, args2, { cwd: dir, encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    assert.doesNotMatch(good.stderr, /warning/);
  });
}
