// clang.mjs - the WASI toolchain: @yowasp/clang (Clang and LLD compiled to
// WebAssembly, with a wasi-libc sysroot for wasm32-wasip1) run as if it
// were a native clang on this machine's files. tide-cc builds users'
// programs with it, and the project's own WASI build (tools/wasi-build.mjs)
// too, so that the library in the package and the programs linked with it
// come from one compiler and one libc.
//
// @yowasp/clang runs in a file system of its own, in memory: whatever it
// may read is put in it up front and whatever it wrote is copied back.
// This machine's files appear under MOUNT (/home/me/x.c is /host/home/me/x.c
// there: its /usr holds the sysroot, and its driver deletes /tmp after each
// run); clang gets -working-directory for the current folder, so relative
// paths stay relative in its messages, and MOUNT is taken out of absolute
// ones. What it reads: the input files, and every file they #include that
// is found beside the includer or in an -I folder, found by reading the
// #include lines (including the files of conditional and unused ones: more
// than clang opens, never less, except a header named by a macro, for which
// the includer's folder and the -I folders are put in whole).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { MOUNT, NO_LINK, NO_MAIN_MESSAGE, lacksMain, unmountText } from './flags.mjs';

export { MOUNT, unmountText };
export const PACKAGE = '@yowasp/clang';

// What a user without the toolchain is told; `range` is the version range
// tide-wasm asks for (package.json peerDependencies).
export class ToolchainMissing extends Error {
  constructor(range) {
    const spec = range ? `${PACKAGE}@${JSON.stringify(range).slice(1, -1)}` : PACKAGE;
    super(
      `needs ${PACKAGE} (Clang for WebAssembly, an optional peer dependency of tide-wasm), ` +
        `which is not installed. Install it in your project with:\n    npm install --save-dev '${spec}'`
    );
    this.name = 'ToolchainMissing';
  }
}

// Imports @yowasp/clang (cheap: its modules load on first use). Throws
// ToolchainMissing when it cannot be found.
export async function importToolchain(range) {
  try {
    return await import(PACKAGE);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`'${PACKAGE}'`)) throw new ToolchainMissing(range);
    throw e;
  }
}

// Imports @yowasp/clang and compiles its modules (1-2 s, once per
// process). Throws ToolchainMissing when it cannot be found.
//
// It turns V8's optimising tier for WebAssembly off, for the whole
// process: LLVM is 75 MB of wasm, and optimising its hot functions costs
// more CPU (about 8 s) than it saves over a build of up to a hundred
// files (it makes a compile about a quarter faster, measured in
// docs/design.md), and it delays the first compiles by seconds.
export async function loadToolchain(range) {
  v8.setFlagsFromString('--liftoff-only');
  const mod = await importToolchain(range);
  // its resources, fetched from its own folder quietly (it reports progress
  // on stdout unless told otherwise)
  await mod.runLLVM(null, {}, { fetchProgress: () => {} });
  return { version: mod.version, commands: mod.commands, Exit: mod.Exit };
}

// ---- arguments --------------------------------------------------------------

// Options whose value is the next argument (or joined: -Idir, -ofile), by
// what the value is. Other options are passed through untouched.
const INCLUDE_DIR = ['-I', '-iquote', '-isystem', '-idirafter'];
const INPUT_FILE = ['-include', '-imacros'];
const LIB_DIR = ['-L'];
const OUTPUT_FILE = ['-o', '-MF'];
const OTHER_VALUE = ['-x', '-Xclang', '-Xlinker', '-Xpreprocessor', '-Xassembler', '-target', '-MT', '-MQ',
  '-D', '-U', '-arch', '-e', '-z', '-u', '-working-directory', '-isysroot', '--sysroot'];
const JOINED = [...INCLUDE_DIR, ...INPUT_FILE, ...LIB_DIR, ...OUTPUT_FILE, '-D', '-U'];
// (the longest first, so that -isystem is not read as -i + system)
const JOINED_BY_LENGTH = [...JOINED].sort((a, b) => b.length - a.length);

// Files clang reads as C, C++ or assembly source: scanned for #include.
const SOURCE = /\.(c|h|cc|cpp|cxx|hh|hpp|hxx|m|i|inc|def|s|S)$/;

// Expands @file arguments (clang's response files: arguments separated by
// white space, quotes group).
function expandResponseFiles(args, cwd, depth = 0) {
  const out = [];
  for (const a of args) {
    if (!a.startsWith('@') || a.length < 2 || depth > 8) {
      out.push(a);
      continue;
    }
    const text = fs.readFileSync(path.resolve(cwd, a.slice(1)), 'utf8');
    const words = [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map(
      (m) => m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? m[3]
    );
    out.push(...expandResponseFiles(words, cwd, depth + 1));
  }
  return out;
}

// Reads clang's arguments: what it reads and writes, and the arguments as
// clang in the virtual file system gets them (outputs, libraries and
// objects as absolute paths under MOUNT: its linker has no working
// folder).
export function clangPlan(argv, cwd = process.cwd()) {
  const args = expandResponseFiles(argv, cwd);
  // (files: the input files named as such, not by an option's value)
  const plan = { args: [], inputs: [], files: [], includeDirs: [], libDirs: [], outputs: [] };
  const abs = (p) => path.resolve(cwd, p);
  const virtual = (p) => MOUNT + abs(p);
  // a relative path stays as given (clang's messages name it so), unless
  // it goes up a folder, which the toolchain's file system cannot (see
  // UP_SKIPPED)
  const asGiven = (p) => (path.isAbsolute(p) || goesUp(p) ? virtual(p) : p);
  const take = (opt, value) => {
    if (INCLUDE_DIR.includes(opt)) {
      plan.includeDirs.push(abs(value));
      return asGiven(value);
    }
    if (INPUT_FILE.includes(opt)) {
      plan.inputs.push(abs(value));
      return asGiven(value);
    }
    if (LIB_DIR.includes(opt)) {
      plan.libDirs.push(abs(value));
      return virtual(value);
    }
    if (OUTPUT_FILE.includes(opt)) {
      plan.outputs.push(abs(value));
      if (opt === '-o') plan.output = abs(value);
      return virtual(value);
    }
    return value;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-working-directory' || a.startsWith('-working-directory=')) throw new Error('-working-directory is set by tide-cc itself');
    if ([...INCLUDE_DIR, ...INPUT_FILE, ...LIB_DIR, ...OUTPUT_FILE, ...OTHER_VALUE].includes(a)) {
      if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
      plan.args.push(a, take(a, args[++i]));
      continue;
    }
    const joined = a.startsWith('-') && JOINED_BY_LENGTH.find((o) => a.startsWith(o) && a.length > o.length);
    if (joined) {
      plan.args.push(joined + take(joined, a.slice(joined.length).replace(/^=/, '')));
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      plan.args.push(a);
      continue;
    }
    // an input file: sources stay as given (clang's messages name them so),
    // objects and archives go to the linker, which needs them absolute
    plan.inputs.push(abs(a));
    plan.files.push(abs(a));
    plan.args.push(SOURCE.test(a) ? asGiven(a) : virtual(a));
  }
  return plan;
}

// ---- the files clang may read -------------------------------------------------

const INCLUDE_LINE = /^[ \t]*#[ \t]*(?:include|include_next|import)[ \t]*(?:([<"])([^>"\r\n]+)[>"]|([A-Za-z_]))/gm;

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function filesIn(dir, pattern) {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && pattern.test(e.name)).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

// UP_SKIPPED: the toolchain's in-memory file system (@yowasp/clang 22)
// skips a '..' in a path instead of going up a folder: for clang, a/b/../x.h
// is a/b/x.h. So clang finds `#include "../x.h"` only if the file is also
// put where that reading lands: `aliases` (a Map, if given) gets each such
// place with the real file for it.
const goesUp = (p) => p.split(/[\\/]/).includes('..');
const MAX_VIEWS = 8;
const upSkipped = (p) => '/' + p.split('/').filter((s) => s && s !== '.' && s !== '..').join('/');

// The inputs, the files they include (transitively), the archives and
// objects of the -L folders: real absolute paths.
export function filesRead(plan, aliases = null) {
  const seen = new Set();
  const scan = []; // [real path, the path clang opens it by]
  const views = new Map(); // real path -> the paths it was scanned by
  const add = (file, isIncluded, seenAs = file) => {
    if (!isFile(file)) return;
    if (seenAs !== file) aliases?.set(seenAs, file);
    seen.add(file);
    if (!isIncluded && !SOURCE.test(file)) return;
    // each path a file is opened by is scanned once, and at most MAX_VIEWS
    // of them: a header that includes itself through '..' (guarded) gives
    // a new, longer path at every level
    const paths = views.get(file) ?? new Set();
    if (paths.has(seenAs) || paths.size >= MAX_VIEWS) return;
    views.set(file, paths.add(seenAs));
    scan.push([file, seenAs]);
  };
  for (const f of plan.inputs) add(f, false);
  for (const d of plan.libDirs) for (const f of filesIn(d, /\.(a|o|so)$/)) add(f, false);
  while (scan.length) {
    const [file, seenAs] = scan.pop();
    // [where a name is looked up, where clang looks it up]
    const dirs = [[path.dirname(file), path.dirname(seenAs)], ...plan.includeDirs.map((d) => [d, d])];
    for (const m of fs.readFileSync(file, 'latin1').matchAll(INCLUDE_LINE)) {
      if (m[3]) {
        // #include MACRO: the headers of every folder it may come from
        for (const [d, as] of dirs) for (const f of filesIn(d, SOURCE)) add(f, true, path.join(as, path.basename(f)));
      } else if (path.isAbsolute(m[2])) {
        add(m[2], true, upSkipped(m[2]));
      } else {
        for (const [d, as] of dirs) add(path.resolve(d, m[2]), true, upSkipped(`${as}/${m[2]}`));
      }
    }
  }
  return [...seen];
}

// ---- running it ---------------------------------------------------------------

function mount(tree, realPath, content) {
  const parts = (MOUNT + realPath).split('/').filter(Boolean);
  let node = tree;
  for (const d of parts.slice(0, -1)) node = node[d] ??= {};
  if (content !== undefined) node[parts.at(-1)] = content;
  else node[parts.at(-1)] ??= {};
}

function lookup(tree, realPath) {
  let node = tree;
  for (const d of (MOUNT + realPath).split('/').filter(Boolean)) {
    if (node == null || typeof node !== 'object' || node instanceof Uint8Array) return undefined;
    node = node[d];
  }
  return node;
}

// Every file of `after` under MOUNT that is not the very one given in
// `before`: what the tool wrote. Real absolute paths.
function written(before, after, at = '', out = []) {
  for (const [name, v] of Object.entries(after ?? {})) {
    const p = `${at}/${name}`;
    if (v instanceof Uint8Array || typeof v === 'string') {
      const was = lookup(before, p.slice(MOUNT.length));
      if (was !== v && !(was instanceof Uint8Array && Buffer.from(was).equals(Buffer.from(v)))) out.push([p.slice(MOUNT.length), v]);
    } else written(before, v, p, out);
  }
  return out;
}

const decoder = new TextDecoder();
function sink(write = () => {}) {
  let pending = '';
  const f = (bytes) => {
    if (bytes === null) return f.flush();
    pending += decoder.decode(bytes, { stream: true });
    // whole lines only, so that a path is never cut in two
    const nl = pending.lastIndexOf('\n');
    if (nl >= 0) {
      write(unmountText(pending.slice(0, nl + 1)));
      pending = pending.slice(nl + 1);
    }
  };
  f.flush = () => {
    if (pending) write(unmountText(pending));
    pending = '';
  };
  return f;
}

// Runs one of the toolchain's commands ('clang', 'ar', ...) on this
// machine's files: `reads` and `writesInto` (real paths) are what it may
// read and the folders it writes to; its messages go to stdout/stderr
// (functions taking text). Returns its exit status and the files read.
export async function runTool(tc, tool, args, { cwd = process.cwd(), reads, aliases = [], writesInto = [], stdout, stderr }) {
  const tree = {};
  mount(tree, cwd);
  for (const d of writesInto) if (fs.existsSync(d)) mount(tree, d);
  const content = new Map(reads.map((f) => [f, new Uint8Array(fs.readFileSync(f))]));
  for (const [f, bytes] of content) mount(tree, f, bytes);
  for (const [as, f] of aliases) mount(tree, as, content.get(f)); // UP_SKIPPED
  const out = sink(stdout);
  const err = sink(stderr);
  const fullArgs = tool === 'clang' ? ['-working-directory', MOUNT + cwd, ...args] : args;
  let status = 0, files;
  // jco's glue reads process.env.JCO_DEBUG on every call into the host (a
  // getenv() each time): a plain object meanwhile.
  const env = process.env;
  process.env = { ...env };
  try {
    files = await tc.commands[tool](fullArgs, tree, { stdout: out, stderr: err, decodeASCII: false });
  } catch (e) {
    if (!(e instanceof tc.Exit)) throw e;
    status = e.code;
    files = e.files;
  } finally {
    process.env = env;
    out.flush();
    err.flush();
  }
  // (a failed write is a message and status 1, not a stack trace or, for a
  // missing folder, an output dropped with status 0)
  const shown = (p) => (path.relative(cwd, p).startsWith('..') ? p : path.relative(cwd, p));
  const cannot = (file, why) => {
    err(new TextEncoder().encode(`${tool}: cannot write ${shown(file)}: ${why}\n`));
    err.flush();
    if (status === 0) status = 1;
  };
  for (const [file, content] of written(tree, files)) {
    if (!fs.existsSync(path.dirname(file))) {
      // (files of the tool's own elsewhere in its tree are not ours to write)
      if (writesInto.includes(path.dirname(file))) cannot(file, `no folder ${shown(path.dirname(file))}`);
      continue;
    }
    try {
      fs.writeFileSync(file, content);
    } catch (e) {
      cannot(file, String(e.message).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, ''));
    }
  }
  return { status, reads };
}

// ---- clang, as its driver runs on a machine ----------------------------------

// A native clang, linking with optimisation, runs Binaryen's wasm-opt on
// the module when one is on PATH (keeping the target_features section for
// it), unless given --no-wasm-opt; this clang's file system has none, so
// it is run here the same way, after the link, with -g more: the function
// names stay, for a trap's frames and for profilers. Returns {path, level}
// or null. (wasm-opt -O2 makes Tide's task switch about 15 % faster:
// docs/design.md, "The WASI toolchain".)
export function wasmOptFor(args, env = process.env) {
  if (args.some((a) => NO_LINK.includes(a)) || args.includes('--no-wasm-opt')) return null;
  const o = args.filter((a) => /^-O/.test(a)).at(-1);
  if (!o || o === '-O0') return null;
  // clang's mapping of its -O to wasm-opt's
  const level = { '-O': 's', '-O4': '4', '-Ofast': '4', '-Og': '1' }[o] ?? o.slice(2);
  const found = (env.PATH ?? '').split(path.delimiter).filter(Boolean)
    .map((d) => path.join(d, 'wasm-opt'))
    .find((f) => { try { fs.accessSync(f, fs.constants.X_OK); return fs.statSync(f).isFile(); } catch { return false; } });
  return found ? { path: found, level } : null;
}

// Everything a clang run needs, from its arguments as a user gives them:
// what it reads and writes, and wasm-opt after it. Plain data (the build
// driver hands it to a worker thread).
export function prepareClang(argv, cwd = process.cwd()) {
  const wasmOpt = wasmOptFor(argv);
  const plan = clangPlan(wasmOpt ? [...argv, '-Wl,--keep-section=target_features'] : argv, cwd);
  const output = plan.output ?? path.resolve(cwd, 'a.out');
  const aliases = new Map();
  return {
    cwd, args: plan.args, reads: filesRead(plan, aliases), aliases: [...aliases], writesInto: [...new Set(plan.outputs.map((f) => path.dirname(f)))],
    links: !argv.some((a) => NO_LINK.includes(a)), output,
    wasmOpt: wasmOpt && { ...wasmOpt, args: [output, `-O${wasmOpt.level}`, '-g', '-o', output] },
  };
}

// Runs what prepareClang() prepared. Returns {status}. With `command`, a
// link must make a command module: one without main() is an error (see
// lacksMain), checked before wasm-opt, which may inline the trap away.
export async function runClang(tc, job, { stdout = () => {}, stderr = () => {}, command = false } = {}) {
  const r = await runTool(tc, 'clang', job.args, { ...job, stdout, stderr });
  if (r.status === 0 && command && job.links && fs.existsSync(job.output) && lacksMain(fs.readFileSync(job.output))) {
    fs.rmSync(job.output);
    stderr(`wasm-ld: error: ${NO_MAIN_MESSAGE}\n`);
    return { ...r, status: 1 };
  }
  if (r.status !== 0 || !job.wasmOpt) return r;
  const opt = spawnSync(job.wasmOpt.path, job.wasmOpt.args, { cwd: job.cwd, encoding: 'utf8' });
  if (opt.stdout) stdout(opt.stdout);
  if (opt.stderr) stderr(opt.stderr);
  if (opt.error || opt.status !== 0) {
    stderr(`${job.wasmOpt.path} ${job.wasmOpt.args.join(' ')} failed: ${opt.error?.message ?? `status ${opt.status}`}\n`);
    return { ...r, status: 1 };
  }
  return r;
}

