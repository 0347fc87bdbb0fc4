// emscripten.js - the JS half of the guest host (see emscripten.c).
// Linked with --js-library; runs inside Emscripten's generated glue.
mergeInto(LibraryManager.library, {
  // (the glue serialises this object: state is created lazily, not here)
  $TideHost: {
    timers: null,
    channel: null,
    macroQueue: [],
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
  },

  // $ENV rides along so every program can take TIDE_* settings from the
  // embedder (Module.ENV), whether or not its C code calls getenv().
  tide_js_now__deps: ['$ENV'],
  tide_js_now: function () {
    return performance.now();
  },

  tide_js_request_turn__deps: ['$TideHost', '$callUserCallback'],
  tide_js_request_turn: function (L, kind) {
    var run = function () {
      callUserCallback(function () {
        _tide__guest_turn(L, kind);
      });
    };
    if (kind === 1) queueMicrotask(run);
    else TideHost.macrotask(run);
  },

  tide_js_arm_timer__deps: ['$TideHost', '$callUserCallback'],
  tide_js_arm_timer: function (L, ms) {
    if (!TideHost.timers) TideHost.timers = new Map();
    var old = TideHost.timers.get(L);
    if (old !== undefined) clearTimeout(old);
    TideHost.timers.set(
      L,
      setTimeout(function () {
        TideHost.timers.delete(L);
        callUserCallback(function () {
          _tide__guest_turn(L, 3);
        });
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
});
