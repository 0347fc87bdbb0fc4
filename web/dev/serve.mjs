// serve.mjs - the development server for the live docs page.
//
//   node web/dev/serve.mjs [--port N] [--host H] [--no-isolation]
//                                                 (default 127.0.0.1:8000)
//
// Serves these read-only trees and nothing else:
//   /            -> web/page/   the page itself
//   /build/em/   -> build/em/   the Emscripten-built programs (.mjs + .wasm)
//   /build/em-mt/ -> build/em-mt/ the same with pthreads (to_thread on Web
//                 Workers; they only load in a cross-origin isolated page)
//   /dist/       -> dist/       the npm package (`make dist`): the page's JS API
//   /examples/   -> examples/   C sources, shown beside the Python
//   /vendor/     -> build/page/vendor/  the page's npm libraries (`make page`)
// and one dynamic path: /api/posts/N, the fake API the rate-limited client
// example fetches from (web/dev/fake-api.mjs).
// Every response carries COOP/COEP/CORP so the page is cross-origin isolated:
// SharedArrayBuffer, and with it Emscripten pthreads for to_thread, need that.
// --no-isolation (start(..., { isolation: false })) leaves COOP/COEP/CORP
// out, to test the page as a host without those headers would serve it.
// start(..., { mounts: [['/', dir]] }) serves other trees instead (the
// package test serves an app that installed the npm package).
// Only GET and HEAD. A malformed request gets a 4xx saying why (400, 405,
// 408, 414, 431) and the server goes on: bad URLs and percent-encoding,
// "..", "\" and NUL in paths, oversized headers, unknown methods, requests
// that trickle in (LIMITS.requestTimeout); CONNECT gets 405 too; idle
// connections are closed; a client that half-closes after its requests
// still gets their answers (tests/js/serve.test.mjs sends each over a raw
// socket).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { handleApi } from './fake-api.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Longest prefix first, so /build/em/ is not swallowed by /.
const MOUNTS = [
  ['/build/em-mt/', path.join(root, 'build/em-mt')],
  ['/build/em/', path.join(root, 'build/em')],
  ['/dist/', path.join(root, 'dist')],
  ['/examples/', path.join(root, 'examples')],
  ['/vendor/', path.join(root, 'build/page/vendor')],
  ['/', path.join(root, 'web/page')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.c': 'text/plain; charset=utf-8',
  '.h': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const ALWAYS = {
  'X-Content-Type-Options': 'nosniff',
  // A dev server: always serve what `make em` just built.
  'Cache-Control': 'no-store',
};

// Limits against clients that misbehave (start() options may lower them,
// as the tests do). Node's parser answers a request line and headers over
// 16 KiB with 431 itself.
const LIMITS = {
  maxUrl: 4096, // bytes of a request target: longer gets 414
  requestTimeout: 10_000, // ms to receive a whole request: then 408 (slowloris)
  idleTimeout: 120_000, // ms a connection may sit with no traffic (above the fake API's 30 s)
};

// The request target as a decoded path, or { status, why } for one that is
// malformed: not a URL, bad percent-encoding, or a path that could climb
// out of a mount (".." after decoding, "\", NUL). Origin-form ("/a/b")
// and absolute-form ("http://host/a/b") are both accepted.
function requestPath(target, maxUrl) {
  if (target.length > maxUrl) return { status: 414, why: `request target over ${maxUrl} bytes` };
  // (the URL parser would quietly take "\\" for "/" and drop ".." segments)
  if (target.includes('\\') || /(^|\/)(\.|%2e){2}(\/|[?#]|$)/i.test(target))
    return { status: 400, why: 'the path may not hold "..", "\\" or NUL' };
  let url;
  try {
    if (target.startsWith('/')) url = new URL(`http://x${target}`); // not "//host/..."
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else return { status: 400, why: 'the request target is not a path or an http URL' };
  } catch {
    return { status: 400, why: 'the request target is not a valid URL' };
  }
  let p;
  try {
    p = decodeURIComponent(url.pathname);
  } catch {
    return { status: 400, why: 'bad percent-encoding in the path' };
  }
  if (p.includes('\0') || p.includes('\\') || p.split('/').includes('..'))
    return { status: 400, why: 'the path may not hold "..", "\\" or NUL' };
  return { path: p, url };
}

// Map a decoded path to a file inside one mount, or null. The result must
// stay under the mount's directory, symlinks followed: a link pointing
// outside is refused.
function resolveFile(p, mounts) {
  if (p.endsWith('/')) p += 'index.html';
  for (const [prefix, dir] of mounts) {
    if (!p.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + p.slice(prefix.length - 1));
    if (!file.startsWith(dir + path.sep)) return null;
    try {
      const real = fs.realpathSync(file);
      const realDir = fs.realpathSync(dir);
      if (!real.startsWith(realDir + path.sep) || !fs.statSync(real).isFile()) return null;
      return real;
    } catch {
      return null;
    }
  }
  return null;
}

function send(res, headers, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

// The file is opened before its size is read, so that a file rebuilt
// meanwhile (`make em` while serving) is sent whole or not at all; a client
// that goes away mid-response closes the file (pipeline).
function sendFile(req, res, headers, file) {
  let fd, size;
  try {
    fd = fs.openSync(file, 'r');
    size = fs.fstatSync(fd).size;
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    return send(res, headers, 404, 'not found\n');
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': size });
  if (req.method === 'HEAD' || size === 0) {
    fs.closeSync(fd);
    return res.end();
  }
  pipeline(fs.createReadStream(file, { fd, end: Math.max(0, size - 1) }), res, () => {});
}

function handle(req, res, headers, mounts, limits) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, headers, 405, 'method not allowed\n');
  }
  if (req.httpVersion === '1.1' && req.headers.host === undefined)
    return send(res, headers, 400, 'an HTTP/1.1 request needs a Host header\n');
  const target = requestPath(req.url, limits.maxUrl);
  if (target.status) return send(res, headers, target.status, `${target.why}\n`);
  if (target.url.pathname.startsWith('/api/') && handleApi(req, res, target.url, headers)) return;
  const file = resolveFile(target.path, mounts);
  if (!file) return send(res, headers, 404, 'not found\n');
  sendFile(req, res, headers, file);
}

// What the parser could not make a request of: the status for its error.
const CLIENT_ERRORS = {
  HPE_HEADER_OVERFLOW: [431, 'request line and headers over 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
};

function clientErrorResponse(err, headers) {
  let [status, why] = CLIENT_ERRORS[err.code] ?? [400, `malformed request (${err.code ?? err.message})`];
  // a method the parser does not know, rather than bytes that are not HTTP
  // (rawPacket may hold requests before this one: the line that failed)
  if (err.code === 'HPE_INVALID_METHOD' && err.rawPacket) {
    const text = err.rawPacket.toString('latin1');
    const at = Math.min(err.bytesParsed ?? 0, text.length);
    if (/^[A-Z]+ \S+ HTTP\//.test(text.slice(text.lastIndexOf('\n', at - 1) + 1)))
      [status, why] = [405, 'method not allowed'];
  }
  return rawResponse(status, why, headers);
}

// A whole response, with Connection: close, for a socket the server no
// longer parses (a parser error, a CONNECT).
function rawResponse(status, why, headers) {
  const body = `${why}\n`;
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`, 'Connection: close',
    'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`];
  if (status === 405) lines.push('Allow: GET, HEAD');
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

// Connections and the responses under way on them (pipelined requests
// queue up): an error the parser finds on a connection is answered after
// those, so that it does not land in the middle of one.
class Connections {
  #busy = new Map(); // socket -> { count, reject: the error response to send after }

  begin(socket, res) {
    const c = this.#busy.get(socket) ?? { count: 0, reject: null };
    c.count++;
    this.#busy.set(socket, c);
    res.on('close', () => {
      if (--c.count > 0) return;
      this.#busy.delete(socket);
      if (c.reject !== null && socket.writable) socket.end(c.reject);
    });
  }

  reject(err, socket, headers) {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const response = clientErrorResponse(err, headers);
    const c = this.#busy.get(socket);
    if (c) c.reject = response;
    else socket.end(response);
  }
}

// Start listening; port 0 picks a free one. Resolves to { server, url, close }.
// `limits` may lower LIMITS (the tests' timeouts).
export function start(port = 8000, host = '127.0.0.1', { isolation = true, mounts = MOUNTS, limits = {} } = {}) {
  const headers = isolation ? { ...ISOLATION, ...ALWAYS } : { ...ALWAYS };
  const lim = { ...LIMITS, ...limits };
  const connections = new Connections();
  const server = http.createServer({
    requestTimeout: lim.requestTimeout,
    headersTimeout: lim.requestTimeout,
    // how often Node looks for requests over their time (default 30 s)
    connectionsCheckingInterval: Math.max(10, Math.min(1000, lim.requestTimeout / 4)),
    requireHostHeader: false, // handle() says why instead of an empty 400
  }, (req, res) => {
    connections.begin(req.socket, res);
    try {
      handle(req, res, headers, mounts, lim);
    } catch (e) {
      // a bug here must cost one response, not the server
      console.error(`serve: ${req.method} ${req.url}: ${e?.stack ?? e}`);
      if (!res.headersSent) send(res, headers, 500, 'internal error\n');
      else res.destroy();
    }
  });
  server.on('clientError', (err, socket) => connections.reject(err, socket, headers));
  // Node hands CONNECT to this event and, with no listener, drops the
  // connection without a word: answer it as any other method not allowed.
  server.on('connect', (req, socket) => {
    socket.on('error', () => {});
    socket.end(rawResponse(405, 'method not allowed', headers));
  });
  // A client that half-closes after its request (`nc -N`, shutdown(SHUT_WR))
  // still reads the answer; by default Node drops the requests not yet
  // answered when the FIN arrives, and closes at once. (Node has no option
  // for it; this is the field its http.Server reads.)
  server.httpAllowHalfOpen = true;
  server.setTimeout(lim.idleTimeout); // no listener: an idle socket is destroyed
  // Node keeps the first 1000 header fields and drops the rest without a
  // word: a Host after them read as missing (a 400 for the wrong reason), a
  // Connection: close was ignored. The 16 KiB limit on the request line and
  // headers (431) bounds them instead.
  server.maxHeadersCount = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}/`;
      const close = () =>
        new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections(); // keep-alive sockets would hold close() open
        });
      resolve({ server, url, close });
    });
  });
}

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const port = Number(arg('--port', process.env.PORT ?? 8000));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: bad port ${arg('--port')}`);
    process.exit(2);
  }
  const isolation = !process.argv.includes('--no-isolation');
  const host = arg('--host', '127.0.0.1');
  try {
    const { url } = await start(port, host, { isolation });
    console.log(`Tide docs: ${url}  (Ctrl-C to stop)`);
  } catch (e) {
    // a port in use is the usual case: one line, not a stack trace
    const why = e.code === 'EADDRINUSE'
      ? 'address already in use (another server? try --port, or PORT= for make run)'
      : e.message;
    console.error(`serve: cannot listen on ${host}:${port}: ${why}`);
    process.exit(1);
  }
}
