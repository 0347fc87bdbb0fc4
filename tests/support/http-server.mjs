// http-server.mjs - a local HTTP server for the host and HTTP tests, on
// 127.0.0.1 only. It misbehaves on purpose:
//
//   /posts/N      the rate-limited client's API (see POSTS below): delays,
//                 500s, a dropped connection, a slow body, a hang
//   /slow/N       every post takes 400 ms: shows the concurrency limit
//   /api/...      single behaviours for tests/c/test_host.c: json, echo,
//                 status/N, redirect, drop, drop-body, slow, hang/T,
//                 stall/T (headers, then the body stops), big?n=N[&chunked=1]
//   /api/stats    what the server saw (hits, aborted requests, timings)
//
// For the browser test it also serves a blank page at /, the built
// programs under /build/em/ and tests/support/host-fixtures.mjs, with the same
// cross-origin isolation headers as web/dev/serve.mjs.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './hosts.mjs';
import { postTitle } from './host-fixtures.mjs';

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  // A fresh connection per request: browsers may silently retry a request
  // that failed on a reused keep-alive socket, which would hide the faults.
  Connection: 'close',
};

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

// How /posts/N behaves on attempt k (1-based).
const POSTS = {
  2: () => ({ delay: 200 }),
  3: (k) => (k <= 2 ? { status: 500 } : {}),
  4: (k) => (k === 1 ? { drop: true } : {}),
  5: () => ({ slowBody: true }),
  6: () => ({ status: 500 }),
  7: () => ({ hang: true }),
  9: () => ({ delay: 100 }),
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startApi() {
  const stats = { hits: {}, aborted: {}, times: {}, inflight: 0, maxInflight: 0 };
  const t0 = Date.now();

  function track(req, res, key, counted) {
    stats.hits[key] = (stats.hits[key] ?? 0) + 1;
    (stats.times[key] ??= []).push(Date.now() - t0);
    if (counted) {
      stats.inflight++;
      stats.maxInflight = Math.max(stats.maxInflight, stats.inflight);
    }
    res.on('close', () => {
      if (counted) stats.inflight--;
      if (!res.writableFinished) stats.aborted[key] = (stats.aborted[key] ?? 0) + 1;
    });
  }

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { ...ISOLATION, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  async function post(req, res, n, how) {
    if (how.drop) return req.socket.destroy();
    if (how.hang) return; // never answers; the client's timeout must fire
    if (how.delay) await sleep(how.delay);
    if (how.status) return send(res, how.status, `status ${how.status}`);
    const body = JSON.stringify({ userId: 1, id: n, title: postTitle(n), body: 'text\nwith "quotes" \\ and \u00e9' });
    if (!how.slowBody) return send(res, 200, body, { 'Content-Type': 'application/json' });
    res.writeHead(200, { ...ISOLATION, 'Content-Type': 'application/json' });
    for (let i = 0; i < body.length; i += 40) {
      res.write(body.slice(i, i + 40));
      await sleep(30);
    }
    res.end();
  }

  async function api(req, res, url, name) {
    const [what, arg] = name.split('/');
    switch (what) {
      case 'json':
        return send(res, 200, '{"hello":"world"}', { 'Content-Type': 'application/json', 'X-Tide': 'yes' });
      case 'echo': {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const body = Buffer.concat(chunks);
        return send(res, 200, JSON.stringify({ method: req.method, test: req.headers['x-test'], length: body.length, body: body.toString('utf8') }));
      }
      case 'status':
        return send(res, Number(arg), `status ${arg}`);
      case 'redirect':
        res.writeHead(302, { ...ISOLATION, Location: '/api/json', 'Content-Length': 0 });
        return res.end();
      case 'drop':
        return req.socket.destroy();
      case 'drop-body':
        res.writeHead(200, { ...ISOLATION, 'Content-Length': 100 });
        res.write('only ten b');
        await sleep(20);
        return req.socket.destroy();
      case 'slow':
        res.writeHead(200, ISOLATION);
        for (let i = 0; i < 4; i++) {
          res.write(`chunk${i}`);
          await sleep(40);
        }
        return res.end();
      case 'hang':
        return;
      case 'stall':
        res.writeHead(200, { ...ISOLATION, 'Content-Length': 100 });
        res.write('partial');
        return;
      case 'big': {
        const n = Number(url.searchParams.get('n'));
        const body = Buffer.alloc(n, 'x');
        if (!url.searchParams.get('chunked')) return send(res, 200, body);
        res.writeHead(200, ISOLATION);
        for (let i = 0; i < n; i += 1000) res.write(body.subarray(i, i + 1000));
        return res.end();
      }
      case 'stats':
        return send(res, 200, JSON.stringify(stats), { 'Content-Type': 'application/json' });
      default:
        return send(res, 404, 'no such behaviour\n');
    }
  }

  function serveFile(res, file) {
    let data;
    try {
      data = fs.readFileSync(file);
    } catch {
      return send(res, 404, 'not found\n');
    }
    send(res, 200, data, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const p = url.pathname;
    let m;
    if ((m = /^\/posts\/(\d+)$/.exec(p))) {
      track(req, res, p, true);
      const n = Number(m[1]);
      return post(req, res, n, POSTS[n]?.(stats.hits[p]) ?? {});
    }
    if ((m = /^\/slow\/(\d+)$/.exec(p))) {
      track(req, res, p, true);
      return post(req, res, Number(m[1]), { delay: 400 });
    }
    if (p.startsWith('/api/')) {
      track(req, res, p, false);
      return api(req, res, url, p.slice(5));
    }
    if (p === '/') return send(res, 200, '<!doctype html><title>tide host tests</title>', { 'Content-Type': 'text/html' });
    if (p === '/tests/support/host-fixtures.mjs') return serveFile(res, path.join(root, 'tests/support/host-fixtures.mjs'));
    if ((m = /^\/build\/em\/([\w-]+\.(?:mjs|wasm))$/.exec(p))) return serveFile(res, path.join(root, 'build/em', m[1]));
    send(res, 404, 'not found\n');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      // a request it cannot carry out (/api/status/abc, /api/big?n=-1):
      // say why, rather than drop the connection like /api/drop does
      if (res.headersSent || res.destroyed) return res.destroy();
      send(res, 400, `bad request: ${e.message}\n`);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    stats,
    reset() {
      Object.assign(stats, { hits: {}, aborted: {}, times: {}, inflight: 0, maxInflight: 0 });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // hanging requests would hold close() open
      }),
  };
}
