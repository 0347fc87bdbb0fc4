// clang.mjs - finding a clang and running it for the checker: an AST dump
// (`-Xclang -ast-dump=json`) and the macro definitions (`-E -dD`) of each
// file, several files per clang start. Any clang from 9 on can dump JSON:
// a native one (Debian's clang-14 for `make lint`) or @yowasp/clang (Clang
// compiled to WebAssembly, from npm) for people without one.
import { constants as bufferConstants } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const MIN_VERSION = 9;
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

function nativeVersion(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const m = /clang version (\d+)/.exec(r.stdout);
  return m ? { version: Number(m[1]), banner: r.stdout.split('\n')[0] } : null;
}

// Runs a native clang; its stdout goes to onStdout chunk by chunk. When
// onStdout returns a promise, reading stops until it settles (and clang
// waits on the full pipe): the dumps are not read faster than they are
// checked.
function runNative(cmd, args, onStdout) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const err = [];
    child.stdout.on('data', (b) => {
      const wait = onStdout(b);
      if (wait) {
        child.stdout.pause();
        wait.finally(() => child.stdout.resume());
      }
    });
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

// Collects stdout chunks into one string (the -E output: small).
function collector() {
  const parts = [];
  const f = (b) => { if (b) parts.push(Buffer.from(b)); };
  f.text = () => Buffer.concat(parts).toString('utf8');
  return f;
}

// Splits a stream of concatenated JSON AST dumps (one per file) into their
// texts as they arrive: each dump ends with a `}` at the start of a line,
// the next one's `{` right after it. A whole run's output may be larger than
// a JavaScript string can be, and so may one dump (a file of a thousand
// coroutines or so: each await expands to much): past `maxBytes` its bytes
// are counted, not kept, and onDump gets (null, bytes).
function dumpSplitter(onDump, maxBytes) {
  let parts = [];
  let size = 0;
  let tail = ''; // the last two bytes seen, for a boundary across chunks
  let waits = [];
  const keep = (b) => {
    size += b.length;
    if (size <= maxBytes) parts.push(b);
    else parts = [];
  };
  const emit = () => {
    const over = size > maxBytes ? size : 0;
    const text = over ? null : Buffer.concat(parts).toString('utf8');
    parts = [];
    size = 0;
    if (!over && !text.trim()) return;
    const wait = onDump(text, over);
    if (wait) waits.push(wait);
  };
  // returns a promise when onDump asked to wait
  const f = (chunk) => {
    if (!chunk?.length) return null;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    // a boundary whose "\n}" ended the previous chunk
    if (tail.endsWith('\n}') && (buf[0] === 0x7b || buf[0] === 0x0a)) emit();
    else if (tail.endsWith('\n') && buf[0] === 0x7d && buf.length > 1 && (buf[1] === 0x7b || buf[1] === 0x0a)) {
      keep(buf.subarray(0, 1));
      emit();
      from = 1;
    }
    for (let i = buf.indexOf('\n}', from); i >= 0; i = buf.indexOf('\n}', i + 2)) {
      if (i + 2 >= buf.length) break;
      if (buf[i + 2] === 0x7b || buf[i + 2] === 0x0a) {
        keep(buf.subarray(from, i + 2));
        emit();
        from = i + 2;
      }
    }
    keep(Buffer.from(buf.subarray(from)));
    tail = (tail + buf.subarray(Math.max(0, buf.length - 2)).toString('latin1')).slice(-2);
    const w = waits;
    waits = [];
    return w.length ? Promise.all(w) : null;
  };
  f.end = emit;
  return f;
}

// @yowasp/clang from the user's project (the current directory) or from
// wherever this checker is installed; null if neither has it.
async function importYowasp() {
  const bases = [path.join(process.cwd(), 'package.json'), import.meta.url];
  for (const base of bases) {
    try {
      const file = createRequire(base).resolve('@yowasp/clang');
      return await import(pathToFileURL(file).href);
    } catch {
      // not installed there
    }
  }
  return null;
}

// The headers a file may include from next to it: @yowasp/clang runs in a
// virtual file system, so everything clang may open is put in it up front.
function headersNear(dir, depth, into) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile() && /\.(h|inc|def)$/.test(e.name)) into.add(p);
    else if (e.isDirectory() && depth > 0 && !/^(\.|node_modules$)/.test(e.name)) headersNear(p, depth - 1, into);
  }
}

function virtualTree(files) {
  const tree = {};
  for (const file of files) {
    const parts = path.resolve(file).split(path.sep).filter(Boolean);
    let node = tree;
    for (const d of parts.slice(0, -1)) node = node[d] ??= {};
    node[parts.at(-1)] = fs.readFileSync(file);
  }
  return tree;
}

function yowaspRunner(mod) {
  let fetched = null;
  return async (args, inputs, includeDirs, onStdout) => {
    // load its resources once, quietly (it reports progress on stdout)
    await (fetched ??= mod.runLLVM(null, {}, { fetchProgress: () => {} }));
    const files = new Set(inputs);
    for (const f of inputs) headersNear(path.dirname(f), 2, files);
    for (const d of includeDirs) headersNear(d, 2, files);
    const err = [];
    let status = 0;
    // Its clang writes the dump a few bytes at a time: gather them.
    const held = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    const flush = () => {
      if (size) onStdout(Buffer.from(held.subarray(0, size)));
      size = 0;
    };
    // jco's glue reads process.env.JCO_DEBUG on every call into the host
    // (a getenv() each time): a plain copy of the environment meanwhile.
    const env = process.env;
    process.env = { ...env };
    try {
      await mod.runClang(['clang', ...args], virtualTree(files), {
        stdout: (b) => {
          if (!b?.length) return;
          if (size + b.length > held.length) flush();
          if (b.length > held.length) onStdout(Buffer.from(b));
          else {
            held.set(b, size);
            size += b.length;
          }
        },
        stderr: (b) => { if (b) err.push(Buffer.from(b)); },
        fetchProgress: () => {},
      });
    } catch (e) {
      if (typeof e?.code !== 'number') throw e;
      status = e.code;
    } finally {
      process.env = env;
    }
    flush();
    return { status, stderr: Buffer.concat(err).toString('utf8') };
  };
}

// Finds a clang: `wanted` (a command or 'yowasp'), else clang on PATH
// (clang, clang-22 ... clang-14), else @yowasp/clang. Returns
// {name, run(args, inputs, includeDirs)} or {tried: [...]} if none works.
export async function findClang(wanted) {
  const tried = [];
  const native = (cmd) => {
    const v = nativeVersion(cmd);
    if (!v) { tried.push(`${cmd} (not found)`); return null; }
    if (v.version < MIN_VERSION) { tried.push(`${cmd} (${v.banner}: too old, ${MIN_VERSION} or later dumps the AST as JSON)`); return null; }
    return { name: `${cmd} (${v.banner})`, run: (args, inputs, dirs, onStdout) => runNative(cmd, args, onStdout) };
  };
  const yowasp = async () => {
    const mod = await importYowasp();
    if (!mod?.runClang) { tried.push('@yowasp/clang (not installed)'); return null; }
    return { name: '@yowasp/clang', run: yowaspRunner(mod) };
  };
  if (wanted) return (wanted === 'yowasp' ? await yowasp() : native(wanted)) ?? { tried };
  for (const cmd of ['clang', ...Array.from({ length: 9 }, (_, i) => `clang-${22 - i}`)]) {
    const c = native(cmd);
    if (c) return c;
  }
  return (await yowasp()) ?? { tried };
}

// Splits `clang -E -dD` output of several files at the line marker that
// starts each: `# 1 "<file>"`.
function splitPreprocessed(text, inputs) {
  const out = new Map();
  const lines = text.split('\n');
  let k = -1, start = 0;
  const close = (end) => { if (k >= 0) out.set(inputs[k], lines.slice(start, end).join('\n')); };
  lines.forEach((line, i) => {
    if (k + 1 < inputs.length && line === `# 1 ${JSON.stringify(inputs[k + 1])}`) {
      close(i);
      k++;
      start = i;
    }
  });
  close(lines.length);
  return out;
}

// Runs clang over `inputs` (absolute paths), `batch` files per start, and
// calls onFile(file, {dump, defs}) for each as its dump arrives, or
// onFile(file, {error}) for a file clang could not compile (after a
// {dump} for it, if it was in a batch: that result is void), or
// onFile(file, {error, compiled: true}) for one whose dump is longer than
// maxDump bytes (default: the longest string Node can hold). onFile may
// return a promise to make the dumps wait.
export async function dumpFiles(clang, inputs, flags, includeDirs, batch, onFile, maxDump = MAX_STRING_LENGTH) {
  for (let i = 0; i < inputs.length; i += batch) {
    const group = inputs.slice(i, i + batch);
    const pre = collector();
    // the macro definitions first: small, and needed with each dump
    const p = await clang.run(['-E', '-dD', '-w', ...flags, ...group], group, includeDirs, pre);
    let a = p, k = 0;
    if (p.status === 0) {
      const defs = splitPreprocessed(pre.text(), group);
      const split = dumpSplitter((d, over) => {
        const f = group[k++];
        if (f && over) {
          return onFile(f, {
            error: `its syntax tree, ${Math.ceil(over / 2 ** 20)} MiB of JSON from clang, is more than the checker can read at once ` +
              `(${Math.floor(maxDump / 2 ** 20)} MiB); split the file`,
            compiled: true,
          });
        }
        return f ? onFile(f, { dump: d, defs: defs.get(f) ?? '' }) : null;
      }, maxDump);
      a = await clang.run(['-fsyntax-only', '-w', ...flags, '-Xclang', '-ast-dump=json', ...group], group, includeDirs, split);
      split.end();
    }
    if (a.status === 0 && k === group.length) continue;
    if (group.length > 1) {
      // one file at a time, to say which one failed
      await dumpFiles(clang, group, flags, includeDirs, 1, onFile, maxDump);
      continue;
    }
    onFile(group[0], { error: a.stderr.trim() || `clang exited with status ${a.status}` });
  }
}
