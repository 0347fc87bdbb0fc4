// tide.d.ts - types of the JavaScript API of Tide (the npm package
// "tide-wasm"); the implementation is tide.mjs.

/** The package version. */
export declare const version: string;

/** Names of the errors raised by the JS side (not from the C table). */
export type TideJsErrorName =
  /** a .wasm or its glue could not be fetched, read, compiled or linked */
  | 'TIDE_LOAD_FAILED'
  /** the program exited with a non-zero status and no Tide error to report */
  | 'TIDE_EXIT'
  /** a trap, abort() or an exception inside the instance */
  | 'TIDE_CRASHED'
  /** TideRun.terminate() was called */
  | 'TIDE_TERMINATED'
  /** a call into an instance that has finished (or not started yet) */
  | 'TIDE_TORN_DOWN';

/** Names of Tide's C errors (include/tide.h, TIDE_ERRORS). */
export type TideCErrorName =
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
  /** a program's own code, TIDE_EUSER (-1000) or below */
  | 'TIDE_EUSER';

/** Every failure of the API. */
export declare class TideError extends Error {
  constructor(name: string, message: string, details?: TideErrorDetails);
  /** A C error name ("TIDE_ECANCELLED"), or one of the JS side's. */
  name: TideCErrorName | TideJsErrorName | (string & {});
  /** Tide's negative error code, or null for the JS side's errors. */
  code: number | null;
  /** The message the C side attached (a cancel message, a TIDE_THROW_MSG text). */
  tideMessage: string | null;
  /** The program's exit status, if it got that far. */
  exitCode: number | null;
  /** The URL that could not be loaded (TIDE_LOAD_FAILED). */
  url: string | null;
  /** For an error in a TIDE_EGROUP's `errors`: the name of the C task that
   * failed (for the group's own body, the task that ran it). */
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

export interface TideErrorDetails {
  code?: number | null;
  tideMessage?: string | null;
  exitCode?: number | null;
  url?: string | null;
  task?: string | null;
  errors?: TideError[] | null;
  cause?: unknown;
}

/** Anything WebAssembly.compile accepts. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** An Emscripten ES module factory (the default export of a program's .mjs). */
export type ModuleFactory = (module?: object) => Promise<object>;

/**
 * Where a program comes from:
 *  - the name of a bundled example: "tasks";
 *  - the URL or path (Node: relative to the working directory) of its .mjs,
 *    with the .wasm beside it (a URL ending in .wasm works too);
 *  - an object: `glue` (URL of the .mjs) or `factory` (its default export,
 *    imported by you, e.g. for a bundler), and `wasm` (a URL, the bytes, or
 *    a compiled WebAssembly.Module; default: the glue's URL with .wasm);
 *    `threads`, the same for its pthreads build.
 * A program built with `tide-emcc --threads` names its pthreads build in
 * its glue (the `tideThreads` export), so a URL is enough for both.
 */
export type ProgramSource =
  | string
  | URL
  | {
      glue?: string | URL;
      factory?: ModuleFactory;
      wasm?: string | URL | WasmBytes | WebAssembly.Module;
      /** a name for messages (default: the file name) */
      name?: string;
      /** the program's pthreads build (see LoadOptions.threads) */
      threads?: ThreadsBuild;
    };

/**
 * A pthreads build (Emscripten -pthread: to_thread on Web Workers): its
 * glue (a URL, or a function importing it), or its factory, and its wasm
 * (or a function giving its URL). Its .worker.js stays beside its glue,
 * which finds it by itself.
 */
export interface ThreadsBuild {
  glue?: string | URL | (() => Promise<{ default: ModuleFactory }>);
  factory?: ModuleFactory;
  wasm: string | URL | WasmBytes | WebAssembly.Module | (() => URL);
}

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

/** One task event of the trace (tide_loop_set_trace). */
/** A report of debug mode, or of a deadlock (which is always given), or
 * 'inline': a to_thread call ran inline (given once a run, debug mode or
 * not; the text says why there were no threads). */
export interface Report {
  kind: 'slow' | 'unretrieved' | 'leftover' | 'open' | 'swallowed' | 'blocking' | 'deadlock' | 'inline';
  /** The report, as the default handler would print it (may span lines). */
  text: string;
}

export interface TraceEvent {
  /** spawn: created; run: a step begins; suspend: the step ended waiting on
   * `what`; wake: what it waited on woke it; finish: it is done. */
  type: 'spawn' | 'run' | 'suspend' | 'wake' | 'finish';
  /** Loop time in seconds (virtual or real clock). */
  time: number;
  /** Which loop run (1, 2, ... in the order runs started in the instance). */
  run: number;
  /** The task's number in its loop (the main task is 1). */
  task: number;
  /** The task's name ("worker-A", or "Task-3"). */
  name: string;
  /** suspend/wake: what it waits on ("sleep", "lock", "queue get", "gather", ...). */
  what: string | null;
  /** wake/finish: the outcome (0, or a negative Tide error code). */
  status: number;
  /** The error name of a negative status, else null. */
  error: string | null;
}

/** An async JS function a C task can await (see the host calls API). */
export type HostFunction = (arg: any, context: { signal: AbortSignal }) => unknown;

export interface StartOptions {
  /** argv[1...] of main(). */
  args?: readonly string[];
  /** Environment of the program (getenv), e.g. { TIDE_DEBUG: '1' }. */
  env?: Readonly<Record<string, string | number | boolean>>;
  /** TIDE_CLOCK: 'virtual' runs instantly and deterministically. */
  clock?: 'virtual' | 'real';
  /** TIDE_DEBUG: asyncio-style debug mode. */
  debug?: boolean;
  /**
   * Each line the program prints on stdout (default: console.log). With
   * onTrace set, and a program built with a Tide that exports
   * tide_js_trace_flush, the trace events made before the line are
   * delivered before it, so the latest event tells when it was printed.
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
   * or more when a turn makes many). Setting it turns tracing on.
   */
  onTrace?: (events: TraceEvent[]) => void;
  /**
   * Debug-mode reports, deadlock reports (see the README's "Debug mode")
   * and the 'inline' notice of to_thread; without it they go to stderr.
   */
  onReport?: (report: Report) => void;
  /** Aborting it cancels the main task, as cancel(signal.reason). */
  signal?: AbortSignal;
  /** JS functions C tasks may await by name (Module.tideFunctions). */
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
   * it called exit(). Resolves with the main task's value (undefined if it
   * had none) when the exit status is 0; rejects with a TideError otherwise:
   * the main task's error (name "TIDE_ECANCELLED" ...), TIDE_EXIT,
   * TIDE_CRASHED, TIDE_TERMINATED or TIDE_LOAD_FAILED. Never hangs on a
   * failure: every path settles it.
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
  cancel(message?: string): boolean;
  /** Stops at once, no cleanup; result rejects with TIDE_TERMINATED. */
  terminate(reason?: unknown): boolean;
  /** What each pending task is doing (tide_loop_dump). Throws
   * TIDE_TORN_DOWN once the run is over. */
  dump(): string;
}

/** A loaded, compiled program; start() runs it (as often as you like). */
export declare class TideProgram {
  private constructor();
  readonly name: string;
  /** The compiled module. */
  readonly module: WebAssembly.Module;
  /** true: the pthreads build was loaded, to_thread runs on Web Workers;
   * false: to_thread runs inline, on the loop's thread. */
  readonly threads: boolean;
  /** Which of the two, and why, in a sentence. */
  readonly threadsNote: string;
  start(options: StartOptions & { valueType: 'string' }): TideRun<string | null>;
  start(options?: StartOptions): TideRun<number>;
  run(options: StartOptions & { valueType: 'string' }): Promise<string | null | undefined>;
  run(options?: StartOptions): Promise<number | undefined>;
}

/** Loads and compiles a program. Rejects with TIDE_LOAD_FAILED. */
export declare function load(source: ProgramSource, options?: LoadOptions): Promise<TideProgram>;

/** load(source, { threads }), start(options), and its result. */
export declare function run(
  source: ProgramSource,
  options: StartOptions & LoadOptions & { valueType: 'string' }
): Promise<string | null | undefined>;
export declare function run(source: ProgramSource, options?: StartOptions & LoadOptions): Promise<number | undefined>;

/** Names of the bundled example programs. */
export declare function exampleNames(): Promise<string[]>;
