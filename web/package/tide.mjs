// tide.mjs - the JavaScript API of Tide (the npm package "tide-wasm").
//
// Loads a Tide program built with Emscripten (a bundled example, or your own
// built with tide-emcc) and runs its main() in a fresh WebAssembly instance:
//
//   import { load, loadExample } from 'tide-wasm';
//   const program = await loadExample('tasks');          // or load(url)
//   const run = program.start({ clock: 'virtual', onStdout: (l) => console.log(l) });
//   await run.result;                                    // or run.cancel('stop')
//
// Works in Node.js (>= 20), browsers and bundlers. Nothing here is specific
// to one program: the C side of the contract is src/host/emscripten.{c,js}.
// A program may come in two builds: in a cross-origin isolated page load()
// takes its pthreads build (to_thread on Web Workers), elsewhere the
// single-thread one (to_thread inline, and the run says so).

export const version = '0.1.0';
// The protocol between this file and the JS host linked into programs
// (src/host/emscripten.js, TideHost.protocol): they must be equal.
const HOST_PROTOCOL = 2;

const IS_NODE =
  typeof process === 'object' && process !== null && typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';

// ---- errors -----------------------------------------------------------------

/**
 * Every failure is a TideError, shaped as Node's own errors are: `name` is
 * 'TideError', `code` says which failure it is: Tide's error name for errors
 * of the C program ('TIDE_ECANCELLED', 'TIDE_ETIMEDOUT', ..., 'TIDE_EUSER'
 * for a program's own codes), or one of the JS side's: TIDE_LOAD_FAILED,
 * TIDE_EXIT, TIDE_CRASHED, TIDE_TERMINATED, TIDE_TORN_DOWN. `errno` is the
 * C error's (negative) number. A TIDE_EGROUP (a task group's children
 * failed) has `errors`, as an AggregateError does: a TideError for each
 * child's error, with `task` naming the child (nested groups nest).
 */
export class TideError extends Error {
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (typeof code !== 'string') throw new TypeError(`a TideError's code is a string such as 'TIDE_ECANCELLED', not ${String(code)}`);
    this.code = code;
    /** Tide's (negative) error number, or null for errors of the JS side. */
    this.errno = details.errno ?? null;
    /** The message the C side attached to the error (a cancel message...). */
    this.tideMessage = details.tideMessage ?? null;
    /** The program's exit status, when it got that far. */
    this.exitCode = details.exitCode ?? null;
    /** The URL that could not be loaded (TIDE_LOAD_FAILED). */
    this.url = details.url ?? null;
    /** The name of the C task that failed, for the errors of a TIDE_EGROUP. */
    this.task = details.task ?? null;
    /** TIDE_EGROUP: the children's errors (TideErrors); else null. */
    this.errors = details.errors ?? null;
  }
}
// On the prototype, as built-in errors have it: the stack then starts
// "TideError: ...".
Object.defineProperty(TideError.prototype, 'name', { value: 'TideError', writable: true, configurable: true });

const loadError = (message, url, cause) =>
  new TideError('TIDE_LOAD_FAILED', message, { url: url ?? null, cause });

// Errors thrown by the embedder's callbacks must not unwind through C code:
// report them the way an event listener's error is reported.
function reportLater(e) {
  queueMicrotask(() => {
    throw e;
  });
}

// ---- locating and compiling programs ------------------------------------------

function baseURL() {
  if (IS_NODE) {
    const u = new URL('file:///');
    u.pathname = process.cwd().replace(/\\/g, '/').replace(/\/?$/, '/');
    return u;
  }
  if (typeof document === 'object' && document?.baseURI) return document.baseURI;
  if (typeof location === 'object' && location?.href) return location.href;
  return import.meta.url;
}

function toURL(x) {
  if (x instanceof URL) return x;
  try {
    return new URL(String(x), baseURL());
  } catch (e) {
    throw loadError(`not a URL or path: ${String(x)}`, null, e);
  }
}

const isBytes = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x);

// The bundled examples live in ./examples.mjs (generated in the package,
// with one literal new URL('./examples/x.wasm', import.meta.url) each, so
// bundlers see every file).
async function bundledExamples() {
  try {
    return (await import('./examples.mjs')).examples;
  } catch (e) {
    throw loadError(
      `the bundled examples are not available next to ${import.meta.url} ` +
        '(use the npm package, or load a program by URL)',
      null,
      e
    );
  }
}

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** Names of the example programs bundled with the package, sorted. */
export async function exampleNames() {
  return Object.keys(await bundledExamples()).sort();
}

async function exampleSpec(name) {
  if (typeof name !== 'string')
    throw new TypeError(`loadExample() takes the name of a bundled example, not ${String(name)}`);
  const all = await bundledExamples();
  if (!hasOwn(all, name))
    throw loadError(`no bundled example named "${name}" (there are: ${Object.keys(all).sort().join(', ')})`);
  const entry = all[name];
  return {
    name,
    importGlue: entry.glue,
    glueLabel: `example "${name}"`,
    wasm: entry.wasm(),
    threads: entry.threads ? () => variantSpec(entry.threads, name) : null,
  };
}

function programSpec(source) {
  if (typeof source === 'string' || source instanceof URL) {
    const url = toURL(source);
    const glue = /\.wasm$/.test(url.pathname) ? withExt(url, '.mjs') : url;
    return { name: programName(glue), glue, wasm: withExt(glue, '.wasm') };
  }
  if (source && typeof source === 'object') {
    const { glue, factory, wasm } = source;
    if (typeof factory !== 'function' && glue == null)
      throw loadError('a program source needs `glue` (the .mjs URL) or `factory` (its default export)');
    const glueURL = glue == null ? null : toURL(glue);
    let w = wasm;
    if (w == null) {
      if (!glueURL) throw loadError('with `factory`, give `wasm` too (a URL, bytes or a WebAssembly.Module)');
      w = withExt(glueURL, '.wasm');
    }
    const name = source.name ?? (glueURL ? programName(glueURL) : 'program');
    return {
      name,
      factory: typeof factory === 'function' ? factory : null,
      glue: glueURL,
      wasm: w,
      threads: source.threads == null ? undefined : variantSpec(source.threads, name),
    };
  }
  throw loadError(`cannot load a program from ${String(source)} (give a URL, a path, or { glue | factory, wasm })`);
}

// load('tasks') reads ./tasks relative to the page or the working
// directory; when that fails and a bundled example has that name, say how
// to load the example instead.
async function withExampleHint(e, source) {
  if (!(e instanceof TideError) || typeof source !== 'string' || !/^[A-Za-z0-9_-]+$/.test(source)) return e;
  let all;
  try {
    all = await bundledExamples();
  } catch {
    return e;
  }
  if (hasOwn(all, source)) e.message += ` (to run the bundled example "${source}", use loadExample('${source}'))`;
  return e;
}

// The pthreads build of a program: { glue, factory?, wasm } where glue is
// a URL or a function importing it (what examples.mjs and the glue that
// `tide-emcc --threads` writes give: literal import() and new URL(), for
// bundlers).
function variantSpec(v, name) {
  if (!v || typeof v !== 'object' || (v.glue == null && typeof v.factory !== 'function') || v.wasm == null)
    throw loadError(`the pthreads build of ${name} needs \`glue\` or \`factory\`, and \`wasm\``);
  const lazy = typeof v.glue === 'function';
  return {
    name,
    factory: typeof v.factory === 'function' ? v.factory : null,
    importGlue: lazy ? v.glue : null,
    glue: lazy || v.glue == null ? null : toURL(v.glue),
    glueLabel: `the pthreads build of ${name}`,
    wasm: typeof v.wasm === 'function' ? v.wasm() : v.wasm,
  };
}

function withExt(url, ext) {
  const u = new URL(url.href);
  u.pathname = u.pathname.replace(/(\.[A-Za-z0-9]+)?$/, ext);
  u.search = '';
  u.hash = '';
  return u;
}

function programName(url) {
  const last = url.pathname.split('/').pop() || 'program';
  return decodeURIComponent(last.replace(/\.[A-Za-z0-9]+$/, ''));
}

// The glue's factory, and the pthreads build it names (tide-emcc --threads
// adds `export const tideThreads` to the single-thread glue).
async function loadGlue(spec) {
  if (spec.factory) return { factory: spec.factory, threads: null };
  let mod;
  const label = spec.glue ? spec.glue.href : spec.glueLabel;
  try {
    mod = spec.importGlue
      ? await spec.importGlue()
      : await import(/* webpackIgnore: true */ /* @vite-ignore */ spec.glue.href);
  } catch (e) {
    throw loadError(`cannot load the JS glue of ${label}: ${e?.message ?? e}`, spec.glue?.href, e);
  }
  if (typeof mod?.default !== 'function')
    throw loadError(
      `${label} does not export an Emscripten module factory (was it built with tide-emcc?)`,
      spec.glue?.href
    );
  return { factory: mod.default, threads: mod.tideThreads ?? null };
}

async function readURL(url) {
  if (url.protocol === 'file:' && IS_NODE) {
    // Emscripten 3.1.6's glue would fetch() the path, which Node cannot do.
    const fsName = 'node:fs/promises';
    const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName);
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (e) {
      const why = e?.code === 'ENOENT' ? 'no such file' : (e?.message ?? String(e));
      throw loadError(`cannot load ${url.href}: ${why}`, url.href, e);
    }
  }
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw loadError(`cannot load ${url.href}: ${e?.message ?? e}`, url.href, e);
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw loadError(`cannot load ${url.href}: HTTP ${res.status} ${res.statusText}`.trim(), url.href);
  }
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw loadError(`cannot load ${url.href}: reading the body failed: ${e?.message ?? e}`, url.href, e);
  }
}

// What the first bytes of a file that is not wasm look like, for the message.
function describeStart(bytes) {
  if (bytes.length === 0) return 'it is empty';
  const head = bytes.subarray(0, 24);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable) {
    const text = new TextDecoder().decode(head).replace(/\s+/g, ' ').trim();
    return `it starts with the text "${text}${bytes.length > head.length ? '…' : ''}"`;
  }
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with the bytes ${hex}`;
}

async function compileWasm(wasm) {
  if (typeof WebAssembly === 'object' && wasm instanceof WebAssembly.Module) return wasm;
  let bytes, label, url = null;
  if (isBytes(wasm)) {
    bytes = wasm instanceof ArrayBuffer ? new Uint8Array(wasm)
      : new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength);
    label = 'the bytes given';
  } else {
    url = toURL(wasm);
    label = url.href;
    bytes = await readURL(url);
  }
  const magic = bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw loadError(`${label} is not a WebAssembly module: ${describeStart(bytes)}`, url?.href);
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw loadError(`${label} is not a valid WebAssembly module: ${e?.message ?? e}`, url?.href, e);
  }
}

// Glue and wasm of one build, both at once; but a missing glue is the
// error to report, whichever of the two failed first.
async function loadBuild(spec) {
  const [glue, wasm] = await Promise.allSettled([loadGlue(spec), compileWasm(spec.wasm)]);
  if (glue.status === 'rejected') throw glue.reason;
  if (wasm.status === 'rejected') throw wasm.reason;
  return { ...glue.value, module: wasm.value };
}

// A pthreads build imports its memory (shared, made by the glue); a
// single-thread build defines its own.
const isPthreadsBuild = (module) => WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');

const ISOLATION_HINT =
  'serve the page with the headers Cross-Origin-Opener-Policy: same-origin and ' +
  'Cross-Origin-Embedder-Policy: require-corp';

// Why this host cannot run a pthreads build, or null if it can.
function noThreadsHere() {
  if (IS_NODE) return 'Tide\'s pthreads builds run in cross-origin isolated browser pages, not in Node.js';
  if (globalThis.crossOriginIsolated !== true) return `this page is not cross-origin isolated (${ISOLATION_HINT})`;
  return null;
}

// The `threads` option of load() and loadExample().
function threadsMode(options) {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TypeError('load() options must be an object, such as { threads: \'off\' }');
  const mode = options?.threads ?? 'auto';
  if (mode !== 'auto' && mode !== 'on' && mode !== 'off')
    throw new TypeError(`threads must be 'auto', 'on' or 'off', not ${String(mode)}`);
  return mode;
}

/**
 * Loads a Tide program of your own: fetches (or reads) and compiles its
 * .wasm, imports its JS glue. `source` is the URL or path (Node: relative
 * to the working directory) of a program's .mjs, its .wasm beside it, or
 * { glue?, factory?, wasm?, name?, threads? } where wasm is a URL, bytes or
 * a WebAssembly.Module and threads the same for its pthreads build.
 * `options.threads`: 'auto' (default) takes the program's pthreads build
 * (to_thread on Web Workers) when the page is cross-origin isolated and
 * the program has one, else its single-thread build (to_thread inline);
 * 'off' always the latter; 'on' the former or TIDE_LOAD_FAILED.
 * Rejects with TIDE_LOAD_FAILED, naming what failed. The bundled examples
 * load with loadExample().
 */
export async function load(source, options) {
  const mode = threadsMode(options);
  try {
    return await loadSpec(programSpec(source), mode);
  } catch (e) {
    throw await withExampleHint(e, source);
  }
}

/**
 * Loads the example program `name` bundled with the package (exampleNames()
 * lists them), as load() does. An unknown name rejects with
 * TIDE_LOAD_FAILED, listing the names there are.
 */
export async function loadExample(name, options) {
  const mode = threadsMode(options);
  return loadSpec(await exampleSpec(name), mode);
}

async function loadSpec(spec, mode) {
  const blocked = noThreadsHere();
  if (mode === 'on' && blocked) throw loadError(`threads: 'on' cannot be: ${blocked}`);
  const want = mode !== 'off' && !blocked;
  let build, variant = spec.threads;
  if (typeof variant === 'function') {
    // A bundled example's pthreads build: its new URL() runs only when it
    // is taken. Under webpack 5 it is missing (README, "JavaScript").
    try {
      variant = want ? variant() : null;
    } catch (e) {
      throw loadError(
        `cannot locate the pthreads build of ${spec.name} (from a bundle? load it with threads: 'off'): ${e?.message ?? e}`,
        null,
        e
      );
    }
  }
  if (want && variant === undefined) {
    // Only the glue knows whether a pthreads build sits beside it.
    const glue = await loadGlue(spec);
    variant = glue.threads ? variantSpec(glue.threads, spec.name) : null;
    if (!variant) build = { ...glue, module: await compileWasm(spec.wasm) };
  }
  if (want && variant) build = await loadBuild(variant);
  build ??= await loadBuild(spec);
  const threads = isPthreadsBuild(build.module);
  let note;
  if (threads) {
    if (blocked) throw loadError(`${spec.name} is a pthreads build and cannot run here: ${blocked}`);
    note = 'to_thread runs on Web Workers (the pthreads build; the page is cross-origin isolated)';
  } else {
    if (mode === 'on')
      throw loadError(`threads: 'on', but ${spec.name} has no pthreads build (tide-emcc --threads makes one)`);
    const why = mode === 'off' ? "loaded with threads: 'off'"
      : blocked ?? `${spec.name} has no pthreads build (tide-emcc --threads makes one)`;
    note = `to_thread runs inline, on the loop's thread: ${why}`;
  }
  return new TideProgram(spec.name, build.factory, build.module, { threads, note });
}

/** load(source, { threads }), start it with `options`, and wait for its result. */
export async function run(source, options) {
  return (await load(source, { threads: options?.threads })).start(options).result;
}

// ---- the trace ------------------------------------------------------------------

const TRACE_TYPES = Object.freeze(['unknown', 'spawn', 'run', 'suspend', 'wake', 'finish']);
const TRACE_COLUMNS = ['type', 'time', 'run', 'task', 'status', 'whatId'];
const makingBatch = Symbol('TraceBatch');
const closeBatch = Symbol('close');

/**
 * A batch of trace events (the onTraceBatch option), in columns: typed
 * arrays of `length` entries each, event i at index i. Nothing is made per
 * event, so a program that makes millions of events leaves the garbage
 * collector nothing to do; onTrace's TraceEvent objects are made from it.
 * A batch is valid during the onTraceBatch call only: its columns are
 * reused for the next batch, and once the call returns reading the batch
 * throws (copy what you keep: batch.time.slice(), or batch.event(i)).
 */
export class TraceBatch {
  /** TraceBatch.TYPES[type[i]] is the event's type, as TraceEvent's. */
  static TYPES = TRACE_TYPES;
  /** The numbers in the type column. */
  static SPAWN = 1;
  static RUN = 2;
  static SUSPEND = 3;
  static WAKE = 4;
  static FINISH = 5;

  #src; // the host's columns and tables (src/host/emscripten.js), while valid
  #length;
  #views = null;

  constructor(token, src) {
    if (token !== makingBatch) throw new TypeError('TraceBatch objects are made by Tide (the onTraceBatch option)');
    this.#src = src;
    this.#length = src.length;
  }

  // The host's columns, or an error once the delivering call returned.
  #open() {
    if (!this.#src)
      throw new TypeError('this TraceBatch is no longer valid: a batch can be read only during its onTraceBatch call (copy what you keep)');
    return this.#src;
  }

  #column(k) {
    const src = this.#open();
    if (!this.#views) {
      const n = this.#length;
      this.#views = {};
      for (const c of TRACE_COLUMNS) this.#views[c] = src[c === 'whatId' ? 'what' : c].subarray(0, n);
    }
    return this.#views[k];
  }

  /** How many events. */
  get length() {
    this.#open();
    return this.#length;
  }
  /** Each event's type: TraceBatch.SPAWN ... FINISH (0 for one this API does not know). */
  get type() {
    return this.#column('type');
  }
  /** Loop time in seconds (virtual or real clock). */
  get time() {
    return this.#column('time');
  }
  /** Which loop run (1, 2, ... in the order runs started in the instance). */
  get run() {
    return this.#column('run');
  }
  /** The task's number in its loop (the main task is 1). */
  get task() {
    return this.#column('task');
  }
  /** wake/finish: the outcome (0, or a negative Tide error number). */
  get status() {
    return this.#column('status');
  }
  /** What a suspend/wake waits on, as a number (0: nothing): equal numbers, equal strings; whatName() gives the string. */
  get whatId() {
    return this.#column('whatId');
  }

  #index(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.#length)
      throw new RangeError(`no event ${String(i)} in a batch of ${this.#length}`);
    return i;
  }

  /** Event i's type as a string ('spawn', ..., 'unknown'). */
  typeName(i) {
    return TRACE_TYPES[this.#open().type[this.#index(i)]] ?? 'unknown';
  }
  /** The string of a whatId ("sleep", "lock", "queue get", ...), null for 0. */
  whatName(id) {
    const w = this.#open().whats[id];
    if (w === undefined) throw new RangeError(`no what-string numbered ${String(id)}`);
    return w;
  }
  /** What event i waits on (suspend/wake), else null. */
  what(i) {
    const src = this.#open();
    return src.whats[src.what[this.#index(i)]];
  }
  /** The name of event i's task ("worker-A", or "Task-3"). */
  name(i) {
    const src = this.#open();
    i = this.#index(i);
    return src.name(src.run[i], src.task[i]);
  }
  /** The error code of event i's negative status ('TIDE_ECANCELLED'), else null. */
  error(i) {
    const src = this.#open();
    return src.errname(src.status[this.#index(i)]);
  }
  /** Event i as a TraceEvent object (made anew: keep it as long as you like). */
  event(i) {
    const src = this.#open();
    i = this.#index(i);
    return {
      type: TRACE_TYPES[src.type[i]] ?? 'unknown',
      time: src.time[i],
      run: src.run[i],
      task: src.task[i],
      name: src.name(src.run[i], src.task[i]),
      what: src.whats[src.what[i]],
      status: src.status[i],
      error: src.errname(src.status[i]),
    };
  }
  /** The events as TraceEvent objects, in order (one object each). */
  *[Symbol.iterator]() {
    for (let i = 0; i < this.#length; i++) yield this.event(i);
  }
  /** All the events as TraceEvent objects (what onTrace receives). */
  toArray() {
    const out = new Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.event(i);
    return out;
  }

  // The delivering call returned: the columns go on to the next batch.
  [closeBatch]() {
    this.#src = null;
    this.#views = null;
  }
}

// ---- programs and runs --------------------------------------------------------

export class TideProgram {
  #factory;
  #module;

  constructor(name, factory, module, { threads = false, note = '' } = {}) {
    this.name = name;
    this.#factory = factory;
    this.#module = module;
    /** true: the pthreads build, to_thread on Web Workers; false: inline. */
    this.threads = threads;
    /** Which of the two, and why, in a sentence. */
    this.threadsNote = note;
  }

  /** The compiled module (each start() instantiates it afresh). */
  get module() {
    return this.#module;
  }

  /** Runs main() in a new instance. See TideRun. */
  start(options = {}) {
    return new TideRun(this, this.#factory, this.#module, options);
  }

  /** start(options).result; bad options reject (as the module's run()
   * does) rather than throw, as a function that returns a promise should. */
  run(options) {
    try {
      return this.start(options).result;
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

function reasonText(reason) {
  if (reason === undefined || reason === null) return null;
  if (typeof reason === 'string') return reason;
  if (typeof reason === 'object' && typeof reason.message === 'string') return reason.message;
  return String(reason);
}

// What a value is, for a message: "null", "a number", "an object".
const aType = (v) => (v == null ? String(v) : `${/^[aeiou]/.test(typeof v) ? 'an' : 'a'} ${typeof v}`);

function checkOptions(o) {
  if (o === null || typeof o !== 'object') throw new TypeError('start() options must be an object');
  const fail = (what) => {
    throw new TypeError(what);
  };
  if (o.clock !== undefined && o.clock !== 'virtual' && o.clock !== 'real')
    fail(`clock must be 'virtual' or 'real', not ${String(o.clock)}`);
  if (o.valueType !== undefined && o.valueType !== 'number' && o.valueType !== 'string')
    fail(`valueType must be 'number' or 'string', not ${String(o.valueType)}`);
  if (o.args !== undefined && !Array.isArray(o.args)) fail('args must be an array of strings');
  (o.args ?? []).forEach((a, i) => {
    // (numbers pass, as text; undefined or null would reach main() as "undefined", "null")
    if (typeof a !== 'string' && typeof a !== 'number') fail(`args[${i}] must be a string, not ${aType(a)}`);
  });
  if (o.env !== undefined && (o.env === null || typeof o.env !== 'object')) fail('env must be an object');
  // (a value undefined is left out, as child_process leaves it out: an
  // unset process.env.X passed on stays unset, not the text "undefined")
  for (const [k, v] of Object.entries(o.env ?? {}))
    if (v !== undefined && !['string', 'number', 'boolean'].includes(typeof v))
      fail(`env.${k} must be a string, a number or a boolean, not ${aType(v)}`);
  for (const k of ['onStdout', 'onStderr', 'onTrace', 'onTraceBatch', 'onReport'])
    if (o[k] !== undefined && typeof o[k] !== 'function') fail(`${k} must be a function`);
  if (o.maxLineBytes !== undefined && !(Number.isSafeInteger(o.maxLineBytes) && o.maxLineBytes > 0))
    fail(`maxLineBytes must be a positive integer, not ${String(o.maxLineBytes)}`);
  if (o.functions !== undefined && (o.functions === null || typeof o.functions !== 'object'))
    fail('functions must be an object of async functions');
  for (const [name, f] of Object.entries(o.functions ?? {}))
    if (typeof f !== 'function') fail(`functions.${name} must be a function, not ${aType(f)}`);
  if (o.signal !== undefined && o.signal !== null && typeof o.signal.addEventListener !== 'function')
    fail('signal must be an AbortSignal');
}

// The TideError of a C error: a run's outcome, or one error of a
// TIDE_EGROUP's list (both come shaped alike from emscripten.js, with the
// children's errors in `errors`), or a cancel before main() ran. The one
// place that makes them; the JS side's own errors (TIDE_LOAD_FAILED ...)
// are made with the constructor.
function tideErrorOf(report, exitCode) {
  const code = report.name ?? (report.error <= -1000 ? 'TIDE_EUSER' : `TIDE_E${-report.error}`);
  const message = report.message ? `${report.text}: ${report.message}` : report.text;
  return new TideError(code, message, {
    errno: report.error,
    tideMessage: report.message,
    exitCode,
    task: report.task,
    // a TIDE_EGROUP whose list could not be allocated has none to give
    errors: (report.errors || code === 'TIDE_EGROUP') ? [] : null,
  });
}

// Nested groups, however deep: a stack of their own, not recursion.
function tideErrorFrom(report, exitCode) {
  const top = tideErrorOf(report, exitCode);
  const stack = [[report, top]];
  while (stack.length) {
    const [r, e] = stack.pop();
    for (const child of r.errors ?? []) {
      const c = tideErrorOf(child, null);
      e.errors.push(c);
      stack.push([child, c]);
    }
  }
  return top;
}

/**
 * One run of a program's main() in its own WebAssembly instance.
 *   result     Promise: main task's value, or a TideError
 *   state      'starting' | 'running' | 'done'
 *   exitCode   the exit status once done (else null)
 *   cancel(msg), terminate(reason), dump()
 */
export class TideRun {
  #host = null; // the instance's calls (emscripten.js, TideHost) until torn down
  #live = false; // the instance is up and not torn down
  #booting = false; // the glue's factory is running
  #options;
  #resolve;
  #reject;
  #settled = false;
  #inMain = false;
  #exitStatus = null;
  #last = null; // the outcome of the run that ended last
  #earlyCancel; // cancel() before main() started: its message
  #signal = null;
  #onAbort = null;
  #stdout;
  #stderr;
  #trace; // onTrace
  #traceBatch; // onTraceBatch
  #report;
  #saidInline = false;

  constructor(program, factory, module, options) {
    checkOptions(options);
    this.program = program;
    /** Whether to_thread runs on Web Workers in this run (else inline). */
    this.threads = program.threads;
    this.state = 'starting';
    this.exitCode = null;
    this.#options = options;
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#stdout = options.onStdout ?? ((line) => console.log(line));
    this.#stderr = options.onStderr ?? ((line) => console.error(line));
    this.#trace = typeof options.onTrace === 'function' ? options.onTrace : null;
    this.#traceBatch = typeof options.onTraceBatch === 'function' ? options.onTraceBatch : null;
    this.#report = typeof options.onReport === 'function' ? options.onReport : null;
    const signal = options.signal;
    if (signal) {
      this.#signal = signal;
      if (signal.aborted) this.cancel(reasonText(signal.reason));
      else {
        this.#onAbort = () => this.cancel(reasonText(signal.reason));
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
    }
    this.#boot(factory, module).catch((e) => this.#fail(e));
  }

  async #boot(factory, module) {
    const o = this.#options;
    const env = { ...(o.env ?? {}) };
    if (o.clock !== undefined) env.TIDE_CLOCK = o.clock;
    if (o.debug !== undefined) env.TIDE_DEBUG = o.debug ? '1' : '0';
    const args = (o.args ?? []).map(String);
    let instantiated;
    const failed = new Promise((_, reject) => {
      instantiated = reject;
    });
    // What the glue is given: settings and hooks its runtime reads from the
    // object (Emscripten's INCOMING_MODULE_JS_API lists them), and
    // Tide's own (onTide*, tide*: src/host/emscripten.js and calls.js).
    const Module = {
      noInitialRun: true,
      thisProgram: this.program.name,
      print: (line) => this.#line(this.#stdout, line),
      printErr: (line) => this.#line(this.#stderr, line),
      // longer lines are cut, with a notice (src/host/emscripten.js)
      tideMaxLineBytes: o.maxLineBytes,
      preRun: [
        (m) => {
          for (const [k, v] of Object.entries(env)) if (v !== undefined) m.ENV[k] = String(v);
        },
      ],
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(module, imports).then(
          (instance) => receive(instance, module),
          (e) => instantiated(loadError(`${this.program.name}: its .wasm does not fit its JS glue: ${e?.message ?? e}`, null, e))
        );
        return {};
      },
      onAbort: (what) => this.#crash(new Error(`abort(${what})`)),
      // The calls into the program, handed over while the glue sets up
      // (the object given to a factory is not the instance it makes).
      onTideHost: (host) => {
        this.#host = host;
      },
      onTideCrash: (e) => this.#crash(e),
      onTideExitCall: (status) => this.#exitCalled(status),
      onTideExit: (status) => {
        this.#exitStatus = status;
      },
      onTideRunEnd: (report) => this.#runEnd(report),
      onTideRunOver: (running) => {
        if (running === 0 && !this.#inMain) this.#finish();
      },
      onTideTraceBatch: this.#trace || this.#traceBatch ? (columns) => this.#traceTo(columns) : undefined,
      onTideReport: this.#report ? (report) => this.#emit(this.#report, report) : undefined,
      // A to_thread call ran inline (src/thread.c): say so, once a run,
      // debug mode or not, where debug reports would go.
      onTideInline: () => this.#ranInline(),
      // Host calls (src/host/calls.js): C tasks awaiting these functions.
      tideFunctions: o.functions ?? {},
    };
    this.#booting = true;
    const ready = factory(Module);
    // A pthreads build made its pool of workers just now. The glue waits
    // for each to load, and a thread that dies leaves its to_thread call
    // unfinished: either would leave `result` pending for good.
    const problem = this.#host?.threadsProblem();
    if (problem) instantiated(loadError(`${this.program.name} cannot run: ${problem}`));
    for (const worker of (problem ? null : this.#host?.workers()) ?? [])
      worker.addEventListener('error', (e) => {
        const what = `a Web Worker of ${this.program.name} failed: ${e?.message || 'it could not be loaded'}`;
        if (this.#booting) instantiated(loadError(what, null, e));
        else this.#crash(new Error(what));
      });
    await Promise.race([ready, failed]);
    this.#booting = false;
    if (this.#settled) return; // terminated, or crashed while starting
    const host = this.#host;
    if (!host)
      throw loadError(`${this.program.name} was not linked with Tide's JS host library (build it with tide-emcc)`);
    const protocol = host.protocol ?? 1;
    if (protocol !== HOST_PROTOCOL)
      throw loadError(`${this.program.name} was built with another version of Tide (its JS host speaks protocol ` +
        `${protocol}, this tide.mjs ${HOST_PROTOCOL}): rebuild it with this package's tide-emcc`);
    this.#live = true;
    if (this.#earlyCancel !== undefined) {
      // as the C side would report it (tide_strerror(TIDE_ECANCELLED))
      const message = this.#earlyCancel;
      this.#settleError(tideErrorOf({ error: -1, name: 'TIDE_ECANCELLED', text: 'cancelled', message, task: null }, null));
      return;
    }
    this.state = 'running';
    this.#inMain = true;
    let status;
    try {
      status = host.main(args);
    } finally {
      this.#inMain = false;
    }
    if (this.#settled) return;
    if (typeof status === 'number') this.#exitStatus = status;
    if (host.running() === 0) {
      host.flushOutput();
      this.#finish();
    }
  }

  // A line of output. With tracing on, the trace events the program made
  // before printing it are delivered first, so a listener can tell when
  // (in loop time) and in which task's step the line was printed.
  #line(fn, line) {
    if ((this.#trace || this.#traceBatch) && this.#live) {
      try {
        this.#host.traceFlush();
      } catch (e) {
        reportLater(e);
      }
    }
    this.#emit(fn, line);
  }

  // A batch of trace events from the host: to onTraceBatch as it is, to
  // onTrace as objects.
  #traceTo(columns) {
    if (this.#settled) return;
    const batch = new TraceBatch(makingBatch, columns);
    try {
      if (this.#traceBatch) this.#emit(this.#traceBatch, batch);
      if (this.#trace) this.#emit(this.#trace, batch.toArray());
    } finally {
      batch[closeBatch]();
    }
  }

  #ranInline() {
    if (this.#saidInline) return;
    this.#saidInline = true;
    const text = `${this.program.threadsNote.replace(/^to_thread runs/, 'to_thread ran')}; ` +
      'the loop waited while the function ran';
    if (this.#report) this.#emit(this.#report, { kind: 'inline', text });
    else this.#emit(this.#stderr, `tide: ${text}`);
  }

  #emit(fn, payload) {
    if (this.#settled) return;
    try {
      fn(payload);
    } catch (e) {
      reportLater(e);
    }
  }

  #runEnd(report) {
    let value;
    if (report.error === 0) {
      const p = report.value >>> 0;
      value = this.#options.valueType === 'string' ? this.#host.readString(p) : report.value | 0;
    }
    this.#last = { ...report, value };
  }

  // The program called exit() from a task (in main(), main's status says
  // it): it ends here.
  #exitCalled(status) {
    this.#exitStatus = status;
    if (this.#inMain) return;
    this.#host?.flushOutput();
    this.#finish();
  }

  #crash(e) {
    const what = e?.message ?? String(e);
    this.#settleError(
      new TideError('TIDE_CRASHED', `${this.program.name} crashed: ${what}`, { cause: e })
    );
  }

  #fail(e) {
    if (e instanceof TideError) this.#settleError(e);
    // Emscripten links a program without main() and leaves callMain out of
    // its glue, which then fails as it starts: "callMain is not defined"
    else if (e instanceof ReferenceError && /\bcallMain is not defined\b/.test(e.message))
      this.#settleError(loadError(`${this.program.name} has no main(): a Tide program needs one ` +
        '(int main(void) or int main(int argc, char **argv), which starts the loop with tide_main)', null, e));
    else this.#crash(e);
  }

  // The program is over: main() returned and no run is under way (or it
  // called exit()). A non-zero exit status fails the run, with the error
  // of the run that ended last when there is one.
  #finish() {
    if (this.#settled) return;
    const code = this.#exitStatus ?? 0;
    const last = this.#last;
    if (code !== 0) {
      this.#settleError(
        last && last.error < 0
          ? tideErrorFrom(last, code)
          : new TideError('TIDE_EXIT', `${this.program.name} exited with status ${code}`, { exitCode: code })
      );
    } else {
      this.#settle(null, last && last.error === 0 ? last.value : undefined, code);
    }
  }

  #settleError(error) {
    this.#settle(error, undefined, error.exitCode);
  }

  #settle(error, value, exitCode) {
    if (this.#settled) return;
    this.#settled = true;
    this.state = 'done';
    this.exitCode = exitCode ?? null;
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onAbort = this.#signal = null;
    // Tear the instance down: no turn, timer or host call runs in it again.
    const host = this.#host;
    this.#host = null;
    this.#live = this.#booting = false;
    try {
      host?.teardown();
    } catch {
      // a half-made instance: nothing to stop
    }
    try {
      // pthreads build: its Web Workers, a function still running included
      // (asyncio's to_thread cannot stop one either; ending the run can)
      host?.stopWorkers();
    } catch {
      // already gone
    }
    if (error) this.#reject(error);
    else this.#resolve(value);
  }

  /**
   * Cancels the main task (asyncio's task.cancel(msg)): its cancellation
   * runs through the program's FINALLY sections. Returns false once the run
   * is over (then it does nothing); cancelling twice is harmless.
   */
  cancel(message) {
    if (this.#settled) return false;
    const msg = message === undefined || message === null ? null : String(message);
    if (!this.#live || this.state === 'starting') {
      if (this.#earlyCancel === undefined) this.#earlyCancel = msg;
      return true;
    }
    if (this.#host.busy()) {
      // called from inside C code (an output or trace callback): wait
      queueMicrotask(() => this.cancel(message));
      return true;
    }
    this.#host.cancel(msg);
    return true;
  }

  /**
   * Stops the program at once, without running its cleanup (like killing a
   * process): result rejects with TIDE_TERMINATED. Returns false if the run
   * was already over.
   */
  terminate(reason) {
    if (this.#settled) return false;
    const why = reasonText(reason);
    this.#settleError(
      new TideError('TIDE_TERMINATED', `${this.program.name} was terminated${why ? `: ${why}` : ''}`)
    );
    return true;
  }

  /** What every pending task is doing, one line each (tide_loop_dump). */
  dump() {
    if (!this.#live)
      throw new TideError(
        'TIDE_TORN_DOWN',
        this.#settled
          ? `${this.program.name} has finished: its instance was torn down`
          : `${this.program.name} has not started yet`
      );
    return this.#host.dump();
  }
}
