// calls.js - the JS half of host operations (see calls_js.c): C tasks
// awaiting the embedder's async functions, and fetch().
//
// The embedder registers functions as
//     Module.tideFunctions = { name: async (arg, { signal }) => result }
// (web/package/tide.mjs: the `functions` option of start()). `arg` is the parsed JSON the C
// side passed (undefined if it passed NULL); the result goes back as JSON.
// `signal` aborts when the C task stops waiting (cancelled, timed out).
//
// Each operation is keyed by its C pointer while C waits on it. When C
// gives up (tide_js_op_abort) the entry is removed first, so a late
// settlement finds nothing and never touches freed C memory.
// Linked with --js-library, after emscripten.js (whose TideHost enters C
// code and TideStrings names the string helpers); runs inside Emscripten's
// generated glue. (addToLibrary: Emscripten 3.1.45 and later.)
(typeof addToLibrary === 'function' ? addToLibrary : function (lib) {
  mergeInto(LibraryManager.library, lib);
})({
  // (the glue serialises this object: state is created lazily, not here)
  $TideOps__deps: ['$TideHost', '$TideStrings'],
  $TideOps: {
    live: null,
    // Error codes from include/tide.h (calls_js.c checks they still match).
    ECANCELLED: -1,
    ENOMEM: -3,
    EINVAL: -4,
    ENOTSUP: -13,
    EHOST: -20,

    track: function (op, controller) {
      if (!TideOps.live) TideOps.live = new Map();
      var entry = { controller: controller };
      TideOps.live.set(op, entry);
      return entry;
    },

    // A readable one-line description of whatever was thrown.
    describe: function (e) {
      try {
        if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
          var text = e.message || String(e.name || 'Error');
          var cause = e.cause;
          if (cause && (cause.message || cause.code))
            text += ' (' + (cause.message || cause.code) + ')';
          return text;
        }
        return String(e);
      } catch (_) {
        return 'an exception that cannot be shown';
      }
    },

    // Copy text into a C buffer owned by the operation.
    write: function (op, text) {
      var len = lengthBytesUTF8(text);
      var p = _tide__js_op_text(op, len);
      if (!p) return false;
      stringToUTF8(text, p, len + 1);
      return true;
    },

    // An immediate failure (C is still inside the start call).
    fail: function (op, status, text) {
      TideOps.write(op, text);
      return status;
    },

    // Take the entry if C still waits on it (the caller then owns op).
    claim: function (op, entry) {
      if (!TideOps.live || TideOps.live.get(op) !== entry) return false;
      TideOps.live.delete(op);
      return true;
    },

    settle: function (op, entry, status, text) {
      if (!TideOps.claim(op, entry)) return; // aborted: nobody waits
      TideHost.enter(function () {
        if (text !== undefined && !TideOps.write(op, text) && status === 0)
          status = TideOps.ENOMEM;
        _tide__js_op_settle(op, status);
      });
    },

    // Hand a fetched response to C: one block with the texts and the body.
    deliver: function (op, entry, res, bytes) {
      if (!TideOps.claim(op, entry)) return;
      TideHost.enter(function () {
        var strings = [res.statusText || '', res.url || ''];
        var n = 0;
        res.headers.forEach(function (value, name) {
          strings.push(name, value);
          n++;
        });
        var meta = 0;
        for (var i = 0; i < strings.length; i++) meta += lengthBytesUTF8(strings[i]) + 1;
        var p = _tide__js_http_area(op, res.status, n, meta, bytes.length);
        if (!p) {
          TideOps.write(op, 'cannot allocate ' + (meta + bytes.length) + ' bytes for the response');
          _tide__js_op_settle(op, TideOps.ENOMEM);
          return;
        }
        for (var j = 0; j < strings.length; j++) {
          var len = lengthBytesUTF8(strings[j]);
          stringToUTF8(strings[j], p, len + 1);
          p += len + 1;
        }
        HEAPU8.set(bytes, p); // (read HEAPU8 now: the allocation may have grown memory)
        _tide__js_op_settle(op, 0);
      });
    },

    tooBig: function (limit, size) {
      return {
        tideStatus: TideOps.ENOMEM,
        message: 'response body ' + (size ? 'of ' + size + ' bytes ' : '') +
          'exceeds the limit of ' + limit + ' bytes (max_body, TIDE_HTTP_MAX_BODY)',
      };
    },

    // fetch() and read the whole body, refusing more than `limit` bytes.
    fetchAll: function (url, init, limit) {
      var started;
      try {
        started = fetch(url, init); // it may throw rather than reject
      } catch (e) {
        return Promise.reject(e);
      }
      return started.then(function (res) {
        var declared = res.headers.get('content-length');
        if (declared !== null && Number(declared) > limit) {
          if (res.body) res.body.cancel().catch(function () {});
          throw TideOps.tooBig(limit, Number(declared));
        }
        if (!res.body) return { response: res, bytes: new Uint8Array(0) };
        var reader = res.body.getReader();
        var chunks = [];
        var total = 0;
        var pump = function () {
          return reader.read().then(function (step) {
            if (step.done) {
              var bytes = new Uint8Array(total);
              var at = 0;
              for (var i = 0; i < chunks.length; i++) {
                bytes.set(chunks[i], at);
                at += chunks[i].length;
              }
              return { response: res, bytes: bytes };
            }
            total += step.value.length;
            if (total > limit) {
              reader.cancel().catch(function () {});
              throw TideOps.tooBig(limit, 0);
            }
            chunks.push(step.value);
            return pump();
          });
        };
        return pump().catch(function (e) {
          if (e && e.tideStatus) throw e;
          throw { tideStatus: TideOps.EHOST, message: 'reading the response body failed: ' + TideOps.describe(e) };
        });
      });
    },
  },

  tide_js_call_start__deps: ['$TideOps'],
  tide_js_call_start: function (op, namePtr, argPtr) {
    var name = UTF8ToString(namePtr);
    var fns = Module['tideFunctions'];
    var fn = fns !== null && typeof fns === 'object' &&
      Object.prototype.hasOwnProperty.call(fns, name) ? fns[name] : undefined;
    if (typeof fn !== 'function')
      return TideOps.fail(op, TideOps.EINVAL, "no host function '" + name +
        "' (register it in the functions option of start())");
    var arg;
    if (argPtr) {
      try {
        arg = JSON.parse(UTF8ToString(argPtr));
      } catch (e) {
        return TideOps.fail(op, TideOps.EINVAL, "host function '" + name +
          "': the argument is not valid JSON: " + TideOps.describe(e));
      }
    }
    var controller = new AbortController();
    var pending;
    try {
      // Promise.resolve may call a thenable's `then` getter: inside the try.
      pending = Promise.resolve(fn(arg, { signal: controller.signal }));
    } catch (e) {
      return TideOps.fail(op, TideOps.EHOST, "host function '" + name + "' threw: " +
        TideOps.describe(e));
    }
    var entry = TideOps.track(op, controller);
    pending.then(
      function (value) {
        var json;
        try {
          json = value === undefined ? 'null' : JSON.stringify(value);
        } catch (e) {
          TideOps.settle(op, entry, TideOps.EHOST, "host function '" + name +
            "' returned a value that is not JSON-serialisable: " + TideOps.describe(e));
          return;
        }
        if (typeof json !== 'string') {
          TideOps.settle(op, entry, TideOps.EHOST, "host function '" + name +
            "' returned a " + typeof value + ', which is not JSON-serialisable');
          return;
        }
        TideOps.settle(op, entry, 0, json);
      },
      function (e) {
        TideOps.settle(op, entry, TideOps.EHOST, TideOps.describe(e));
      }
    );
    return 0;
  },

  tide_js_http_start__deps: ['$TideOps'],
  tide_js_http_start: function (op, methodPtr, urlPtr, headersPtr, nHeaders, bodyPtr, bodyLen, maxBody) {
    if (typeof fetch !== 'function')
      return TideOps.fail(op, TideOps.ENOTSUP, 'fetch() is not available in this JavaScript environment');
    var headers = [];
    for (var i = 0; i < nHeaders; i++) {
      var at = (headersPtr >> 2) + 2 * i;
      headers.push([UTF8ToString(HEAPU32[at]), UTF8ToString(HEAPU32[at + 1])]);
    }
    bodyLen = bodyLen >>> 0;
    var controller = new AbortController();
    var init = {
      method: UTF8ToString(methodPtr),
      headers: headers,
      signal: controller.signal,
      // a copy: the C buffer may be freed or moved while the request runs
      body: bodyPtr && bodyLen ? HEAPU8.slice(bodyPtr, bodyPtr + bodyLen) : undefined,
    };
    var entry = TideOps.track(op, controller);
    TideOps.fetchAll(UTF8ToString(urlPtr), init, maxBody >>> 0).then(
      function (r) {
        TideOps.deliver(op, entry, r.response, r.bytes);
      },
      function (e) {
        if (e && e.tideStatus) TideOps.settle(op, entry, e.tideStatus, e.message);
        else TideOps.settle(op, entry, TideOps.EHOST, TideOps.describe(e));
      }
    );
    return 0;
  },

  tide_js_op_abort__deps: ['$TideOps'],
  tide_js_op_abort: function (op, reasonPtr) {
    var entry = TideOps.live && TideOps.live.get(op);
    if (!entry) return;
    TideOps.live.delete(op);
    var why = 'the Tide task awaiting this was cancelled' +
      (reasonPtr ? ': ' + UTF8ToString(reasonPtr) : '');
    // Abort listeners are the embedder's code: run them in a job of their
    // own, not inside the loop turn that cancelled the task.
    queueMicrotask(function () {
      try {
        entry.controller.abort(new DOMException(why, 'AbortError'));
      } catch (e) {
        // a listener threw: nothing waits on this operation any more
      }
    });
  },

  tide_js_has_fetch: function () {
    return typeof fetch === 'function' ? 1 : 0;
  },
});
