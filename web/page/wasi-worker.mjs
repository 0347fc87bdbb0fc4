// wasi-worker.mjs - runs one WASI command module (wasm32-wasip1, built by
// the page's compiler) in a Web Worker, as the page's prebuilt examples
// run: its output lines, its trace (TIDE_TRACE_FD=3: Tide's own text trace,
// include/tide.h at tide_main), the virtual clock and debug mode
// (TIDE_CLOCK, TIDE_DEBUG), and Stop, which cancels its main task.
//
// The program owns its thread and blocks in poll_oneoff to wait for its
// clock. Here that call is a JSPI import (WebAssembly.Suspending): the
// program is suspended and the worker's event loop runs meanwhile, so a
// "cancel" message arrives and is acted on by calling the program's export
// tide_wasi_cancel_main (src/host/wasi_stop.c) and ending the wait early.
// Writes to stdout are the other place a cancel is acted on (inside the
// program's own step); any import may suspend briefly every YIELD_MS to let
// messages in. docs/design.md ("The page's compiler") says why this and
// not Atomics.wait.
//
// The preview1 calls are written here (about what Tide and wasi-libc's
// start-up use), not taken from npm: see docs/design.md.
//
// Messages in:  { kind: 'run', module, args, env, timeOrigin (the page's) }, { kind: 'cancel' }
// Messages out: { kind: 'items', items: [{ k: 'out'|'err', text } |
//                 { k: 'trace', ev }] }, in the order the program made them,
//               then { kind: 'end', status, trap?, frames? };
//               { kind: 'error', message } (a message of unknown kind, or a
//               second 'run': a worker runs one program)

const YIELD_MS = 30; // the longest the program runs without the worker seeing its messages
const FLUSH_MS = 16; // items are posted at least this often while it runs
const EAGER_POSTS = 4; // posts a window may make at once for output lines
const E = { SUCCESS: 0, BADF: 8, INVAL: 28, NOSYS: 52, SPIPE: 70 };
const TRACE_FD = 3;

class ProcExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const encoder = new TextEncoder();
let memory = null;
let exports = null;
let items = [];
let lastPost = 0;
let windowStart = 0; // of the FLUSH_MS window `eager` counts in
let eager = 0;
let outputHeld = false; // a stdout or stderr line is among the items
let lastYield = 0;
let cancelPending = false;
let direct = false; // inside a direct call into the program (cancelNow)
let clockOffset = 0; // ms from the page's performance.now() to this worker's
let waiting = null; // the poll_oneoff wait under way: { timer, resolve }
let started = false; // a 'run' came (the one this worker takes)

const dv = () => new DataView(memory.buffer);
const bytes = () => new Uint8Array(memory.buffer);

// A line printed just before a long computation (an endless loop, say)
// waited among the items for the program's next call into the worker, and
// was lost with the worker if Stop had to end it: so output goes at once,
// unless EAGER_POSTS posts went in this window already (a program printing
// a lot waits for the batch).
function post(force = false) {
  const now = performance.now();
  if (!items.length) return;
  if (now - windowStart >= FLUSH_MS) {
    windowStart = now;
    eager = 0;
  }
  const due = force || now - lastPost >= FLUSH_MS || items.length >= 2000;
  if (!due && !(outputHeld && eager < EAGER_POSTS)) return;
  if (!due) eager++;
  lastPost = now;
  outputHeld = false;
  postMessage({ kind: 'items', items });
  items = [];
}

// Bytes to lines, per descriptor (a line may come in several writes). A
// line keeps its first LINE_MAX bytes (cut after a whole UTF-8 character)
// and ends with a notice, as the JS API's lines do (maxLineBytes). Each
// write is searched for its newlines alone: searching the whole line so
// far made a long line quadratic (16 MB without a newline: four minutes).
const LINE_MAX = 1 << 20;
const mib = (n) => `${Math.round((n / 2 ** 20) * 10) / 10} MiB`;
function lineSink(onLine) {
  const decoder = new TextDecoder();
  let text = ''; // the line so far, decoded
  let kept = 0; // its bytes in `text`
  let total = 0; // its bytes in all
  const line = () => {
    text += decoder.decode();
    onLine(total > kept ? `${text} … [line cut: ${total} bytes (${mib(total)}), showing the first ${mib(LINE_MAX)}]` : text);
    text = '';
    kept = total = 0;
  };
  return {
    write(chunk) {
      for (let from = 0; ;) {
        const nl = chunk.indexOf(10, from);
        const piece = chunk.subarray(from, nl < 0 ? chunk.length : nl);
        total += piece.length;
        let room = Math.min(piece.length, LINE_MAX - kept);
        if (room < piece.length) while (room > 0 && (piece[room] & 0xc0) === 0x80) room--;
        if (room > 0) {
          text += decoder.decode(piece.subarray(0, room), { stream: true });
          kept += room;
        }
        if (room < piece.length) kept = LINE_MAX; // nothing more of this line
        if (nl < 0) return;
        line();
        from = nl + 1;
      }
    },
    end() {
      if (total) line();
    },
  };
}

// A trace line (TIME EVENT TASK STATUS WHAT [NAME]) as the page's timeline
// takes an event (the JS API's shape: web/package/tide.mjs).
const names = new Map();
function traceEvent(line) {
  const m = /^(\S+) (spawn|run|suspend|wake|finish) (\d+) (\S+) (\S+)(?: (.*))?$/.exec(line);
  if (!m) return null;
  const task = Number(m[3]);
  let name = m[6];
  if (m[2] === 'spawn') names.set(task, name ?? `Task-${task}`);
  else name = names.get(task) ?? `Task-${task}`;
  if (m[2] === 'finish') names.delete(task);
  const error = /^-?\d+$/.test(m[4]) ? null : m[4];
  return { type: m[2], time: Number(m[1]), run: 1, task, name, what: m[5] === '-' ? null : m[5], status: error ? -1 : Number(m[4]), error };
}

function output(k, text) {
  outputHeld = true;
  items.push({ k, text });
}

const sinks = {
  1: lineSink((text) => output('out', text)),
  2: lineSink((text) => output('err', text)),
  [TRACE_FD]: lineSink((text) => {
    const ev = traceEvent(text);
    if (ev) items.push({ k: 'trace', ev });
  }),
};

// Stop, where it is safe: between the loop's iterations (poll_oneoff) or in
// the program's own step (a write to stdout).
// (a call of its own, through WebAssembly.promising as every call into the
// program must be, its imports being Suspending ones; none of them
// suspends meanwhile, so it is over when this returns)
let cancelMain = null;
function cancelNow() {
  cancelPending = false;
  if (!cancelMain) return;
  direct = true;
  try {
    cancelMain().catch((e) => postMessage({ kind: 'items', items: [{ k: 'err', text: `Stop failed: ${e.message}` }] }));
  } finally {
    direct = false;
  }
}

// Lets the worker's event loop run (a message may be waiting) if the
// program has run YIELD_MS without a break: returns a promise then.
function maybeYield(value) {
  const now = performance.now();
  if (direct || now - lastYield < YIELD_MS) return value;
  lastYield = now;
  post(true);
  return new Promise((resolve) => setTimeout(() => resolve(value), 0));
}

function cstrings(list) {
  const enc = list.map((s) => encoder.encode(`${s}\0`));
  return { enc, size: enc.reduce((n, b) => n + b.length, 0) };
}

function preview1(args, env) {
  const argv = cstrings(args);
  const envv = cstrings(Object.entries(env).map(([k, v]) => `${k}=${v}`));
  const putStrings = (list, ptrs, buf) => {
    const d = dv();
    let at = buf;
    list.enc.forEach((b, i) => {
      d.setUint32(ptrs + 4 * i, at, true);
      bytes().set(b, at);
      at += b.length;
    });
    return E.SUCCESS;
  };
  // the monotonic clock is the page's performance.now(), as for the
  // prebuilt examples (the page stamps real-clock lines with it)
  const clockNs = (id) => (id === 0 ? BigInt(Date.now()) * 1000000n : BigInt(Math.round((performance.now() + clockOffset) * 1e6)));
  const calls = {
    args_sizes_get(argc, size) {
      dv().setUint32(argc, argv.enc.length, true);
      dv().setUint32(size, argv.size, true);
      return E.SUCCESS;
    },
    args_get: (ptrs, buf) => putStrings(argv, ptrs, buf),
    environ_sizes_get(count, size) {
      dv().setUint32(count, envv.enc.length, true);
      dv().setUint32(size, envv.size, true);
      return E.SUCCESS;
    },
    environ_get: (ptrs, buf) => putStrings(envv, ptrs, buf),
    clock_res_get(id, out) {
      dv().setBigUint64(out, 1000n, true);
      return E.SUCCESS;
    },
    clock_time_get(id, precision, out) {
      if (id > 3) return E.INVAL;
      dv().setBigUint64(out, clockNs(id), true);
      return E.SUCCESS;
    },
    fd_write(fd, iovs, count, written) {
      const sink = sinks[fd];
      if (!sink) return E.BADF;
      const d = dv();
      let n = 0;
      for (let i = 0; i < count; i++) {
        const ptr = d.getUint32(iovs + 8 * i, true);
        const len = d.getUint32(iovs + 8 * i + 4, true);
        sink.write(bytes().slice(ptr, ptr + len));
        n += len;
      }
      dv().setUint32(written, n, true);
      if (fd === 1 && cancelPending) cancelNow();
      post();
      return maybeYield(E.SUCCESS);
    },
    fd_read(fd, iovs, count, read) {
      if (fd !== 0) return E.BADF;
      dv().setUint32(read, 0, true); // stdin is empty
      return E.SUCCESS;
    },
    fd_fdstat_get(fd, out) {
      if (!(fd in sinks) && fd !== 0) return E.BADF;
      const d = dv();
      // a character device that cannot seek: a terminal to wasi-libc, so
      // stdout is line-buffered and lines come out in order with the trace
      d.setUint8(out, 2);
      d.setUint16(out + 2, 0, true);
      d.setBigUint64(out + 8, 2n | 64n, true); // fd_read | fd_write
      d.setBigUint64(out + 16, 0n, true);
      return E.SUCCESS;
    },
    fd_fdstat_set_flags: () => E.SUCCESS,
    fd_prestat_get: () => E.BADF, // no folders
    fd_prestat_dir_name: () => E.BADF,
    fd_close: (fd) => (fd in sinks || fd === 0 ? E.SUCCESS : E.BADF),
    fd_seek: (fd) => (fd in sinks || fd === 0 ? E.SPIPE : E.BADF),
    random_get(buf, len) {
      for (let at = 0; at < len; at += 65536) crypto.getRandomValues(bytes().subarray(buf + at, buf + Math.min(len, at + 65536)));
      return E.SUCCESS;
    },
    sched_yield: () => maybeYield(E.SUCCESS),
    proc_exit(code) {
      throw new ProcExit(code);
    },
    poll_oneoff(subs, events, count, nevents) {
      // clock subscriptions (what Tide asks for) wait; others are ready at once
      const d = dv();
      let wait = Infinity;
      const ready = [];
      for (let i = 0; i < count; i++) {
        const s = subs + 48 * i;
        const tag = d.getUint8(s + 8);
        if (tag === 0) {
          const timeout = d.getBigUint64(s + 24, true);
          const absolute = d.getUint16(s + 40, true) & 1;
          const id = d.getUint32(s + 16, true);
          const ns = absolute ? timeout - clockNs(id) : timeout;
          wait = Math.min(wait, Math.max(0, Number(ns) / 1e6));
        }
        ready.push({ userdata: d.getBigUint64(s, true), tag });
      }
      const answer = (onlyClocks) => {
        const d2 = dv();
        let n = 0;
        for (const r of ready) {
          if (onlyClocks !== (r.tag === 0)) continue;
          const e = events + 32 * n++;
          d2.setBigUint64(e, r.userdata, true);
          d2.setUint16(e + 8, 0, true);
          d2.setUint8(e + 10, r.tag);
          d2.setBigUint64(e + 16, 0n, true);
          d2.setUint16(e + 24, 0, true);
        }
        d2.setUint32(nevents, n, true);
        return E.SUCCESS;
      };
      if (ready.some((r) => r.tag !== 0)) return answer(false);
      post(true);
      if (cancelPending) {
        cancelNow();
        return answer(true);
      }
      lastYield = performance.now();
      return new Promise((resolve) => {
        const done = () => {
          waiting = null;
          resolve(answer(true));
        };
        waiting = { done, timer: setTimeout(done, Math.min(wait, 2 ** 31 - 1)) };
      });
    },
  };
  return calls;
}

async function run({ module, args, env, timeOrigin }) {
  clockOffset = performance.timeOrigin - (timeOrigin ?? performance.timeOrigin);
  const calls = preview1(args, env);
  const imports = { wasi_snapshot_preview1: {} };
  const problems = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function') {
      problems.push(`${imp.module}.${imp.name}`);
      continue;
    }
    const fn = calls[imp.name];
    // (a call Tide's programs do not make: "not supported", as WASI says it)
    imports.wasi_snapshot_preview1[imp.name] = fn ? new WebAssembly.Suspending(fn) : () => E.NOSYS;
  }
  if (problems.length) throw new Error(`the program imports what a WASI command may not: ${problems.join(', ')}`);
  const instance = await WebAssembly.instantiate(module, imports);
  exports = instance.exports;
  memory = exports.memory;
  if (typeof exports._start !== 'function') throw new Error('the program is not a WASI command: it exports no _start');
  const start = WebAssembly.promising(exports._start);
  if (typeof exports.tide_wasi_cancel_main === 'function') cancelMain = WebAssembly.promising(exports.tide_wasi_cancel_main);
  lastYield = performance.now();
  try {
    await start();
    return { status: 0 };
  } catch (e) {
    if (e instanceof ProcExit) return { status: e.code };
    if (e instanceof WebAssembly.RuntimeError) return { status: 134, trap: e.message, frames: frames(e) };
    throw e;
  } finally {
    for (const s of Object.values(sinks)) s.end();
  }
}

// A trap's wasm frames, innermost first, by function name.
function frames(error) {
  const out = [];
  for (const line of String(error.stack ?? '').split('\n')) {
    const m = /at (?:(.*) )?\(?wasm:\/\/wasm\//.exec(line);
    if (m) out.push((m[1] ?? '?').replace(/^.*\.wasm\./, '').replace(/^\$/, ''));
  }
  return out;
}

onmessage = async ({ data }) => {
  if (data?.kind === 'cancel') {
    cancelPending = true;
    if (waiting) {
      clearTimeout(waiting.timer);
      cancelNow();
      waiting.done();
    }
    return;
  }
  if (data?.kind !== 'run') {
    // A kind it does not know is a mistake of the page's: said, not dropped.
    postMessage({ kind: 'error', message: `wasi-worker: unknown message kind ${JSON.stringify(data?.kind)}: it takes 'run' and 'cancel'` });
    return;
  }
  // One program a worker: a second would share the first one's memory,
  // exports and output state.
  if (started) {
    postMessage({ kind: 'error', message: 'wasi-worker: runs one program, and has run one: start a worker per run' });
    return;
  }
  started = true;
  let end;
  try {
    end = await run(data);
  } catch (e) {
    end = { status: null, error: e.message };
  }
  post(true);
  postMessage({ kind: 'end', ...end });
};
