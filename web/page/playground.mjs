// playground.mjs - what the page needs to compile an edited example and run
// it: the compiler (compile-worker.mjs, one Web Worker for the page, loaded
// on the first edit), a run of the compiled WASI program in a Worker of its
// own (wasi-worker.mjs) behind a handle shaped like the JS API's (result,
// exitCode, cancel, terminate), clang's diagnostics read for the editor,
// and the #code= form of a link.

// JSPI: the compiled program waits for its clock in poll_oneoff, which
// suspends it; without JSPI the page cannot run one (docs/design.md).
export const canRunEdited = typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function';
export const cannotRunWhy =
  'Running an edited program needs WebAssembly JSPI (WebAssembly.Suspending), which this browser lacks ' +
  '(Chromium 137 or later has it). The examples as written still run.';

// The compiler's goals (issue 14), checked by tests/browser/playground.test.mjs
// and reported by `make bench` (bench/page-compile.mjs): a recompile of an
// edited example under RECOMPILE_GOAL_MS, and no task on the page's main
// thread using more than LONG_TASK_GOAL_MS of CPU while compiling (CPU time,
// not wall time: tests/support/main-thread-cpu.mjs says why).
export const RECOMPILE_GOAL_MS = 1500;
export const LONG_TASK_GOAL_MS = 50;

// How long a program has to end after Stop before its worker is ended.
export const STOP_GRACE_MS = 3000;
// The cancel message of Stop, for the examples (the JS API's cancel) and
// for an edited program (src/host/wasi_stop.c says the same in C): one
// text wherever the page shows it.
export const STOP_MESSAGE = 'stopped from the page';

// Output lines a run keeps on the page (app.mjs): past it the earliest go,
// and a first line says how many. (Every line an <li>: 100,000 of them took
// the browser seconds of layout in one task, and two million never ended.)
export const OUTPUT_KEEP = 5000;

// ---- the compiler -------------------------------------------------------------

let worker = null;
let nextId = 1;
const pending = new Map(); // id -> { resolve }
const progressListeners = new Set();
let loadState = { state: 'idle' }; // idle | loading | ready | failed

function compilerWorker() {
  if (worker) return worker;
  worker = new Worker('/compile-worker.mjs', { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.kind === 'progress') setLoad({ state: 'loading', done: data.done, total: data.total });
    else if (data.kind === 'ready') setLoad({ state: 'ready', ms: data.ms });
    else if (data.kind === 'load-failed') setLoad({ state: 'failed', message: data.message });
    else if (data.kind === 'compiled') {
      const p = pending.get(data.id);
      pending.delete(data.id);
      p?.resolve(data);
    } else if (data.kind === 'error') console.error(data.message);
  };
  worker.onerror = (e) => {
    // the worker itself did not load (its module failed): every waiting
    // compile fails with that, and the next starts a new worker
    const message = e.message || 'the compiler worker failed to start';
    worker = null;
    setLoad({ state: 'failed', message });
    for (const p of pending.values()) p.resolve({ ok: false, loadFailed: true, diagnostics: message });
    pending.clear();
  };
  return worker;
}

function setLoad(s) {
  loadState = s;
  for (const fn of progressListeners) fn(s);
}

export const compiler = {
  get state() {
    return loadState;
  },
  /** fn(state) on every change of the download's state; returns an unsubscribe. */
  watch(fn) {
    progressListeners.add(fn);
    return () => progressListeners.delete(fn);
  },
  /** Starts the download and compilation of the compiler (once). */
  load() {
    if (loadState.state === 'idle' || loadState.state === 'failed') setLoad({ state: 'loading', done: 0, total: 0 });
    compilerWorker().postMessage({ kind: 'load' });
  },
  /** Compiles `source` as `file`; resolves with { ok, wasm, diagnostics, ms, loadFailed }. */
  compile(file, source, extra = {}) {
    this.load();
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, { resolve });
      compilerWorker().postMessage({ kind: 'compile', id, file, source, extra });
    });
  },
};

// ---- clang's messages -----------------------------------------------------------

/** The diagnostics about `file`: [{ line, col, severity, message }]. */
export function parseDiagnostics(text, file) {
  const out = [];
  const re = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/gm;
  for (const m of text.matchAll(re)) {
    if (m[1].replace(/^.*\//, '') !== file) continue;
    out.push({ line: Number(m[2]), col: Number(m[3]), severity: m[4] === 'fatal error' ? 'error' : m[4], message: m[5] });
  }
  return out;
}

/** The symbols a link could not find (wasm-ld's "undefined symbol: X"). */
export function undefinedSymbols(text) {
  return [...new Set([...text.matchAll(/undefined symbol: ([^\s]+)/g)].map((m) => m[1]))];
}

// ---- a run ----------------------------------------------------------------------

class RunFailure extends Error {
  constructor(code, message, exitCode = null) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * Runs a compiled WASI program (a WebAssembly.Module) in a Worker of its
 * own. Options as the JS API's start(): args, clock, debug, onStdout,
 * onStderr, onTrace. Returns { result, exitCode, threads, cancel(), terminate() }.
 */
export function startWasi(module, name, { args = [], clock = 'virtual', debug = false, onStdout, onStderr, onTrace } = {}) {
  const w = new Worker('/wasi-worker.mjs', { type: 'module' });
  let settle;
  const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
  let graceTimer = null;
  const handle = {
    result,
    exitCode: null,
    threads: false,
    done: false,
    cancel() {
      if (handle.done) return;
      stopped = true;
      w.postMessage({ kind: 'cancel' });
      graceTimer ??= setTimeout(() => handle.terminate(`${name} did not end within ${STOP_GRACE_MS / 1000} s of Stop: its worker was ended`), STOP_GRACE_MS);
    },
    terminate(why = 'terminated') {
      finish(null, new RunFailure('TIDE_TERMINATED', why));
    },
  };
  function finish(exitCode, error) {
    if (handle.done) return;
    handle.done = true;
    clearTimeout(graceTimer);
    w.terminate();
    handle.exitCode = exitCode;
    if (error) settle.reject(error);
    else settle.resolve(undefined);
  }
  let batch = [];
  let mainTask = null; // the first task spawned: tide_main's main
  let mainError = null; // its error, from its finish event
  let stopped = false;
  const flushTrace = () => {
    if (batch.length) onTrace?.(batch);
    batch = [];
  };
  w.onmessage = ({ data }) => {
    if (data.kind === 'items') {
      for (const it of data.items) {
        if (it.k === 'trace') {
          if (it.ev.type === 'spawn') mainTask ??= it.ev.task;
          else if (it.ev.type === 'finish' && it.ev.task === mainTask) mainError = it.ev.error;
          batch.push(it.ev);
          continue;
        }
        flushTrace(); // a line comes after the events before it
        (it.k === 'out' ? onStdout : onStderr)?.(it.text);
      }
      flushTrace();
    } else if (data.kind === 'end') {
      if (data.error) finish(null, new RunFailure('TIDE_LOAD_FAILED', `could not run ${name}: ${data.error}`));
      else if (data.trap)
        finish(data.status, new RunFailure('TRAP', `${name} trapped: ${data.trap}${data.frames?.length ? ` (in ${data.frames.slice(0, 4).join(' < ')})` : ''}`, data.status));
      else if (data.status !== 0 && mainError)
        finish(data.status, new RunFailure(mainError, `its main task ended with ${mainError}${mainError === 'TIDE_ECANCELLED' && stopped ? ` (cancelled: ${STOP_MESSAGE})` : ''}`, data.status));
      else if (data.status !== 0) finish(data.status, new RunFailure('TIDE_EXIT', `${name} exited with status ${data.status}`, data.status));
      else finish(0, null);
    } else if (data.kind === 'error') console.error(data.message);
  };
  w.onerror = (e) => finish(null, new RunFailure('TIDE_LOAD_FAILED', `the runner failed: ${e.message}`));
  const env = { TIDE_TRACE_FD: '3' };
  if (clock === 'virtual') env.TIDE_CLOCK = 'virtual';
  if (debug) env.TIDE_DEBUG = '1';
  w.postMessage({ kind: 'run', module, args: [name, ...args], env, timeOrigin: performance.timeOrigin });
  return handle;
}

// ---- links ------------------------------------------------------------------------

/** UTF-8 text as base64url (RFC 4648 section 5), no padding. */
export function toBase64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text of a base64url string (padding optional), or null if it is not one. */
export function fromBase64url(code) {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(code)) return null;
  try {
    const bin = atob(code.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
