// wasi.test.mjs - the WASI side of the project (wasi/, tools/wasi-build.mjs):
//  - every WASI module the build makes imports only wasi_snapshot_preview1,
//    so that wasmtime (or any preview1 runtime) runs it;
//  - tide-run runs a module as `wasmtime run` would: the same program
//    (tests/programs/wasiprobe.c) natively and under tide-run prints the
//    same for arguments, environment, stdin, files, exit status and a Tide
//    sleep, and a trap is status 134; output survives the memory growing
//    (tests/programs/growwrite.wat); what it cannot run (foreign imports,
//    a reactor, no module) is a clear error, status 1;
//  - the build driver rebuilds exactly what is out of date, by its record.
// Needs `make test`'s build (build/wasi/, build/native/wasiprobe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/hosts.mjs';

const tideRun = path.join(root, 'wasi/tide-run.mjs');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-wasi-'));
test.after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function spawn(cmd, args, { env = {}, input, cwd = scratch } = {}) {
  const r = spawnSync(cmd, args, { cwd, input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal };
}
// The probe natively, and under tide-run (runArgs before the module).
const native = (args, o) => spawn(path.join(root, 'build/native/wasiprobe'), args, o);
const wasi = (args, o = {}) => spawn(process.execPath, [tideRun, ...(o.runArgs ?? []), path.join(root, 'build/wasi/wasiprobe.wasm'), ...args], o);

test('every WASI module of the build imports only wasi_snapshot_preview1', async () => {
  const dir = path.join(root, 'build/wasi');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  for (const name of ['tasks.wasm', 'test_task.wasm', 'tidebench.wasm', 'soak.wasm', 'wasiprobe.wasm'])
    assert.ok(files.includes(name), `${name} was not built`);
  for (const f of files) {
    const module = await WebAssembly.compile(fs.readFileSync(path.join(dir, f)));
    const modules = [...new Set(WebAssembly.Module.imports(module).map((i) => i.module))];
    assert.deepEqual(modules, ['wasi_snapshot_preview1'], `${f} imports from ${modules.join(', ')}`);
    assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === '_start'), `${f} is no command`);
  }
});

test('tide-run passes arguments as given, the same as natively', () => {
  const args = ['args', 'one', 'two words', '', '--dir', 'ünï'];
  const n = native(args);
  const w = wasi(args);
  assert.equal(n.stdout, 'one\ntwo words\n\n--dir\nünï\n');
  assert.deepEqual([w.stdout, w.stderr, w.status], [n.stdout, '', 0]);
});

test("tide-run: the TIDE_* variables and --env's, nothing else of the environment", () => {
  const env = { TIDE_PROBE: 'tide', OTHER: 'other', PASSED: 'passed' };
  const w = wasi(['env', 'TIDE_PROBE', 'OTHER', 'PASSED', 'SET', 'HOME'], { env, runArgs: ['--env', 'PASSED', '--env=SET=a=b'] });
  assert.equal(w.stdout, 'TIDE_PROBE=tide\nOTHER unset\nPASSED=passed\nSET=a=b\nHOME unset\n', w.stderr);
  // --env NAME of a variable that is not set leaves it unset, even a TIDE_ one
  const unset = wasi(['env', 'TIDE_PROBE', 'NOPE'], { env, runArgs: ['--env', 'NOPE', '--env', 'TIDE_PROBE=over'] });
  assert.equal(unset.stdout, 'TIDE_PROBE=over\nNOPE unset\n');
  // natively the program sees the whole environment
  assert.match(native(['env', 'OTHER'], { env }).stdout, /^OTHER=other\n$/);
});

test('tide-run: TIDE_CLOCK=virtual reaches Tide: an hour of sleep at once', () => {
  const env = { TIDE_CLOCK: 'virtual' };
  const w = wasi(['sleep', '3600'], { env });
  assert.deepEqual([w.stdout, w.status], ['slept 3600 at loop time 3600\n', 0], w.stderr);
  assert.equal(native(['sleep', '3600'], { env }).stdout, w.stdout);
});

test('tide_main given a frame too small says so and exits 1, natively and under tide-run', () => {
  // (the run never starts, so no loop holds a detail: tide_main says it)
  for (const r of [native(['badframe']), wasi(['badframe'])]) {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^tide: tide_main: frame_size 4 is less than a tide_frame's \(\d+\): a frame begins with TIDE_FRAME\n$/);
    assert.equal(r.stdout, '');
  }
});

test('tide-run: stdin from a pipe, in lines and bytes, as natively', () => {
  const input = 'first line\n\nthird, no newline';
  const w = wasi(['stdin'], { input });
  assert.equal(w.stdout, '1:first line\n2:\n3:third, no newline\nbytes 29\n', w.stderr);
  assert.equal(native(['stdin'], { input }).stdout, w.stdout);
  // and from a file
  const file = path.join(scratch, 'input.txt');
  fs.writeFileSync(file, 'from a file\n');
  const fd = fs.openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, [tideRun, path.join(root, 'build/wasi/wasiprobe.wasm'), 'stdin'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    assert.equal(r.stdout, '1:from a file\nbytes 12\n', r.stderr);
  } finally {
    fs.closeSync(fd);
  }
});

test('tide-run: stdout to a file, and the exit status is the program\'s', () => {
  const out = path.join(scratch, 'out.txt');
  const fd = fs.openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [tideRun, path.join(root, 'build/wasi/wasiprobe.wasm'), 'args', 'to a file'], { stdio: ['ignore', fd, 'pipe'] });
    assert.equal(r.status, 0);
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(fs.readFileSync(out, 'utf8'), 'to a file\n');
  for (const status of [0, 3, 42, 255]) {
    assert.equal(wasi(['exit', String(status)]).status, status);
    assert.equal(native(['exit', String(status)]).status, status);
  }
  // a usage error of the program itself: its message, its status
  const bad = wasi(['nonsense']);
  assert.deepEqual([bad.status, bad.stderr], [2, 'usage: wasiprobe args|env|stdin|file|exit|abort|sleep|badframe ...\n']);
});

test('tide-run --dir HOST::GUEST and --dir HOST preopen folders; without one, no file is reachable', () => {
  const dir = path.join(scratch, 'data');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'x.txt'), 'the first line\nthe second\n');
  assert.equal(wasi(['file', '/data/x.txt'], { runArgs: ['--dir', `${dir}::/data`] }).stdout, 'the first line\n');
  assert.equal(wasi(['file', `${dir}/x.txt`], { runArgs: ['--dir', dir] }).stdout, 'the first line\n');
  assert.equal(wasi(['file', 'data/x.txt'], { runArgs: ['--dir', '.'] }).stdout, 'the first line\n');
  assert.equal(native(['file', `${dir}/x.txt`]).stdout, 'the first line\n');
  const none = wasi(['file', `${dir}/x.txt`]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, new RegExp(`^${dir}/x\\.txt: `));
  const missing = wasi(['file', 'x'], { runArgs: ['--dir', path.join(scratch, 'nope')] });
  assert.deepEqual([missing.status, missing.stderr], [1, `tide-run: --dir ${path.join(scratch, 'nope')}: ${path.join(scratch, 'nope')} does not exist\n`]);
});

test('tide-run: output while the memory grows arrives whole (node:wasi fast API calls off)', () => {
  const wasm = path.join(scratch, 'growwrite.wasm');
  const w2w = spawnSync('wat2wasm', [path.join(root, 'tests/programs/growwrite.wat'), '-o', wasm], { encoding: 'utf8' });
  assert.equal(w2w.status, 0, `wat2wasm (Debian's wabt, tools/setup.sh): ${w2w.error ?? w2w.stderr}`);
  // (with fast calls on, 5 runs in 6 crashed or lost lines: twice is enough)
  for (let run = 0; run < 2; run++) {
    const r = spawn(process.execPath, [tideRun, wasm]);
    assert.deepEqual([r.status, r.signal, r.stderr], [0, null, '']);
    assert.equal(r.stdout, 'hello\n'.repeat(4000));
  }
});

test('tide-run: a trap is status 134, with what and where on stderr', () => {
  const w = wasi(['abort']);
  assert.equal(w.status, 134);
  assert.equal(w.stdout, 'aborting\n');
  // the frames by name (wasm-opt, when it ran, inlined abort and main)
  assert.match(w.stderr, /^tide-run: \S*wasiprobe\.wasm: wasm trap: unreachable\n( {2}\d+: \w+ \(wasm function \d+, offset 0x[0-9a-f]+\)\n)+$/);
  assert.match(w.stderr, /\n {2}\d+: _start \(wasm function \d+, offset 0x[0-9a-f]+\)\n$/);
  // natively the same program dies of SIGABRT, which a shell reports as 134
  const n = native(['abort']);
  assert.deepEqual([n.stdout, n.signal], ['aborting\n', 'SIGABRT']);
});

// A module by hand: imports `imports` ([module, name] pairs, functions of
// no arguments), exports memory and, unless reactor, _start calling them.
function module(imports, { reactor = false } = {}) {
  const str = (s) => [s.length, ...Buffer.from(s)];
  const section = (id, bytes) => [id, bytes.length, ...bytes];
  const importBytes = imports.flatMap(([m, n]) => [...str(m), ...str(n), 0, 0]);
  const start = reactor ? '_initialize' : '_start';
  const body = [0, ...imports.flatMap((_, i) => [0x10, i]), 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, [imports.length, ...importBytes]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...str('memory'), 2, 0, ...str(start), 0, imports.length]),
    ...section(10, [1, body.length, ...body]),
  ]);
}

test("tide-run: a module that imports what node:wasi lacks is an error naming it, not a hang", () => {
  const file = (name, bytes) => {
    fs.writeFileSync(path.join(scratch, name), bytes);
    return name;
  };
  const run = (f) => spawn(process.execPath, [tideRun, f]);
  const ok = run(file('ok.wasm', module([['wasi_snapshot_preview1', 'sched_yield']])));
  assert.deepEqual([ok.status, ok.stderr], [0, '']);

  const foreign = run(file('foreign.wasm', module([['wasi_snapshot_preview1', 'sched_yield'], ['env', 'js_callback'],
    ['wasi_snapshot_preview1', 'sock_open']])));
  assert.equal(foreign.status, 1);
  assert.equal(foreign.stderr, "tide-run: foreign.wasm imports what Node's WASI (wasi_snapshot_preview1) does not provide: " +
    'env.js_callback, wasi_snapshot_preview1.sock_open. It must be a WASI command module built for wasm32-wasip1 (tide-cc builds one)\n');

  const reactor = run(file('reactor.wasm', module([], { reactor: true })));
  assert.deepEqual([reactor.status, reactor.stderr],
    [1, 'tide-run: reactor.wasm is not a WASI command module: it exports no _start (it is a reactor, a library: build it with a main function)\n']);
  const text = run(file('text.wasm', 'not wasm'));
  assert.equal(text.status, 1);
  assert.match(text.stderr, /^tide-run: text\.wasm is not a WebAssembly module: /);
  const none = run('none.wasm');
  assert.deepEqual([none.status, none.stderr], [1, 'tide-run: cannot read none.wasm: no such file\n']);
});

test('tide-run: its own usage, options before the module only', () => {
  const help = spawn(process.execPath, [tideRun, '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: tide-run \[--env NAME\[=VALUE\]\]\.\.\. \[--dir HOST\[::GUEST\]\]\.\.\. MODULE\.wasm \[ARGS\.\.\.\]\n/);
  for (const part of ['134', 'wasmtime run --dir . --env GREETING=hi hello.wasm world'])
    assert.ok(help.stdout.includes(part), `--help does not mention ${part}`);
  const none = spawn(process.execPath, [tideRun]);
  assert.deepEqual([none.status, none.stderr], [2, help.stdout]);
  const unknown = spawn(process.execPath, [tideRun, '--mystery', 'x.wasm']);
  assert.deepEqual([unknown.status, unknown.stderr], [2, 'tide-run: unknown option --mystery\n(tide-run --help tells how to use it)\n']);
  const noValue = spawn(process.execPath, [tideRun, '--env']);
  assert.equal(noValue.status, 2);
  assert.match(noValue.stderr, /^tide-run: --env needs a value\n/);
  // after the module, options are the program's
  const w = wasi(['args', '--help', '--env', 'X=1']);
  assert.deepEqual([w.stdout, w.status], ['--help\n--env\nX=1\n', 0]);
  assert.match(spawn(process.execPath, [tideRun, '--version']).stdout, /^tide-run \d+\.\d+\.\d+ \(Node\.js /);
});

// ---- the build driver ------------------------------------------------------

const driver = path.join(root, 'tools/wasi-build.mjs');
function build(dir, args) {
  const r = spawn(process.execPath, [driver, '-j2', ...args], { cwd: dir });
  const summary = /^wasi-build: (.*) in [\d.]+ s on \d worker\(s\)$/m.exec(r.stdout.replace(/ \([\d.]+ s\)/g, ''));
  return { ...r, did: summary ? summary[1] : 'nothing', steps: [...r.stdout.matchAll(/^ {2}(CC|AR|LD) +(\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`) };
}

test('tools/wasi-build.mjs rebuilds what is out of date by its record: sources, headers, flags', () => {
  const dir = path.join(scratch, 'driver');
  fs.mkdirSync(path.join(dir, 'inc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'inc/x.h'), '#define X 40\n');
  fs.writeFileSync(path.join(dir, 'a.c'), '#include "x.h"\nint a(void) { return X; }\n');
  fs.writeFileSync(path.join(dir, 'b.c'), 'int b(void) { return 2; }\n');
  fs.writeFileSync(path.join(dir, 'main.c'), '#include <stdio.h>\nint a(void), b(void);\nint main(void) { printf("%d\\n", a() + b()); return 0; }\n');
  const lib = (flags) => build(dir, ['lib', 'out/libx.a', '--objdir', 'out/obj', '--cflags', `--target=wasm32-wasip1 -Iinc ${flags}`, 'a.c', 'b.c']);
  const prog = () => build(dir, ['programs', '--lib', 'out/libx.a', '--outdir', 'out', '--objdir', 'out/progobj', '--cflags', '--target=wasm32-wasip1', 'p: main.c']);
  // file changed now, everything else a minute ago (no waiting for the
  // clock to tick past the outputs' times)
  const changed = (file) => {
    const past = new Date(Date.now() - 60_000);
    const age = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) age(p);
      else fs.utimesSync(p, past, past);
    });
    age(dir);
    const now = new Date();
    fs.utimesSync(path.join(dir, file), now, now);
  };

  let r = lib('-O2');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.did, '2 CC, 1 AR');
  assert.deepEqual([...r.steps].sort(), ['AR out/libx.a', 'CC out/obj/a.o', 'CC out/obj/b.o']);
  r = prog();
  assert.deepEqual([r.status, r.did], [0, '1 CC, 1 LD'], r.stderr);
  assert.equal(spawn(process.execPath, [tideRun, 'out/p.wasm'], { cwd: dir }).stdout, '42\n');

  // up to date: no toolchain starts, nothing is said
  r = lib('-O2');
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  // a header: what includes it, and the archive
  changed('inc/x.h');
  r = lib('-O2');
  assert.deepEqual(r.steps, ['CC out/obj/a.o', 'AR out/libx.a']);
  // the library: the program relinks, its object stays
  r = prog();
  assert.deepEqual(r.steps, ['LD out/p.wasm']);
  // other flags: everything
  r = lib('-O1');
  assert.equal(r.did, '2 CC, 1 AR');
  // a deleted object
  fs.rmSync(path.join(dir, 'out/obj/b.o'));
  r = lib('-O1');
  assert.deepEqual(r.steps, ['CC out/obj/b.o', 'AR out/libx.a']);
});

test('tools/wasi-build.mjs: a compile error says where, relative to the folder, and builds nothing after', () => {
  const dir = path.join(scratch, 'broken');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'ok.c'), 'int ok(void) { return 0; }\n');
  fs.writeFileSync(path.join(dir, 'bad.c'), 'int bad(void) {\n    return missing;\n}\n');
  const r = build(dir, ['lib', 'libb.a', '--objdir', 'obj', '--cflags', '--target=wasm32-wasip1', 'ok.c', 'bad.c']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^bad\.c:2:12: error: use of undeclared identifier 'missing'$/m);
  assert.match(r.stderr, /^wasi-build: clang failed \(status 1\) building obj\/bad\.o$/m);
  assert.ok(!fs.existsSync(path.join(dir, 'libb.a')), 'archived despite the error');
  const usage = build(dir, ['lib']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^wasi-build: usage: lib OUT\.a/);
});

// The toolchain's file system skips '..' (clang.mjs, UP_SKIPPED): tide-cc
// puts such headers where clang will look, and passes sources and -I
// folders that go up as absolute paths.
test("tide-cc: #include \"../x.h\", a source given as ../m.c and -I.. reach the right files", () => {
  const dir = path.join(scratch, 'up');
  fs.mkdirSync(path.join(dir, 'src/deep'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'inc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'x.h'), '#define X 40\n#include "inc/y.h"\n');
  fs.writeFileSync(path.join(dir, 'inc/y.h'), '#define Y 2\n');
  fs.writeFileSync(path.join(dir, 'src/deep/z.h'), '#define Z "z"\n');
  // a file of the same name where the skipped '..' would land: must not be taken
  fs.writeFileSync(path.join(dir, 'src/x.h'), '#error the wrong x.h\n');
  fs.writeFileSync(path.join(dir, 'src/m.c'),
    '#include <stdio.h>\n#include "../x.h"\n#include "deep/../deep/z.h"\n#include <w.h>\n' +
    'int main(void) { printf("%d %s %d\\n", X + Y, Z, W); return 0; }\n');
  fs.writeFileSync(path.join(dir, 'inc/w.h'), '#define W 7\n');
  const tideCc = path.join(root, 'wasi/tide-cc.mjs');
  const cwd = path.join(dir, 'src/deep');
  const cc = spawn(process.execPath, [tideCc, '../m.c', '-I../../inc', '-o', '../../m.wasm'], { cwd });
  assert.equal(cc.status, 0, cc.stderr);
  assert.equal(spawn(process.execPath, [tideRun, 'm.wasm'], { cwd: dir }).stdout, '42 z 7\n');
});

test('tide-cc: a guarded header that includes itself through ".." compiles (the scan of includes ends)', () => {
  const dir = path.join(scratch, 'self');
  fs.mkdirSync(path.join(dir, 'd'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'd/a.h'), '#ifndef A_H\n#define A_H\n#include "../d/a.h"\n#define A 5\n#endif\n');
  fs.writeFileSync(path.join(dir, 'm.c'), '#include <stdio.h>\n#include "d/a.h"\nint main(void) { printf("%d\\n", A); return 0; }\n');
  const cc = spawn(process.execPath, [path.join(root, 'wasi/tide-cc.mjs'), 'm.c', '-o', 'm.wasm'], { cwd: dir });
  assert.equal(cc.status, 0, cc.stderr);
  assert.equal(spawn(process.execPath, [tideRun, 'm.wasm'], { cwd: dir }).stdout, '5\n');
});

// clang in the toolchain said a missing input amid its version banner and a
// linker command line; an output into a missing folder was dropped with
// status 0; one it could not write was a Node stack trace.
test('tide-cc: a missing input, a missing output folder, an output it cannot write: one line each, status 1', () => {
  const dir = path.join(scratch, 'io');
  fs.mkdirSync(path.join(dir, 'a dir'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'm.c'), 'int main(void) { return 0; }\n');
  const cc = (...args) => spawn(process.execPath, [path.join(root, 'wasi/tide-cc.mjs'), ...args], { cwd: dir });
  const cases = [
    [['nofile.c', '-o', 'm.wasm'], 'tide-cc: nofile.c: no such file\n'],
    [['m.c', 'gone.o'], 'tide-cc: gone.o: no such file\n'],
    [['m.c', '-o', 'no dir/m.wasm'], 'clang: cannot write no dir/m.wasm: no folder no dir\n'],
    [['-c', 'm.c', '-o', 'no dir/m.o'], 'clang: cannot write no dir/m.o: no folder no dir\n'],
    [['m.c', '-o', 'a dir', '--no-wasm-opt'], 'clang: cannot write a dir: illegal operation on a directory\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = cc(...args);
    assert.deepEqual([r.status, r.stderr, r.stdout], [1, stderr, ''], args.join(' '));
  }
  assert.ok(!fs.existsSync(path.join(dir, 'no dir')));
  assert.equal(cc('m.c', '-o', 'a dir/m.wasm').status, 0);
  assert.ok(fs.existsSync(path.join(dir, 'a dir/m.wasm')));
});

// wasi-libc's start code calls a weak main(): a program without one linked,
// then trapped as it started ("unreachable"). A native link says
// "undefined reference to main"; so does tide-cc now.
test('tide-cc: a program without main() is a link error, not a module that traps', () => {
  const dir = path.join(scratch, 'nomain');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'lib.c'), '#include <tide.h>\nint helper(void) { return 1; }\n');
  const cc = (...args) => spawn(process.execPath, [path.join(root, 'wasi/tide-cc.mjs'), ...args], { cwd: dir });
  for (const extra of [[], ['-O0', '--no-wasm-opt']]) {
    const r = cc('lib.c', '-o', 'lib.wasm', ...extra);
    assert.equal(r.status, 1, extra.join(' '));
    assert.equal(r.stderr, 'wasm-ld: error: undefined symbol: main (a WASI program needs a main(): ' +
      'int main(void) or int main(int argc, char **argv); -c only compiles)\n');
    assert.ok(!fs.existsSync(path.join(dir, 'lib.wasm')));
  }
  assert.equal(cc('-c', 'lib.c', '-o', 'lib.o').status, 0);
  fs.writeFileSync(path.join(dir, 'main.c'), 'int helper(void);\nint main(void) { return helper() + 1; }\n');
  assert.equal(cc('main.c', 'lib.o', '-o', 'both.wasm').status, 0);
  assert.equal(spawn(process.execPath, [tideRun, 'both.wasm'], { cwd: dir }).status, 2);
});
