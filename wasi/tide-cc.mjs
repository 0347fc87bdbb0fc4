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
import { importToolchain, loadToolchain, prepareClang, runClang, PACKAGE, ToolchainMissing } from './clang.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const include = path.resolve(here, '../include');
const libDir = [path.join(here, 'lib'), path.resolve(here, '../dist/wasi/lib')].find((d) => fs.existsSync(path.join(d, 'libtide.a')));
const TARGET = 'wasm32-wasip1';

// The flags tide-cc adds before the user's (which come later, so that a
// user's -Wno-... or -O0 wins).
const DEFAULTS = [`--target=${TARGET}`, '-Wall', '-Wextra', '-Werror=unused-result'];

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
  -O2 (unless you give an -O option; -O0 -g to debug)
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

// What the arguments ask for: only compiling, the output, whether -O is
// given.
function read(args) {
  const compileOnly = args.some((a) => ['-c', '-S', '-E', '-fsyntax-only', '-M', '-MM', '-###'].includes(a));
  const hasO = args.some((a) => /^-O/.test(a));
  const hasOutput = args.some((a, i) => a === '-o' || (a.startsWith('-o') && a.length > 2) || args[i - 1] === '-o');
  const firstSource = args.find((a, i) => /\.c$/.test(a) && !a.startsWith('-') && args[i - 1] !== '-o');
  return { compileOnly, hasO, hasOutput, firstSource };
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

  const o = read(argv);
  const args = [...DEFAULTS, ...(o.hasO ? [] : ['-O2']), `-I${include}`];
  if (process.stderr.isTTY && !argv.includes('-fno-color-diagnostics')) args.push('-fcolor-diagnostics');
  args.push(...argv);
  if (!o.compileOnly) {
    args.push(path.join(libDir, 'libtide.a'));
    if (!o.hasOutput) {
      if (!o.firstSource) return fail('no C file given (tide-cc --help tells how to use it)');
      args.push('-o', path.basename(o.firstSource).replace(/\.c$/, '.wasm'));
    }
  }

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
  const r = await runClang(tc, job, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
  return r.status;
}

process.exitCode = await main(process.argv.slice(2));
