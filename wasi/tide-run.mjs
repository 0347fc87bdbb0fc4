#!/usr/bin/env node
// tide-run - run a WASI command module the way `wasmtime run` would, on
// Node.js (node:wasi, preview1), for people without wasmtime. `tide-run
// --help` tells how (usage() below); the work is in run.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModule, describeTrap, runModule, RunError } from './run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function usage() {
  return `Usage: tide-run [--env NAME[=VALUE]]... [--dir HOST[::GUEST]]... MODULE.wasm [ARGS...]
       tide-run --help | --version

Runs a WASI command module (wasm32-wasip1: a C program with a main, built
with tide-cc or any wasi-libc toolchain) on Node.js, as \`wasmtime run\` does:

  arguments    ARGS, after the module; the program's argv[0] is MODULE.wasm
  environment  the TIDE_* variables of this environment (Tide's settings),
               and those given with --env: NAME=VALUE, or NAME alone for
               this environment's value; nothing else
  folders      none, unless preopened: --dir HOST gives the program the
               folder HOST under the same name, --dir HOST::GUEST under the
               name GUEST
  stdio        this process's stdin, stdout and stderr: terminals, pipes
               and files alike
  exit status  the program's (the value main returns, or exit()'s); 134 if
               it traps (abort(), an out-of-bounds access; what and where
               on stderr, as wasmtime does); 1 if it cannot run here (not a
               WASI command module, or it imports what Node's WASI lacks);
               2 for a usage error

Options go before the module: everything after it is the program's.

Example:
  tide-run --dir . --env GREETING=hi hello.wasm world
  wasmtime run --dir . --env GREETING=hi hello.wasm world   # the same
`;
}

function version() {
  for (const p of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(here, p), 'utf8'));
      if (pkg.name === 'tide-wasm') return pkg.version;
    } catch {
      // not there: the other layout (the package, or the repository)
    }
  }
  return '(version unknown)';
}

// -> {env, dirs, file, args} or a number: the exit status of --help & co.
function parse(argv) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TIDE_')));
  const dirs = [];
  let i = 0;
  const fail = (message) => {
    process.stderr.write(`tide-run: ${message}\n(tide-run --help tells how to use it)\n`);
    return 2;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    if (a === '--version') {
      process.stdout.write(`tide-run ${version()} (Node.js ${process.versions.node}, node:wasi preview1)\n`);
      return 0;
    }
    const m = /^(--env|--dir)(?:=(.*))?$/.exec(a);
    if (!m) return fail(`unknown option ${a}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) return fail(`${a} needs a value`);
    if (m[1] === '--dir') dirs.push(value);
    else {
      const eq = value.indexOf('=');
      const name = eq < 0 ? value : value.slice(0, eq);
      if (!/^[^=\0]+$/.test(name)) return fail(`--env ${value}: give NAME=VALUE or NAME`);
      if (eq >= 0) env[name] = value.slice(eq + 1);
      else if (process.env[name] !== undefined) env[name] = process.env[name];
      else delete env[name];
    }
  }
  if (i >= argv.length) {
    process.stderr.write(usage());
    return 2;
  }
  return { env, dirs, file: argv[i], args: argv.slice(i) };
}

async function main(argv) {
  const o = parse(argv);
  if (typeof o === 'number') return o;
  try {
    const module = await compileModule(o.file);
    const r = await runModule(module, { args: o.args, env: o.env, dirs: o.dirs });
    if (r.trap) process.stderr.write(`tide-run: ${describeTrap(o.file, r.trap)}\n`);
    return r.status;
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    process.stderr.write(`tide-run: ${e.message}\n`);
    return 1;
  }
}

process.removeAllListeners('warning'); // node:wasi's "experimental" notice
process.exitCode = await main(process.argv.slice(2));
