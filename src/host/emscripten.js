// emscripten.js - the JS half of the guest host (see emscripten.c, and
// emscripten_jsapi.c for what the JS API asks of a run).
// Linked with --js-library; runs inside Emscripten's generated glue, once
// per instance (the glue is a factory: each call makes fresh state).
//
// Two jobs:
//  - drive the loop: turns from microtasks, macrotasks and timers;
//  - talk to the embedder (web/package/tide.mjs) through Module properties:
//      Module.onTideExit(status)      tide_main's exit status
//      Module.onTideExitCall(status)  a task called exit(): the program ends
//      Module.onTideCrash(error)      a trap or exception in C code
//      Module.onTideRunEnd(report)    a run's outcome, as it ends
//      Module.onTideRunOver(running)  after a run ended; running = runs left
//                                     (this file keeps the list of runs)
//      Module.onTideTraceBatch(columns)  a batch of trace events, in the
//                                     columns of TideHost.traceColumns (if
//                                     set, every run is traced)
//    and Module.tideHost, the calls the embedder makes into the program.
//
// Emscripten through its public interfaces (docs/design.md, "What Tide
// takes from Emscripten"): the JS library format (addToLibrary or
// mergeInto, __deps, __postset), library functions named in __deps,
// EMSCRIPTEN_KEEPALIVE exports, the HEAP views, Module's documented
// properties and exported runtime methods (callMain, ENV), FS.init. The
// one exception, the pool of Web Workers of a pthreads build, is kept to
// TideHost.workers/stopWorkers and checked there.
// What this file reads of the settings of the link: whether the program
// has a file system (an internal setting with no public equivalent, in
// every version since 2.0); a link where it is missing fails here, saying
// so, rather than with output gone astray.
#if typeof SYSCALLS_REQUIRE_FILESYSTEM === 'undefined'
throw new Error('src/host/emscripten.js: Emscripten {{{ EMSCRIPTEN_VERSION }}} has no SYSCALLS_REQUIRE_FILESYSTEM ' +
  'setting, which Tide reads to take over stdout and stderr; Tide is tested with Emscripten 3.1.6');
#endif
(function () {
// addToLibrary since Emscripten 3.1.45; mergeInto into LibraryManager before.
var addTideLibrary = typeof addToLibrary === 'function' ? addToLibrary : function (lib) {
  mergeInto(LibraryManager.library, lib);
};
// The string helpers are library functions, to be named in __deps, since
// Emscripten 3.1.35; before, they were part of every runtime.
var stringDeps = ['$UTF8ToString', '$lengthBytesUTF8', '$stringToUTF8'].filter(function (name) {
  return typeof addToLibrary === 'function' || Object.prototype.hasOwnProperty.call(LibraryManager.library, name);
});

addTideLibrary({
  // What Tide's JS code needs of the runtime's string helpers (calls.js too).
  $TideStrings__deps: stringDeps,
  $TideStrings: {},

  // (the glue serialises this object: state is created lazily, not here)
  $TideHost__deps: ['$TideStrings', 'tide_js_flush_output', 'tide_js_trace_flush'],
  // The embedder gets the host while the glue sets up (onTideHost): the
  // object it passed to the factory is not the instance (Emscripten 3.1.58
  // and later copy it).
  $TideHost__postset:
    'Module["tideHost"] = TideHost;\n' +
    'if (typeof Module["onTideHost"] === "function") Module["onTideHost"](TideHost);',
  $TideHost: {
    // What this glue and web/package/tide.mjs expect of each other (the
    // Module.onTide* calls, this object's calls, the trace's columns): one
    // more whenever either side changes what the other relies on, in both
    // files (HOST_PROTOCOL there). tide.mjs refuses a program of another
    // protocol with a clear error; glue from before there was one has none
    // (protocol 1: per-event trace objects, Module.onTideTrace).
    protocol: 2,
    timers: null,
    channel: null,
    macroQueue: [],
    depth: 0, // > 0 while C code runs: a turn, or main()
    dead: false, // torn down: no more turns, timers or calls
    trace: null, // the trace's columns and tables (traceColumns)
    // The runs under way: loop pointer -> run id, in start order (a Map
    // keeps insertion order). The per-run state is in each loop (C).
    runs: null,
    lastRun: 0, // ids go 1, 2, ... in the order runs start
    // Functions other JS libraries register (push) to release what they
    // hold when the instance is torn down (pending fetches, workers, ...).
    teardownHooks: [],

    // The trace's columns: a set of typed arrays, one entry per event of
    // the batch being delivered (they hold at least `count`), taken for the
    // delivery and given back after it (traceRelease), so that the sets are
    // reused from batch to batch and a delivery made while another is
    // being read (from its listener) does not overwrite it. The tables
    // behind them are shared: what-strings by small id (0: none), the
    // names of named tasks per run (a task without a name of its own is
    // "Task-<id>"), error names.
    traceColumns: function (count) {
      var T = TideHost.trace;
      if (!T) {
        T = TideHost.trace = {
          spare: [],
          whats: [null],
          whatIds: new Map(), // pointer -> id
          names: new Map(), // run -> Map(task -> name)
          errnames: new Map(),
          internWhat: function (ptr) {
            var id = T.whats.length;
            T.whats.push(UTF8ToString(ptr));
            T.whatIds.set(ptr, id);
            return id;
          },
          setName: function (run, task, name) {
            var m = T.names.get(run);
            if (!m) T.names.set(run, (m = new Map()));
            m.set(task, name);
          },
          dropName: function (run, task) {
            var m = T.names.get(run);
            if (m && m.delete(task) && m.size === 0) T.names.delete(run);
          },
          name: function (run, task) {
            var m = T.names.get(run);
            var name = m && m.get(task);
            return name === undefined ? 'Task-' + task : name;
          },
          errname: function (status) {
            if (status >= 0) return null;
            var name = T.errnames.get(status);
            if (name === undefined) {
              var p = _tide_js_errname(status);
              name = p ? UTF8ToString(p) : 'TIDE_EUSER';
              T.errnames.set(status, name);
            }
            return name;
          },
        };
      }
      var c = T.spare.pop() || {
        length: 0,
        capacity: 0,
        finished: [], // run, task pairs of named tasks that finished
        tables: T,
        whats: T.whats,
        name: T.name,
        errname: T.errname,
      };
      if (count > c.capacity) {
        var cap = Math.max(count, 1024);
        c.capacity = cap;
        c.type = new Uint8Array(cap);
        c.time = new Float64Array(cap);
        c.run = new Uint32Array(cap);
        c.task = new Uint32Array(cap);
        c.status = new Int32Array(cap);
        c.what = new Uint32Array(cap);
      }
      c.finished.length = 0;
      return c;
    },

    // The delivery of `c` is over: a finished task's name, readable until
    // now, goes, and the set is free for the next batch.
    traceRelease: function (c) {
      c.length = 0;
      for (var k = 0; k < c.finished.length; k += 2) c.tables.dropName(c.finished[k], c.finished[k + 1]);
      c.finished.length = 0;
      c.tables.spare.push(c);
    },

    macrotask: function (fn) {
      if (typeof setImmediate === 'function') {
        setImmediate(fn);
        return;
      }
      if (!TideHost.channel) {
        TideHost.channel = new MessageChannel();
        TideHost.channel.port1.onmessage = function () {
          TideHost.macroQueue.shift()();
        };
      }
      TideHost.macroQueue.push(fn);
      TideHost.channel.port2.postMessage(0);
    },

    // Runs C code from a JS event (a turn, a timer, a host call settling):
    // nothing once torn down; exit() and crashes go to the embedder, never
    // up into the event loop that called.
    enter: function (fn) {
      if (TideHost.dead) return;
      TideHost.depth++;
      try {
        fn();
      } catch (e) {
        TideHost.caught(e);
      } finally {
        TideHost.depth--;
      }
    },
    // exit() throws the runtime's ExitStatus (its `status` the program's):
    // the program is over, nothing more to unwind. Anything else is a
    // crash: a trap, abort(), a bug; without an embedder to tell, it goes
    // on up, as the runtime would send it.
    caught: function (e) {
      if (e && e.name === 'ExitStatus') {
        if (typeof Module['onTideExitCall'] === 'function') Module['onTideExitCall'](e.status);
        return;
      }
      if (typeof Module['onTideCrash'] !== 'function') throw e;
      Module['onTideCrash'](e);
    },

    turn: function (L, kind) {
      TideHost.enter(function () {
        _tide__guest_turn(L, kind);
      });
    },

    // A TIDE_EGROUP's list (emscripten_jsapi.c: tide_js_egroup_*) as plain
    // objects { error, name, text, message, task, errors }, errors being
    // a nested group's list or null. Groups nest as deep as programs make
    // them: a stack of its own, not recursion.
    readErrors: function (eg) {
      var str = function (p) {
        return p ? UTF8ToString(p) : null;
      };
      var top = [];
      var stack = [[eg, top]];
      while (stack.length) {
        var job = stack.pop();
        var n = _tide_js_egroup_count(job[0]) >>> 0;
        for (var i = 0; i < n; i++) {
          var nested = _tide_js_egroup_nested(job[0], i);
          var e = {
            error: _tide_js_egroup_code(job[0], i),
            name: str(_tide_js_egroup_text(job[0], i, 2)),
            text: str(_tide_js_egroup_text(job[0], i, 3)),
            message: str(_tide_js_egroup_text(job[0], i, 0)),
            task: str(_tide_js_egroup_text(job[0], i, 1)),
            errors: nested ? [] : null,
          };
          job[1].push(e);
          if (nested) stack.push([nested, e.errors]);
        }
      }
      return top;
    },

    // ---- calls made by the embedder (web/package/tide.mjs) ----

    // Runs main() (Module.callMain, exported at link time: tide-emcc's
    // flags); returns its status, or undefined if it crashed.
    main: function (args) {
      if (typeof Module['callMain'] !== 'function')
        throw new Error('this program was not linked with -sEXPORTED_RUNTIME_METHODS=callMain (build it with tide-emcc)');
      var status;
      TideHost.enter(function () {
        status = Module['callMain'](args);
      });
      return status;
    },
    // Inside C code now? (calls that change tasks must wait until not)
    busy: function () {
      return TideHost.depth > 0;
    },
    running: function () {
      return TideHost.runs ? TideHost.runs.size : 0;
    },
    // Calls fn(loop) for each run under way, in start order. It walks a
    // copy, because the calls may start or end runs, and skips a run that
    // ended meanwhile.
    eachRun: function (fn) {
      var loops = TideHost.runs ? Array.from(TideHost.runs.keys()) : [];
      for (var i = 0; i < loops.length; i++)
        if (TideHost.runs.has(loops[i])) fn(loops[i]);
    },
    // Cancels every run's main task; msg (a string or null) is copied into
    // the heap for the call.
    cancel: function (msg) {
      var p = 0;
      if (msg !== null && msg !== undefined) {
        var size = lengthBytesUTF8(msg) + 1;
        p = _tide_js_alloc(size);
        if (!p) return 0; // out of memory: the cancel is lost, the run goes on
        stringToUTF8(msg, p, size);
      }
      var n = 0;
      TideHost.enter(function () {
        TideHost.eachRun(function (L) { n += _tide_js_cancel_loop(L, p); });
      });
      if (p) _tide_js_free(p);
      return n;
    },
    dump: function () {
      var text = '';
      TideHost.eachRun(function (L) {
        var p = _tide_js_dump_loop(L);
        if (!p) return;
        text += UTF8ToString(p);
        _tide_js_free(p);
      });
      return text;
    },
    readString: function (p) {
      return p ? UTF8ToString(p) : null;
    },
    // Print what stdout/stderr hold without a final newline.
    flushOutput: function () {
      _tide_js_flush_output();
    },
    // Deliver the trace events made so far (before a line of output).
    traceFlush: function () {
      _tide_js_trace_flush();
    },

    // ---- the Web Workers of a pthreads build ----
    // Emscripten has no public interface for its pool of workers: this is
    // the one place that reads its PThread object. A single-thread build
    // has none.
    workers: function () {
      if (typeof PThread === 'undefined') return [];
      return PThread.unusedWorkers.concat(PThread.runningWorkers);
    },
    // Why this build's workers cannot be watched and stopped, or null.
    threadsProblem: function () {
      if (typeof PThread === 'undefined') return null;
      if (Array.isArray(PThread.unusedWorkers) && Array.isArray(PThread.runningWorkers) &&
          typeof PThread.terminateAllThreads === 'function')
        return null;
      return 'its pthreads runtime (Emscripten {{{ EMSCRIPTEN_VERSION }}}) lacks the PThread pool ' +
        '(unusedWorkers, runningWorkers, terminateAllThreads) that Tide stops its workers with; ' +
        'Tide is tested with Emscripten 3.1.6';
    },
    stopWorkers: function () {
      if (typeof PThread !== 'undefined') PThread.terminateAllThreads();
    },

    // Stop for good: no turn, timer or completion runs C code again.
    teardown: function () {
      TideHost.dead = true;
      if (TideHost.timers) {
        TideHost.timers.forEach(function (timer) {
          timer.cancel();
        });
        TideHost.timers.clear();
      }
      var hooks = TideHost.teardownHooks.splice(0);
      for (var i = 0; i < hooks.length; i++) {
        try {
          hooks[i]();
        } catch (e) {
          // one library's failure must not keep the others from cleaning up
        }
      }
    },
  },

  // $ENV rides along so every program can take TIDE_* settings from the
  // embedder (Module.ENV), whether or not its C code calls getenv().
  tide_js_now__deps: ['$ENV', '$TideHost'],
  tide_js_now: function () {
    return performance.now();
  },

  tide_js_request_turn__deps: ['$TideHost'],
  tide_js_request_turn: function (L, kind) {
    var run = function () {
      TideHost.turn(L, kind);
    };
    if (kind === 1) queueMicrotask(run);
    else TideHost.macrotask(run);
  },

  // One timer per loop, for its earliest deadline. In a browser a
  // setTimeout made from a timer callback (or its microtasks), five deep or
  // more, is clamped to 4 ms: a task sleeping 1 ms again and again woke
  // every 4.6 ms in Chromium. So there the setTimeout is made from a fresh
  // macrotask (a MessageChannel message, whose timer nesting level is 0),
  // for what is left of the delay by then. Node has no such clamp.
  // setTimeout waits at most 2^31-1 ms (24.8 days): Node makes a longer
  // delay 1 ms (with a warning each time), browsers 0, a turn every
  // millisecond for as long as a long sleep lasted. So a longer timer fires
  // early and the turn it runs, finding nothing due, arms the rest.
  tide_js_arm_timer__deps: ['$TideHost'],
  tide_js_arm_timer: function (L, ms) {
    if (TideHost.dead) return;
    ms = Math.min(ms, 2147483647);
    if (!TideHost.timers) TideHost.timers = new Map();
    var old = TideHost.timers.get(L);
    if (old !== undefined) old.cancel();
    var timer = {
      id: undefined,
      cancelled: false,
      cancel: function () {
        timer.cancelled = true;
        if (timer.id !== undefined) clearTimeout(timer.id);
      },
    };
    var fire = function () {
      TideHost.timers.delete(L);
      TideHost.turn(L, 3);
    };
    TideHost.timers.set(L, timer);
    if (typeof setImmediate === 'function') {
      timer.id = setTimeout(fire, Math.max(0, Math.ceil(ms)));
      return;
    }
    var due = performance.now() + ms;
    TideHost.macrotask(function () {
      if (timer.cancelled || TideHost.dead) return;
      timer.id = setTimeout(fire, Math.max(0, Math.ceil(due - performance.now())));
    });
  },

  tide_js_cancel_timer__deps: ['$TideHost'],
  tide_js_cancel_timer: function (L) {
    if (!TideHost.timers) return;
    var old = TideHost.timers.get(L);
    if (old !== undefined) old.cancel();
    TideHost.timers.delete(L);
  },

  tide_js_exit: function (status) {
    if (typeof Module['onTideExit'] === 'function') Module['onTideExit'](status);
    else if (typeof process === 'object' && process.versions && process.versions.node)
      process.exitCode = status;
  },

  // A to_thread call ran inline (a build without pthreads): web/package/tide.mjs
  // says so once a run, so that a page author knows why the page froze.
  tide_js_ran_inline: function () {
    if (typeof Module['onTideInline'] === 'function') Module['onTideInline']();
  },

  tide_js_report_wanted: function () {
    return typeof Module['onTideReport'] === 'function' ? 1 : 0;
  },

  // A debug or deadlock report (the kinds follow TIDE_DEBUG_* in tide.h).
  tide_js_report__deps: ['$TideStrings'],
  tide_js_report: function (kind, text) {
    var KINDS = [null, 'slow', 'unretrieved', 'leftover', 'open', 'swallowed',
                 'blocking', 'deadlock'];
    var fn = Module['onTideReport'];
    if (typeof fn === 'function')
      fn({ kind: KINDS[kind] || 'unknown', text: UTF8ToString(text) });
  },

  tide_js_trace_wanted: function () {
    return typeof Module['onTideTraceBatch'] === 'function' ? 1 : 0;
  },

  // `count` records of 32 bytes at `recs` (struct trace_rec in
  // emscripten_jsapi.c; spawn records of named tasks point into the `names`
  // block), copied into the columns of TideHost.traceColumns, which are
  // reused from batch to batch: no object per event, so a program that
  // makes a million events leaves the collector nothing to do (the live
  // page's long tasks were collections of the event objects).
  // Module.onTideTraceBatch(columns) reads them during the call only.
  tide_js_trace__deps: ['$TideHost', '$TideStrings'],
  tide_js_trace: function (recs, count, names) {
    var fn = Module['onTideTraceBatch'];
    if (typeof fn !== 'function') return;
    var c = TideHost.traceColumns(count);
    var T = c.tables;
    for (var i = 0; i < count; i++) {
      var at = (recs >> 2) + 8 * i;
      var type = HEAP32[at];
      var run = HEAPU32[at + 1];
      var task = HEAPU32[at + 2];
      var whatPtr = HEAPU32[at + 4];
      var nameAt = HEAP32[at + 5];
      c.type[i] = type >>> 0 < 256 ? type : 0; // 0: an event this file does not know
      c.run[i] = run;
      c.task[i] = task;
      c.status[i] = HEAP32[at + 3];
      c.time[i] = HEAPF64[(at + 6) >> 1];
      c.what[i] = whatPtr ? (T.whatIds.get(whatPtr) || T.internWhat(whatPtr)) : 0;
      if (nameAt >= 0) T.setName(run, task, UTF8ToString(names + nameAt));
      else if (type === 5 && T.names.size) c.finished.push(run, task);
    }
    c.length = count;
    try {
      fn(c);
    } finally {
      TideHost.traceRelease(c);
    }
  },

  tide_js_run_end__deps: ['$TideHost'],
  tide_js_run_end: function (run, err, name, text, msg, value, errors) {
    var fn = Module['onTideRunEnd'];
    if (typeof fn !== 'function') return;
    fn({
      run: run,
      error: err,
      name: name ? UTF8ToString(name) : null,
      text: UTF8ToString(text),
      message: msg ? UTF8ToString(msg) : null,
      value: value, // a pointer: readable (tideHost.readString) only now
      // a TIDE_EGROUP's children's errors, each shaped like this report
      errors: errors ? TideHost.readErrors(errors) : null,
    });
  },

  // The registry of runs (emscripten_jsapi.c: tide__jsapi_run_start, embed_exit).
  tide_js_run_start__deps: ['$TideHost'],
  tide_js_run_start: function (L) {
    if (!TideHost.runs) TideHost.runs = new Map();
    var id = ++TideHost.lastRun;
    TideHost.runs.set(L, id);
    return id;
  },

  tide_js_run_stop__deps: ['$TideHost'],
  tide_js_run_stop: function (L) {
    if (TideHost.runs) TideHost.runs.delete(L);
  },

  // Every run's buffered trace events, in the order the runs started.
  tide_js_trace_flush_all__deps: ['$TideHost'],
  tide_js_trace_flush_all: function () {
    TideHost.eachRun(function (L) { _tide__embed_trace_flush(L); });
  },

  tide_js_run_over__deps: ['$TideHost'],
  tide_js_run_over: function () {
    var fn = Module['onTideRunOver'];
    if (typeof fn === 'function') fn(TideHost.running());
  },

  // ---- output: stdout and stderr reach the embedder line by line ----
  //
  // Lines go to Module.print (stdout) and Module.printErr (stderr). A line
  // keeps at most maxLineBytes bytes (LINE_MAX by default; an embedder may
  // set Module.tideMaxLineBytes, web/package/tide.mjs's maxLineBytes option); the
  // rest is counted, not kept, and the line ends with a notice saying how
  // long it was. (Emscripten's own line buffer is a JS array that grows
  // without limit: one line of ~150 MB killed Node with "invalid size
  // error".) Bytes are decoded as UTF-8; invalid bytes become U+FFFD.
  //
  // The bytes come from fd_write, the WASI call every write of the
  // program ends in, when the program has no file system; with one (it
  // opens files), from the output callbacks of FS.init, Emscripten's
  // documented way to take over the standard streams. (Which of the two
  // is SYSCALLS_REQUIRE_FILESYSTEM, checked at the top of this file.)
  $TideOutput__deps: [
#if SYSCALLS_REQUIRE_FILESYSTEM
    '$FS',
#endif
  ],
#if SYSCALLS_REQUIRE_FILESYSTEM
  // (Module.preRun: before the runtime's own FS.init; pthreads' workers
  // skip it)
  $TideOutput__postset:
    'Module["preRun"] = [].concat(Module["preRun"] || [], function () {\n' +
    '  FS.init(null, function (c) { TideOutput.put(1, c); },\n' +
    '          function (c) { TideOutput.put(2, c); });\n' +
    '});',
#endif
  $TideOutput: {
    LINE_MAX: 1048576, // the default cap of a line, in bytes (1 MiB)
    // The highest cap an embedder may set: a JS string holds at most about
    // 2^29 UTF-16 units (V8), and a line of N bytes decodes to <= N units.
    LINE_LIMIT: 268435456,
    decoder: null,
    streams: null, // fd (1 or 2) -> { buf, len, total } of the line so far

    max: function () {
      var m = Module['tideMaxLineBytes'];
      if (typeof m !== 'number' || !(m >= 1)) return TideOutput.LINE_MAX;
      return Math.min(Math.floor(m), TideOutput.LINE_LIMIT);
    },
    stream: function (fd) {
      if (!TideOutput.streams) TideOutput.streams = [null, null, null];
      var s = TideOutput.streams[fd];
      if (!s) s = TideOutput.streams[fd] = { buf: null, len: 0, total: 0 };
      return s;
    },
    // The line grows by n bytes: how many of them to keep (the buffer has
    // room for them), the rest being only counted.
    grow: function (s, n) {
      var max = TideOutput.max();
      var room = Math.min(n, max - s.len);
      s.total += n;
      if (room <= 0) return 0;
      if (!s.buf || s.buf.length < s.len + room) {
        var size = s.buf ? s.buf.length : 256;
        while (size < s.len + room) size *= 2;
        var bigger = new Uint8Array(Math.min(size, max));
        if (s.buf) bigger.set(s.buf.subarray(0, s.len));
        s.buf = bigger;
      }
      return room;
    },
    // Takes `len` bytes at `ptr` in the heap. A line printed may run C code
    // (web/package/tide.mjs flushes the trace first) that grows the memory, so the
    // heap's view is taken again after each line.
    write: function (fd, ptr, len) {
      var s = TideOutput.stream(fd);
      var done = 0;
      while (done < len) {
        var bytes = HEAPU8.subarray(ptr + done, ptr + len);
        var nl = bytes.indexOf(10);
        var n = nl < 0 ? bytes.length : nl;
        var room = TideOutput.grow(s, n);
        if (room) {
          s.buf.set(bytes.subarray(0, room), s.len);
          s.len += room;
        }
        if (nl < 0) return;
        done += nl + 1;
        TideOutput.end(fd);
      }
    },
    // One byte (FS.init's output callbacks); null asks for a flush, which
    // output by lines has no use for.
    put: function (fd, c) {
      if (c === null || c === undefined) return;
      var s = TideOutput.stream(fd);
      if (c === 10) TideOutput.end(fd);
      else if (TideOutput.grow(s, 1)) s.buf[s.len++] = c;
    },
    // The line is complete: print it, with the notice if it was cut.
    end: function (fd) {
      var s = TideOutput.stream(fd);
      var keep = s.total > s.len ? TideOutput.wholeChars(s.buf, s.len) : s.len;
      if (!TideOutput.decoder) TideOutput.decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      var text = keep ? TideOutput.decoder.decode(s.buf.subarray(0, keep)) : '';
      if (s.total > s.len) text += TideOutput.notice(s.total);
      s.len = s.total = 0;
      if (s.buf && s.buf.length > 65536) s.buf = null; // a long line's buffer goes
      (fd === 1 ? out : err)(text);
    },
    // How many of the first n bytes to show of a cut line: up to the end of
    // its last whole UTF-8 character (a cut inside one would show U+FFFD).
    wholeChars: function (buf, n) {
      var lead = n - 1;
      while (lead > 0 && n - lead < 4 && (buf[lead] & 0xc0) === 0x80) lead--;
      var b = buf[lead];
      var width = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return lead + width > n ? lead : n;
    },
    // e.g. " … [line cut: 157286400 bytes (150 MiB), showing the first 1 MiB; ...]"
    notice: function (total) {
      var size = TideOutput.size;
      return ' … [line cut: ' + total + ' bytes' + (total >= 1024 ? ' (' + size(total) + ')' : '') +
        ', showing the first ' + size(TideOutput.max()) + '; the maxLineBytes option raises the limit]';
    },
    size: function (n) {
      var units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
      var u = 0;
      while (n >= 1024 && u < units.length - 1) {
        n /= 1024;
        u++;
      }
      return (u ? String(Math.round(n * 10) / 10) : String(n)) + ' ' + units[u];
    },
    // Prints what stdout and stderr hold without a final newline (the
    // runtime never exits here, so nothing else would).
    flush: function () {
      for (var fd = 1; fd <= 2; fd++) {
        var s = TideOutput.streams && TideOutput.streams[fd];
        if (s && s.total) TideOutput.end(fd);
      }
    },
  },

  tide_js_flush_output__deps: ['$TideOutput'],
  tide_js_flush_output: function () {
    TideOutput.flush();
  },

#if !SYSCALLS_REQUIRE_FILESYSTEM
  // Replaces Emscripten's (a JS library may redefine a library function):
  // stdout and stderr are the only files there are.
  fd_write__deps: ['$TideOutput'],
  fd_write__postset: '',
  fd_write__sig: 'iiiii',
  fd_write: function (fd, iov, iovcnt, pnum) {
    if (fd !== 1 && fd !== 2) return 8; // EBADF: Emscripten's errno values are WASI's
    var num = 0;
    for (var i = 0; i < iovcnt; i++) {
      var ptr = HEAPU32[(iov >> 2) + 2 * i];
      var len = HEAPU32[(iov >> 2) + 2 * i + 1];
      TideOutput.write(fd, ptr, len);
      num += len;
    }
    HEAPU32[pnum >> 2] = num;
    return 0;
  },
#endif
});
})();
