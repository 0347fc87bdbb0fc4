#!/usr/bin/env node
// tide-cc - build a C program that uses Tide into a WASI command module
// (wasm32-wasip1), for wasmtime or tide-run: clang from @yowasp/clang (an
// optional peer dependency: Clang compiled to WebAssembly, nothing native)
// with Tide's header, library and defaults added. `tide-cc --help` tells
// how (usage() below).
//
// Works from the npm package (dist/wasi/, its library in dist/wasi/lib/,
// the header in dist/include/) and from the repository after `make dist`
// (wasi/, the header in include/, the library in dist/wasi/lib/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clangPlan, importToolchain, loadToolchain, prepareClang, runClang, PACKAGE, ToolchainMissing } from './clang.mjs';
import { DEFAULTS, DEFAULT_OPT, TARGET, tideCcArgs } from './flags.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const include = path.resolve(here, '../include');
const libDir = [path.join(here, 'lib'), path.resolve(here, '../dist/wasi/lib')].find((d) => fs.existsSync(path.join(d, 'libtide.a')));

function packageJson() {
  for (const p of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(here, p), 'utf8'));
      if (pkg.name === 'tide-wasm') return pkg;
    } catch {
      // the other layout
    }
  }
  return {};
}
const pkg = packageJson();
const range = pkg.peerDependencies?.[PACKAGE];
const builtWith = libDir ? fs.readFileSync(path.join(libDir, 'clang.version'), 'utf8').trim() : null;

function usage() {
  return `Usage: tide-cc FILE.c... [-o NAME.wasm] [clang options]
       tide-cc --help | --version

Builds C files that use Tide (#include <tide.h>, a main() that starts the
loop with tide_main) into a WASI command module, NAME.wasm, for
wasm32-wasip1: run it with \`wasmtime run NAME.wasm\` or \`tide-run NAME.wasm\`.
Without -o the module is named after the first file (hello.c: hello.wasm).
With -c, -S, -E or -fsyntax-only it only compiles, as clang does.

What it adds to clang's arguments (yours come after, and win):
  ${DEFAULTS.join(' ')}
  ${DEFAULT_OPT} (unless you give an -O option; -O0 -g to debug)
  -I${include}
  ${libDir ? path.join(libDir, 'libtide.a') : '(Tide\'s library is missing: run `make dist` first)'} (when linking)
-Werror=unused-result makes a dropped awaitable (tide_sleep(1); without
TIDE_AWAIT) an error: the task would not wait.

The compiler is clang from the npm package ${PACKAGE} (Clang and LLD
compiled to WebAssembly, with wasi-libc): nothing native to install, about
2 s to start, then 0.1-2 s a file. It is an optional peer dependency:
  npm install --save-dev '${PACKAGE}${range ? `@${range}` : ''}'
It sees your files through a file system of its own: the files you name,
and what they #include from beside them or from an -I folder. As a native
clang does, an optimised link runs Binaryen's wasm-opt on the module if
one is on PATH (faster code; --no-wasm-opt: not).

Options:
  --help      print this text
  --version   print Tide's version and the clang it uses
Anything else goes to clang.

Example:
  tide-cc hello.c -o hello.wasm && tide-run hello.wasm world
`;
}

function fail(message, status = 2) {
  process.stderr.write(`tide-cc: ${message}\n`);
  return status;
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  if (argv[0] === '--version') {
    let found;
    try {
      const mod = await importToolchain(range);
      found = `${PACKAGE} ${mod.version}`;
    } catch (e) {
      if (!(e instanceof ToolchainMissing)) throw e;
      found = `no ${PACKAGE}`;
    }
    process.stdout.write(`tide-cc ${pkg.version ?? '(version unknown)'}: Tide for ${TARGET}, ` +
      `its library built with ${builtWith ? `${PACKAGE} ${builtWith}` : '(missing: run `make dist`)'}\nfound: ${found}\n`);
    return 0;
  }
  if (!argv.length) {
    process.stderr.write(usage());
    return 2;
  }
  if (!libDir) return fail("Tide's library for WASI is missing: run `make dist` first");

  const plan = tideCcArgs(argv, { include, libtide: path.join(libDir, 'libtide.a'), color: process.stderr.isTTY });
  if (plan.error) return fail(plan.error);
  const { args } = plan;
  // Checked here, before the toolchain starts: its clang said a missing
  // input amid its version banner and a linker command line. (An output
  // into a missing folder is runTool's to report, after clang's own
  // messages, as a native clang orders them.)
  let files;
  try {
    files = clangPlan(args);
  } catch (e) {
    return fail(e.message);
  }
  const shown = (p) => (path.relative('', p).startsWith('..') ? p : path.relative('', p));
  for (const f of files.files) if (!fs.existsSync(f)) return fail(`${shown(f)}: no such file`, 1);

  let tc;
  try {
    tc = await loadToolchain(range);
  } catch (e) {
    if (e instanceof ToolchainMissing) return fail(e.message);
    throw e;
  }
  let job;
  try {
    job = prepareClang(args);
  } catch (e) {
    return fail(e.message);
  }
  const r = await runClang(tc, job, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), command: true });
  return r.status;
}

process.exitCode = await main(process.argv.slice(2));
