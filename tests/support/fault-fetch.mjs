// fault-fetch.mjs - a seam for making fetch() fail under an Emscripten-built
// Tide program, loaded before it with `node --import`:
//   TIDE_FAULT_FETCH=<mode> node --import ./tests/fault-fetch.mjs \
//       tests/support/em-run.mjs build/em/http_client.mjs base=URL
// Modes:
//   reject    every fetch() rejects with a TypeError, as on a network error
//   throw     fetch() throws synchronously instead of returning a promise
//   body      the response arrives (200) but its body stream errors midway
//   first     the first request for each URL rejects, later ones get a
//             small JSON body (a {"id", "title"} post, as the local test
//             server answers)
//   missing   there is no fetch() at all
// Every call is counted; the count is printed on stderr at exit as
// `FETCH {"calls":N,"failed":M}`.
const mode = process.env.TIDE_FAULT_FETCH ?? 'reject';
const stats = { calls: 0, failed: 0 };
const seen = new Set();

function post(url) {
  const id = Number(/(\d+)\/?$/.exec(url)?.[1] ?? 0);
  return new Response(JSON.stringify({ id, title: `post ${id}` }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}

function failingBody() {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"id": 1, "tit'));
      } else {
        controller.error(new TypeError('terminated (injected)'));
      }
    },
  });
}

if (mode === 'missing') {
  delete globalThis.fetch;
} else {
  globalThis.fetch = function fetch(input) {
    const url = String(input?.url ?? input);
    stats.calls++;
    switch (mode) {
      case 'throw':
        stats.failed++;
        throw new TypeError('fetch is broken (injected)');
      case 'body':
        stats.failed++;
        return Promise.resolve(new Response(failingBody(), { status: 200 }));
      case 'first':
        if (!seen.has(url)) {
          seen.add(url);
          stats.failed++;
          return Promise.reject(new TypeError('fetch failed (injected)'));
        }
        return Promise.resolve(post(url));
      default:
        stats.failed++;
        return Promise.reject(new TypeError('fetch failed (injected)'));
    }
  };
}

process.on('exit', () => {
  process.stderr.write(`FETCH ${JSON.stringify(stats)}\n`);
});
