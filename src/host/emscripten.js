// emscripten.js - the JS half of the guest host (see emscripten.c).
// Linked with --js-library; runs inside Emscripten's generated glue, once
// per instance (the glue is a factory: each call makes fresh state).
//
// Two jobs:
//  - drive the loop: turns from microtasks, macrotasks and timers;
//  - talk to the embedder (web/tide.mjs) through Module properties:
//      Module.onTideExit(status)      tide_main's exit status
//      Module.onTideRunEnd(report)    a run's outcome, as it ends
//      Module.onTideRunOver(running)  after a run ended; running = runs left
//                                     (this file keeps the list of runs)
//      Module.onTideTrace(events)     a batch of trace events (if set, every
//                                     run is traced)
//    and Module.tideHost, the calls the embedder makes into the program.
mergeInto(LibraryManager.library, {
  // (the glue serialises this object: state is created lazily, not here)
  $TideHost__deps: ['$callUserCallback', 'tide_js_flush_output'],
  $TideHost__postset: 'Module["tideHost"] = TideHost;',
  $TideHost: {
    timers: null,
    channel: null,
    macroQueue: [],
    depth: 0, // > 0 while C code runs: a turn, or main()
    dead: false, // torn down: no more turns, timers or calls
    whats: null, // trace: pointer -> static string
    names: null, // trace: run/task -> task name
    errnames: null, // trace: error code -> name
    // The runs under way: loop pointer -> run id, in start order (a Map
    // keeps insertion order). The per-run state is in each loop (C).
    runs: null,
    lastRun: 0, // ids go 1, 2, ... in the order runs start
    // Functions other JS libraries register (push) to release what they
    // hold when the instance is torn down (pending fetches, workers, ...).
    teardownHooks: [],

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

    // Run C code from a JS event: a turn or a timer.
    turn: function (L, kind) {
      if (TideHost.dead) return;
      callUserCallback(function () {
        TideHost.depth++;
        try {
          _tide__guest_turn(L, kind);
        } finally {
          TideHost.depth--;
        }
      });
    },

    // A TIDE_EGROUP's list (emscripten.c: tide_js_egroup_*) as plain
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

    // ---- calls made by the embedder (web/tide.mjs) ----

    // Runs main(); returns its status (undefined if it crashed).
    main: function (args) {
      TideHost.depth++;
      try {
        return callMain(args);
      } finally {
        TideHost.depth--;
      }
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
    cancel: function (msg) {
      var top = stackSave();
      try {
        var p = 0;
        if (msg !== null && msg !== undefined) {
          var len = lengthBytesUTF8(msg) + 1;
          p = stackAlloc(len);
          stringToUTF8(msg, p, len);
        }
        var n;
        callUserCallback(function () {
          TideHost.depth++;
          try {
            n = 0;
            TideHost.eachRun(function (L) { n += _tide_js_cancel_loop(L, p); });
          } finally {
            TideHost.depth--;
          }
        });
        return n;
      } finally {
        stackRestore(top);
      }
    },
    dump: function () {
      var text = '';
      TideHost.eachRun(function (L) {
        var p = _tide_js_dump_loop(L);
        if (!p) return;
        text += UTF8ToString(p);
        _tide_js_dump_free(p);
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
    // Stop for good: no turn, timer or completion runs C code again.
    teardown: function () {
      TideHost.dead = true;
      ABORT = true; // the glue's flag: callUserCallback ignores callbacks
      if (TideHost.timers) {
        TideHost.timers.forEach(function (id) {
          clearTimeout(id);
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

  tide_js_arm_timer__deps: ['$TideHost'],
  tide_js_arm_timer: function (L, ms) {
    if (TideHost.dead) return;
    if (!TideHost.timers) TideHost.timers = new Map();
    var old = TideHost.timers.get(L);
    if (old !== undefined) clearTimeout(old);
    TideHost.timers.set(
      L,
      setTimeout(function () {
        TideHost.timers.delete(L);
        TideHost.turn(L, 3);
      }, Math.max(0, Math.ceil(ms)))
    );
  },

  tide_js_cancel_timer__deps: ['$TideHost'],
  tide_js_cancel_timer: function (L) {
    if (!TideHost.timers) return;
    var old = TideHost.timers.get(L);
    if (old !== undefined) clearTimeout(old);
    TideHost.timers.delete(L);
  },

  tide_js_exit: function (status) {
    if (typeof Module['onTideExit'] === 'function') Module['onTideExit'](status);
    else if (typeof process === 'object' && process.versions && process.versions.node)
      process.exitCode = status;
  },

  // A to_thread call ran inline (a build without pthreads): web/tide.mjs
  // says so once a run, so that a page author knows why the page froze.
  tide_js_ran_inline: function () {
    if (typeof Module['onTideInline'] === 'function') Module['onTideInline']();
  },

  tide_js_report_wanted: function () {
    return typeof Module['onTideReport'] === 'function' ? 1 : 0;
  },

  // A debug or deadlock report (the kinds follow TIDE_DEBUG_* in tide.h).
  tide_js_report: function (kind, text) {
    var KINDS = [null, 'slow', 'unretrieved', 'leftover', 'open', 'swallowed',
                 'blocking', 'deadlock'];
    var fn = Module['onTideReport'];
    if (typeof fn === 'function')
      fn({ kind: KINDS[kind] || 'unknown', text: UTF8ToString(text) });
  },

  tide_js_trace_wanted: function () {
    return typeof Module['onTideTrace'] === 'function' ? 1 : 0;
  },

  // `count` records of 32 bytes at `recs` (struct trace_rec in
  // emscripten.c); spawn records point into the `names` block.
  tide_js_trace__deps: ['$TideHost'],
  tide_js_trace: function (recs, count, names) {
    var fn = Module['onTideTrace'];
    if (typeof fn !== 'function') return;
    if (!TideHost.whats) {
      TideHost.whats = new Map();
      TideHost.names = new Map();
      TideHost.errnames = new Map();
    }
    var TYPES = [null, 'spawn', 'run', 'suspend', 'wake', 'finish'];
    var events = new Array(count);
    for (var i = 0; i < count; i++) {
      var at = (recs >> 2) + 8 * i;
      var type = HEAP32[at];
      var run = HEAPU32[at + 1];
      var task = HEAPU32[at + 2];
      var status = HEAP32[at + 3];
      var whatPtr = HEAPU32[at + 4];
      var nameAt = HEAP32[at + 5];
      var key = run * 4294967296 + task;
      var name;
      if (nameAt >= 0) {
        name = UTF8ToString(names + nameAt);
        TideHost.names.set(key, name);
      } else {
        name = TideHost.names.get(key);
        if (name === undefined) name = 'Task-' + task;
      }
      if (type === 5) TideHost.names.delete(key);
      var what = null;
      if (whatPtr) {
        what = TideHost.whats.get(whatPtr);
        if (what === undefined) {
          what = UTF8ToString(whatPtr);
          TideHost.whats.set(whatPtr, what);
        }
      }
      var error = null;
      if (status < 0) {
        error = TideHost.errnames.get(status);
        if (error === undefined) {
          var p = _tide_js_errname(status);
          error = p ? UTF8ToString(p) : 'TIDE_EUSER';
          TideHost.errnames.set(status, error);
        }
      }
      events[i] = {
        type: TYPES[type] || 'unknown',
        time: HEAPF64[(at + 6) >> 1],
        run: run,
        task: task,
        name: name,
        what: what,
        status: status,
        error: error,
      };
    }
    fn(events);
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

  // The registry of runs (emscripten.c's embed_start / embed_exit).
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

  // Emscripten prints stdout/stderr line by line; a last line without its
  // newline waits in a buffer until the runtime exits, which never happens
  // here. Print it when a run ends.
#if SYSCALLS_REQUIRE_FILESYSTEM
  tide_js_flush_output__deps: ['$TTY'],
  tide_js_flush_output: function () {
    for (var dev in TTY.ttys) {
      var tty = TTY.ttys[dev];
      if (tty && tty.output && tty.output.length && tty.ops.flush) tty.ops.flush(tty);
    }
  },
#else
  tide_js_flush_output__deps: ['$SYSCALLS'],
  tide_js_flush_output: function () {
    var buffers = SYSCALLS.buffers;
    if (!buffers) return;
    if (buffers[1] && buffers[1].length) SYSCALLS.printChar(1, 10);
    if (buffers[2] && buffers[2].length) SYSCALLS.printChar(2, 10);
  },
#endif
});
