// tide.d.ts - types of the JavaScript API of Tide (the npm package
// "tide-wasm"); the implementation is tide.mjs. The package is an ES
// module: from CommonJS, `await import('tide-wasm')` loads it on every
// Node, require() on Node 20.19 and 22.12 or later (README, "TypeScript").

// (examples.d.ts is generated beside this file in dist/ by web/package/make-dist.mjs)
import type { ExampleName } from './examples.js';
export type { ExampleName };

/** The package version. */
export declare const version: string;

/**
 * The codes of the errors the JS side raises:
 *  - TIDE_LOAD_FAILED: a .wasm or its glue could not be fetched, read,
 *    compiled or linked, or no bundled example has the name given, or
 *    (from start()) the program was built with another version of the
 *    package's tide-emcc;
 *  - TIDE_EXIT: the program exited with a non-zero status and no Tide error
 *    to report;
 *  - TIDE_CRASHED: a trap, abort() or an exception inside the instance;
 *  - TIDE_TERMINATED: TideRun.terminate() was called;
 *  - TIDE_TORN_DOWN: a call into an instance that has finished (or not
 *    started yet).
 */
export type TideJsErrorCode = 'TIDE_LOAD_FAILED' | 'TIDE_EXIT' | 'TIDE_CRASHED' | 'TIDE_TERMINATED' | 'TIDE_TORN_DOWN';

/**
 * The codes of Tide's C errors (include/tide.h, TIDE_ERRORS), and
 * TIDE_EUSER for a program's own codes (TIDE_EUSER, -1000, or below).
 */
export type TideCErrorCode =
  | 'TIDE_ECANCELLED'
  | 'TIDE_ETIMEDOUT'
  | 'TIDE_ENOMEM'
  | 'TIDE_EINVAL'
  | 'TIDE_ESTATE'
  | 'TIDE_ENOLOOP'
  | 'TIDE_ERUNNING'
  | 'TIDE_ESELF'
  | 'TIDE_EDEADLOCK'
  | 'TIDE_ESTOPPED'
  | 'TIDE_EBUSY'
  | 'TIDE_EINPROGRESS'
  | 'TIDE_ENOTSUP'
  | 'TIDE_EQUEUEFULL'
  | 'TIDE_EQUEUEEMPTY'
  | 'TIDE_ESHUTDOWN'
  | 'TIDE_EBROKEN'
  | 'TIDE_ENOTLOCKED'
  | 'TIDE_EOVERFLOW'
  | 'TIDE_EHOST'
  | 'TIDE_EGROUP'
  | 'TIDE_ETHREAD'
  | 'TIDE_EINCOMPLETE'
  | 'TIDE_ELIMIT'
  | 'TIDE_EPIPE'
  | 'TIDE_EIO'
  | 'TIDE_EUSER';

/**
 * What a TideError's `code` can be: one of the above, or, for a negative
 * number that is neither in the table nor a program's own, `TIDE_E<n>`
 * (`TIDE_E500` for -500).
 */
export type TideErrorCode = TideCErrorCode | TideJsErrorCode | `TIDE_E${number}`;

/**
 * Every failure of the API, shaped as Node's own errors are: `name` is the
 * class's, `code` says which failure it is, `errno` is the number.
 */
export declare class TideError extends Error {
  constructor(code: TideErrorCode, message: string, details?: TideErrorDetails);
  /** Always 'TideError' (from the prototype, as for built-in errors). */
  name: 'TideError';
  /** Which failure: a C error's name ('TIDE_ECANCELLED') or the JS side's. */
  code: TideErrorCode;
  /** Tide's negative error number (-1 for TIDE_ECANCELLED), or null for the JS side's errors. */
  errno: number | null;
  /** The message the C side attached (a cancel message, a TIDE_THROW_MSG text), or null. */
  tideMessage: string | null;
  /** The program's exit status, if it got that far, else null. */
  exitCode: number | null;
  /** The URL that could not be loaded (TIDE_LOAD_FAILED), else null. */
  url: string | null;
  /**
   * For an error in a TIDE_EGROUP's `errors`: the name of the C task that
   * failed (for the group's own body, the task that ran it); else null.
   */
  task: string | null;
  /**
   * TIDE_EGROUP (a task group's children failed): each child's error, in
   * the order they failed, then the group body's own (as AggregateError's
   * `errors`, or Python's ExceptionGroup.exceptions); a nested group's
   * TideError has its own. Empty if the program ran out of memory
   * recording them (the message still tells). null for other errors.
   */
  errors: TideError[] | null;
}

/** The optional fields of a TideError, as its constructor takes them. */
export interface TideErrorDetails {
  errno?: number | null;
  tideMessage?: string | null;
  exitCode?: number | null;
  url?: string | null;
  task?: string | null;
  errors?: TideError[] | null;
  /** The error that caused it (Error's `cause`). */
  cause?: unknown;
}

/** Bytes of a .wasm file. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** A .wasm: its URL (or path, in Node), its bytes, or the compiled module. */
export type WasmSource = string | URL | WasmBytes | WebAssembly.Module;

/** An Emscripten ES module factory (the default export of a program's .mjs). */
export type ModuleFactory = (module?: object) => Promise<object>;

/**
 * A program of your own (built with tide-emcc), for load():
 *  - the URL or path (Node: relative to the working directory) of its .mjs,
 *    with the .wasm beside it (a URL ending in .wasm works too); a string
 *    is always a URL or a path, never the name of a bundled example
 *    (loadExample takes those);
 *  - an object: `glue` (URL of the .mjs) or `factory` (its default export,
 *    imported by you, e.g. for a bundler), and `wasm` (default: the glue's
 *    URL with .wasm; needed with `factory` alone); `threads`, the same for
 *    its pthreads build; `name`, for messages (default: the file name).
 * A program built with `tide-emcc --threads` names its pthreads build in
 * its glue (the `tideThreads` export), so a URL is enough for both.
 */
export type ProgramSource =
  | string
  | URL
  | { glue: string | URL; factory?: ModuleFactory; wasm?: WasmSource; name?: string; threads?: ThreadsBuild }
  | { factory: ModuleFactory; wasm: WasmSource; name?: string; threads?: ThreadsBuild };

/**
 * A pthreads build (Emscripten -pthread: to_thread on Web Workers): its
 * glue (a URL, or a function importing it) or its factory, and its wasm (or
 * a function giving its URL). A worker file it may have (X.worker.js,
 * Emscripten before 3.1.58) stays beside its glue, which finds it by
 * itself.
 */
export type ThreadsBuild =
  | { glue: string | URL | (() => Promise<{ default: ModuleFactory }>); factory?: ModuleFactory; wasm: WasmSource | (() => URL) }
  | { factory: ModuleFactory; wasm: WasmSource | (() => URL) };

export interface LoadOptions {
  /**
   * Which build runs to_thread: 'auto' (the default) takes the program's
   * pthreads build, where to_thread runs on Web Workers, when the page is
   * cross-origin isolated (globalThis.crossOriginIsolated) and the program
   * has one, else its single-thread build, where to_thread runs inline and
   * says so (a report of kind 'inline', or a line on stderr); 'off' always
   * the single-thread build; 'on' the pthreads build, or TIDE_LOAD_FAILED
   * (not isolated, Node.js, or no pthreads build).
   */
  threads?: 'auto' | 'on' | 'off';
}

/**
 * A report of debug mode, or of a deadlock (which is always given), or
 * 'inline': a to_thread call ran inline (given once a run, debug mode or
 * not; the text says why there were no threads). 'unknown' would be a
 * kind this API does not know (a newer program).
 */
export interface Report {
  kind: 'slow' | 'unretrieved' | 'leftover' | 'open' | 'swallowed' | 'blocking' | 'deadlock' | 'inline' | 'unknown';
  /** The report, as the default handler would print it (may span lines). */
  text: string;
}

/** One task event of the trace (tide_loop_set_trace_handler). */
export interface TraceEvent {
  /** spawn: created; run: a step begins; suspend: the step ended waiting on
   * `what`; wake: what it waited on woke it; finish: it is done. ('unknown'
   * would be an event this API does not know.) */
  type: 'spawn' | 'run' | 'suspend' | 'wake' | 'finish' | 'unknown';
  /** Loop time in seconds (virtual or real clock). */
  time: number;
  /** Which loop run (1, 2, ... in the order runs started in the instance). */
  run: number;
  /** The task's number in its loop (the main task is 1). */
  task: number;
  /** The task's name ("worker-A", or "Task-3"). */
  name: string;
  /** suspend/wake: what it waits on ("sleep", "lock", "queue get", "gather", ...); else null. */
  what: string | null;
  /** wake/finish: the outcome (0, or a negative Tide error number). */
  status: number;
  /** The error code of a negative status ('TIDE_ECANCELLED'), else null. */
  error: TideCErrorCode | `TIDE_E${number}` | null;
}

/** The numbers of TraceBatch's type column: TraceBatch.TYPES[n] names them. */
export type TraceTypeCode = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * A batch of trace events in columns (the onTraceBatch option): typed
 * arrays of `length` entries, event i at index i of each, made without an
 * object per event (so a program that makes millions of events leaves the
 * garbage collector nothing to do). Valid during the onTraceBatch call
 * only: the columns are reused for the next batch, and reading the batch
 * after the call returns throws a TypeError; copy what you keep
 * (batch.time.slice(), batch.event(i)).
 */
export declare class TraceBatch implements Iterable<TraceEvent> {
  private constructor();
  /** TYPES[type[i]] is event i's TraceEvent type ('unknown' for 0). */
  static readonly TYPES: readonly ['unknown', 'spawn', 'run', 'suspend', 'wake', 'finish'];
  static readonly SPAWN: 1;
  static readonly RUN: 2;
  static readonly SUSPEND: 3;
  static readonly WAKE: 4;
  static readonly FINISH: 5;
  /** How many events. */
  readonly length: number;
  /** Each event's type: TraceBatch.SPAWN ... FINISH, or 0 for an event this API does not know. */
  readonly type: Uint8Array;
  /** Loop time in seconds (virtual or real clock). */
  readonly time: Float64Array;
  /** Which loop run (1, 2, ... in the order runs started in the instance). */
  readonly run: Uint32Array;
  /** The task's number in its loop (the main task is 1). */
  readonly task: Uint32Array;
  /** wake/finish: the outcome (0, or a negative Tide error number). */
  readonly status: Int32Array;
  /** What a suspend or wake waits on, as a number (0: nothing); equal numbers are equal strings, whatName() gives it. */
  readonly whatId: Uint32Array;
  /** Event i's type as TraceEvent has it. */
  typeName(i: number): TraceEvent['type'];
  /** The string of a whatId ("sleep", "lock", "queue get", ...); null for 0. */
  whatName(id: number): string | null;
  /** What event i waits on (suspend/wake), else null. */
  what(i: number): string | null;
  /** The name of event i's task ("worker-A", or "Task-3"). */
  name(i: number): string;
  /** The error code of event i's negative status ('TIDE_ECANCELLED'), else null. */
  error(i: number): TraceEvent['error'];
  /** Event i as a new TraceEvent object. */
  event(i: number): TraceEvent;
  /** The events as new TraceEvent objects, in order (what onTrace receives). */
  toArray(): TraceEvent[];
  [Symbol.iterator](): Iterator<TraceEvent>;
}

/**
 * An async JS function a C task can await with tide_host_call(name,
 * arg_json, &result_json): `arg` is the parsed JSON the C side passed
 * (undefined for NULL), the value it returns or resolves with goes back as
 * JSON; `signal` aborts when the C task stops waiting.
 */
export type HostFunction = (arg: any, context: { signal: AbortSignal }) => unknown;

export interface StartOptions {
  /** argv[1...] of main(). */
  args?: readonly string[];
  /** Environment of the program (getenv), e.g. { TIDE_DEBUG: '1' }; numbers
   * and booleans as text, a variable whose value is undefined left unset
   * (any other value is a TypeError). */
  env?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** TIDE_CLOCK: 'virtual' runs instantly and deterministically. */
  clock?: 'virtual' | 'real';
  /** TIDE_DEBUG: asyncio-style debug mode. */
  debug?: boolean;
  /**
   * Each line the program prints on stdout (default: console.log). With
   * onTrace set, the trace events made before the line are delivered
   * before it, so the latest event tells when it was printed.
   */
  onStdout?: (line: string) => void;
  /** Each line on stderr (default: console.error). */
  onStderr?: (line: string) => void;
  /**
   * The longest line, in bytes, that onStdout and onStderr receive whole
   * (default 1 MiB, at most 256 MiB: more counts as 256 MiB). A longer
   * line keeps its first maxLineBytes bytes (cut after a whole UTF-8
   * character) and ends with a notice such as
   * " … [line cut: 157286400 bytes (150 MiB), showing the first 1 MiB; ...]".
   */
  maxLineBytes?: number;
  /**
   * The trace of task events, in order, in batches (one per loop turn,
   * or more when a turn makes many), as TraceEvent objects: one object per
   * event, which a program making many tasks turns into work for the
   * garbage collector (onTraceBatch makes none). Setting it turns tracing
   * on.
   */
  onTrace?: (events: TraceEvent[]) => void;
  /**
   * The same trace as onTrace, each batch in typed columns, without an
   * object per event (see TraceBatch: valid during the call only). With
   * both set, onTraceBatch gets each batch first.
   */
  onTraceBatch?: (batch: TraceBatch) => void;
  /**
   * Debug-mode reports, deadlock reports (see the README's "Debug mode")
   * and the 'inline' notice of to_thread; without it they go to stderr.
   */
  onReport?: (report: Report) => void;
  /** Aborting it cancels the main task, as cancel(signal.reason). */
  signal?: AbortSignal;
  /** The JS functions C tasks may await by name (tide_host_call). */
  functions?: Readonly<Record<string, HostFunction>>;
  /**
   * How to read the main task's value (its TIDE_RETURN pointer): 'number'
   * (an intptr_t, the default) or 'string' (a NUL-terminated UTF-8 string,
   * read as the run ends; null for NULL).
   */
  valueType?: 'number' | 'string';
}

/** One run of a program's main() in a fresh WebAssembly instance. */
export declare class TideRun<T = number> {
  private constructor();
  readonly program: TideProgram;
  /** Whether to_thread runs on Web Workers in this run (else inline). */
  readonly threads: boolean;
  /**
   * Settles when the program is over: main() returned and no loop runs, or
   * it called exit(). If the exit status is 0, resolves with the main
   * task's value: a number (what it passed to TIDE_RETURN, as an intptr_t;
   * 0 if it returned none), or with valueType 'string' the string (null
   * for NULL); undefined if no loop run ended well (main() returned 0
   * without running one, say). Otherwise rejects with a TideError: the
   * main task's error (code 'TIDE_ECANCELLED' ...), TIDE_EXIT, TIDE_CRASHED,
   * TIDE_TERMINATED or TIDE_LOAD_FAILED. Never hangs on a failure: every
   * path settles it.
   */
  readonly result: Promise<T | undefined>;
  /** 'starting' (instantiating), 'running', 'done'. */
  readonly state: 'starting' | 'running' | 'done';
  /** The exit status once done, else null. */
  readonly exitCode: number | null;
  /**
   * Cancels the main task with an optional message (asyncio's
   * task.cancel(msg)); cleanup runs in the program's FINALLY sections.
   * Before main() started, the run ends with TIDE_ECANCELLED without
   * running it. Returns false (and does nothing) once the run is over.
   */
  cancel(message?: string | null): boolean;
  /** Stops at once, no cleanup; result rejects with TIDE_TERMINATED.
   * Returns false if the run was already over. (Like cancel(), it runs
   * on the program's thread: a step that never returns, a C loop with no
   * await, holds that thread and nothing reaches it.) */
  terminate(reason?: unknown): boolean;
  /** What each pending task is doing (tide_loop_dump). Throws a TideError
   * TIDE_TORN_DOWN once the run is over (or before it started). */
  dump(): string;
}

/** A loaded, compiled program; start() runs it (as often as you like). */
export declare class TideProgram {
  private constructor();
  /** For messages: the file name, the example's, or the one given. */
  readonly name: string;
  /** The compiled module (each start() instantiates it afresh). */
  readonly module: WebAssembly.Module;
  /** true: the pthreads build was loaded, to_thread runs on Web Workers;
   * false: to_thread runs inline, on the loop's thread. */
  readonly threads: boolean;
  /** Which of the two, and why, in a sentence. */
  readonly threadsNote: string;
  /** Runs main() in a new instance; throws a TypeError for bad options. */
  start(options: StartOptions & { valueType: 'string' }): TideRun<string | null>;
  start(options?: StartOptions): TideRun<number>;
  /** start(options).result; bad options reject with the TypeError that
   * start() throws. */
  run(options: StartOptions & { valueType: 'string' }): Promise<string | null | undefined>;
  run(options?: StartOptions): Promise<number | undefined>;
}

/**
 * Loads and compiles a program of your own (see ProgramSource). Rejects
 * with a TideError TIDE_LOAD_FAILED naming what failed, or a TypeError for
 * bad options.
 */
export declare function load(source: ProgramSource, options?: LoadOptions): Promise<TideProgram>;

/**
 * Loads the bundled example `name` (exampleNames() lists them). An unknown
 * name rejects with TIDE_LOAD_FAILED, listing the names there are.
 */
export declare function loadExample(name: ExampleName, options?: LoadOptions): Promise<TideProgram>;

/** load(source, { threads }), start(options), and its result. */
export declare function run(
  source: ProgramSource,
  options: StartOptions & LoadOptions & { valueType: 'string' }
): Promise<string | null | undefined>;
export declare function run(source: ProgramSource, options?: StartOptions & LoadOptions): Promise<number | undefined>;

/** Names of the bundled example programs, sorted. */
export declare function exampleNames(): Promise<ExampleName[]>;
