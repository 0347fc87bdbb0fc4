// wasi-build.mjs - the project's WASI build: many compiles per toolchain
// start. @yowasp/clang (wasi/clang.mjs) takes about 2 s to start in a
// process and then 0.1-2 s a file, so make calls this once per batch (a
// library, or all of a host's programs) instead of once per file; it runs
// the batch on a pool of worker threads, one toolchain each, and keeps its
// own record of what each output was built from (docs/design.md, "The WASI
// toolchain", says why and what it measured).
//
//   node tools/wasi-build.mjs [-j N] lib OUT.a --cflags "FLAGS" --objdir DIR SRC...
//       compiles each SRC to DIR/<name>.o and archives them into OUT.a
//   node tools/wasi-build.mjs [-j N] programs --cflags "FLAGS" [--ldflags "FLAGS"]
//       --lib LIB.a --outdir DIR --objdir OBJDIR [--touch] 'NAME: SRC... [-FLAG...]'...
//       builds DIR/NAME.wasm from its sources (each compiled once per set of
//       flags into OBJDIR, shared between programs: the test harness) and
//       LIB.a; --touch: the outputs found up to date get the time of now
//       (make's grouped rule sees the batch as one target)
//
// An output is rebuilt when it is missing, when its command changed, or
// when a file it was built from (the sources, every header they include,
// the library) is newer: the record is OBJDIR/.wasi-build.json, one per
// batch (two batches running at once must not share an OBJDIR). Nothing to
// do starts no toolchain. Exit status 0, or 1 if a command failed (the
// others running then finish; no new one starts), or 2 for a usage error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { loadToolchain, prepareClang, runClang, runTool, MOUNT } from '../wasi/clang.mjs';

const self = fileURLToPath(import.meta.url);

// ---- the pool --------------------------------------------------------------------

// Starts workers as commands come (up to `size`); run() resolves with
// {status, stdout, stderr}.
function pool(size) {
  const idle = [], queue = [], pending = new Map(), workers = [];
  let next = 0;
  const dispatch = () => {
    while (queue.length && idle.length) {
      const w = idle.pop();
      const job = queue.shift();
      pending.set(job.msg.id, { ...job, worker: w });
      w.postMessage(job.msg);
    }
    if (queue.length && workers.length < size) start();
  };
  const start = () => {
    const w = new Worker(self);
    workers.push(w);
    w.on('message', (m) => {
      if (!m.ready) {
        const job = pending.get(m.id);
        pending.delete(m.id);
        job.resolve(m);
      }
      idle.push(w);
      dispatch();
    });
    w.on('error', (e) => {
      for (const [id, job] of pending) if (job.worker === w) { pending.delete(id); job.reject(e); }
      while (queue.length) queue.shift().reject(e);
    });
  };
  return {
    run: (msg) => new Promise((resolve, reject) => {
      queue.push({ msg: { ...msg, id: next++ }, resolve, reject });
      dispatch();
    }),
    close: () => Promise.all(workers.map((w) => w.terminate())),
    get size() { return workers.length; },
  };
}

// ---- what is up to date ------------------------------------------------------------

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return null;
  }
}

function record(dir) {
  const file = path.join(dir, '.wasi-build.json');
  let data = {};
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // none yet, or unreadable: everything is out of date
  }
  return {
    fresh(out, command) {
      const r = data[out];
      const t = mtime(out);
      if (t === null || !r || r.command !== command) return false;
      return r.inputs.every((f) => (mtime(f) ?? Infinity) <= t);
    },
    set(out, command, inputs) {
      data[out] = { command, inputs };
    },
    save() {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, JSON.stringify(data, null, 1));
    },
  };
}

// ---- the batch ---------------------------------------------------------------------

const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);
const rel = (p) => path.relative(process.cwd(), p) || '.';

function options(argv) {
  const o = { jobs: os.availableParallelism?.() ?? os.cpus().length, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-j') o.jobs = Number(value());
    else if (/^-j\d+$/.test(a)) o.jobs = Number(a.slice(2));
    else if (a === '--touch') o.touch = true;
    else if (a.startsWith('--')) o[a.slice(2)] = value();
    else o.rest.push(a);
  }
  if (!(o.jobs >= 1)) throw new Error('-j needs a number from 1');
  return o;
}

// A batch of steps (compile, archive, link), each run on the pool unless
// its record says it is up to date.
class Batch {
  constructor(dir, jobs) {
    this.record = record(dir);
    this.jobs = jobs;
    this.pool = null;
    this.failed = false;
    this.counts = {};
    this.seconds = {};
    this.fresh = [];
  }

  // Runs `job` (prepareClang's, or {tool, args, reads, writesInto}) for
  // `out` unless it is up to date; resolves when done (true: it is there
  // and good).
  async step(kind, out, job) {
    const { tool = 'clang', args, reads, wasmOpt = null } = job;
    const command = JSON.stringify([tool, args, wasmOpt]);
    if (this.record.fresh(out, command)) {
      this.fresh.push(out);
      return true;
    }
    if (this.failed) return false;
    this.pool ??= pool(this.jobs);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const r = await this.pool.run({ tool, job });
    process.stdout.write(`  ${kind.padEnd(3)} ${rel(out)}\n${r.stdout}`);
    process.stderr.write(r.stderr);
    if (r.status !== 0) {
      this.failed = true;
      console.error(`wasi-build: ${tool} failed (status ${r.status}) building ${rel(out)}`);
      fs.rmSync(out, { force: true });
      return false;
    }
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.seconds[kind] = (this.seconds[kind] ?? 0) + r.seconds;
    this.record.set(out, command, reads);
    return true;
  }

  // Compiles `src` into `out` with `flags`.
  compile(src, out, flags) {
    return this.step('CC', out, prepareClang([...flags, '-c', src, '-o', out]));
  }

  async finish(started) {
    this.record.save();
    if (this.pool) {
      await this.pool.close();
      const done = Object.entries(this.counts).map(([k, n]) => `${n} ${k} (${this.seconds[k].toFixed(1)} s)`).join(', ') || 'nothing';
      console.log(`wasi-build: ${done} in ${((performance.now() - started) / 1000).toFixed(1)} s on ${this.pool.size} worker(s)`);
    }
    return this.failed ? 1 : 0;
  }
}

const objectName = (src) => path.basename(src).replace(/\.[^.]+$/, '.o');

async function buildLib(o, started) {
  const [out, ...srcs] = o.rest;
  if (!out || !srcs.length || !o.objdir) throw new Error('usage: lib OUT.a --cflags FLAGS --objdir DIR SRC...');
  const batch = new Batch(o.objdir, o.jobs);
  const flags = words(o.cflags);
  const objs = srcs.map((s) => path.resolve(o.objdir, objectName(s)));
  if (new Set(objs).size !== objs.length) throw new Error('two sources with one object name');
  const ok = await Promise.all(srcs.map((s, i) => batch.compile(s, objs[i], flags)));
  if (ok.every(Boolean)) {
    const archive = path.resolve(out);
    // members by their base names, as ar does; a fresh archive each time
    const job = { tool: 'ar', args: ['rcs', MOUNT + archive, ...objs.map((f) => MOUNT + f)], reads: objs, writesInto: [path.dirname(archive)] };
    if (!batch.record.fresh(archive, JSON.stringify(['ar', job.args, null]))) fs.rmSync(archive, { force: true });
    await batch.step('AR', archive, job);
  }
  return batch.finish(started);
}

// 'NAME: SRC... [-FLAG...]' -> {name, srcs, flags}
function programSpec(text) {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(.*)$/s.exec(text);
  if (!m) throw new Error(`a program is 'NAME: SRC... [-FLAG...]', not ${JSON.stringify(text)}`);
  const ws = words(m[2]);
  const srcs = ws.filter((w) => !w.startsWith('-'));
  if (!srcs.length) throw new Error(`${m[1]} has no source`);
  return { name: m[1], srcs, flags: ws.filter((w) => w.startsWith('-')) };
}

async function buildPrograms(o, started) {
  if (!o.lib || !o.outdir || !o.objdir) throw new Error("usage: programs --cflags FLAGS --lib LIB.a --outdir DIR --objdir DIR 'NAME: SRC...'...");
  const programs = o.rest.map(programSpec);
  const objdir = path.resolve(o.objdir);
  const batch = new Batch(objdir, o.jobs);
  const cflags = words(o.cflags);
  // each (source, flags) compiled once: the harness serves every test
  const objects = new Map();
  const objectOf = (src, flags) => {
    const key = JSON.stringify([src, flags]);
    if (!objects.has(key)) {
      const tag = flags.length ? `.${flags.join('').replace(/[^A-Za-z0-9_]+/g, '_')}` : '';
      const out = path.join(objdir, `${src.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_]+/g, '_')}${tag}.o`);
      objects.set(key, { out, done: batch.compile(src, out, [...cflags, ...flags]) });
    }
    return objects.get(key);
  };
  const lib = path.resolve(o.lib);
  const links = programs.map(async (p) => {
    const objs = p.srcs.map((s) => objectOf(s, p.flags));
    if (!(await Promise.all(objs.map((x) => x.done))).every(Boolean)) return false;
    const out = path.resolve(o.outdir, `${p.name}.wasm`);
    const job = prepareClang([...cflags, ...p.flags, ...objs.map((x) => x.out), lib, ...words(o.ldflags), '-o', out]);
    const ok = await batch.step('LD', out, job);
    if (ok && o.touch && batch.fresh.includes(out)) {
      const now = new Date();
      fs.utimesSync(out, now, now);
    }
    return ok;
  });
  await Promise.all(links);
  return batch.finish(started);
}

async function main(argv) {
  const started = performance.now();
  const o = options(argv);
  const what = o.rest.shift();
  if (what === 'lib') return buildLib(o, started);
  if (what === 'programs') return buildPrograms(o, started);
  throw new Error('usage: wasi-build.mjs [-j N] lib ... | programs ... (see the top of tools/wasi-build.mjs)');
}

// ---- a worker: one toolchain, one command at a time ----------------------------
if (!isMainThread) {
  const tc = await loadToolchain();
  parentPort.on('message', async ({ id, tool, job }) => {
    let stdout = '', stderr = '';
    const started = performance.now();
    try {
      const out = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
      const r = tool === 'clang' ? await runClang(tc, job, out) : await runTool(tc, tool, job.args, { ...job, ...out });
      const seconds = (performance.now() - started) / 1000;
      parentPort.postMessage({ id, status: r.status, stdout, stderr, seconds });
    } catch (e) {
      parentPort.postMessage({ id, status: 70, stdout, stderr: `${stderr}${e.stack ?? e}\n` });
    }
  });
  parentPort.postMessage({ ready: true });
} else {
  process.exitCode = await main(process.argv.slice(2)).catch((e) => {
    console.error(`wasi-build: ${e.message}`);
    return 2;
  });
}
