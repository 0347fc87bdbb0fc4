// serve.mjs - the development server for the live docs page.
//
//   node web/serve.mjs [--port N] [--host H] [--no-isolation]
//                                                 (default 127.0.0.1:8000)
//
// Serves four read-only trees and nothing else:
//   /            -> web/        the page itself
//   /build/em/   -> build/em/   the Emscripten-built programs (.mjs + .wasm)
//   /build/em-mt/ -> build/em-mt/ the same with pthreads (to_thread on Web
//                 Workers; they only load in a cross-origin isolated page)
//   /dist/       -> dist/       the npm package (`make dist`): the page's JS API
//   /examples/   -> examples/   C sources, shown beside the Python
//   /vendor/     -> build/page/vendor/  the page's npm libraries (`make page`)
// and one dynamic path: /api/posts/N, the fake API the rate-limited client
// example fetches from (web/fake-api.mjs).
// Every response carries COOP/COEP/CORP so the page is cross-origin isolated:
// SharedArrayBuffer, and with it Emscripten pthreads for to_thread, need that.
// --no-isolation (start(..., { isolation: false })) leaves COOP/COEP/CORP
// out, to test the page as a host without those headers would serve it.
// start(..., { mounts: [['/', dir]] }) serves other trees instead (the
// package test serves an app that installed the npm package).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { handleApi } from './fake-api.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Longest prefix first, so /build/em/ is not swallowed by /.
const MOUNTS = [
  ['/build/em-mt/', path.join(root, 'build/em-mt')],
  ['/build/em/', path.join(root, 'build/em')],
  ['/dist/', path.join(root, 'dist')],
  ['/examples/', path.join(root, 'examples')],
  ['/vendor/', path.join(root, 'build/page/vendor')],
  ['/', path.join(root, 'web')],
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

// Map a URL path to a file inside one mount, or null. Decoding happens once,
// and the result must stay under the mount's directory: "..", encoded
// slashes, NUL bytes and symlinks pointing outside are all refused.
function resolveFile(urlPath, mounts) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0') || p.includes('\\')) return null;
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

function handle(req, res, headers, mounts) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, headers, 405, 'method not allowed\n');
  }
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/') && handleApi(req, res, url, headers)) return;
  const { pathname } = url;
  const file = resolveFile(pathname, mounts);
  if (!file) return send(res, headers, 404, 'not found\n');
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const { size } = fs.statSync(file);
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': size });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

// Start listening; port 0 picks a free one. Resolves to { server, url, close }.
export function start(port = 8000, host = '127.0.0.1', { isolation = true, mounts = MOUNTS } = {}) {
  const headers = isolation ? { ...ISOLATION, ...ALWAYS } : { ...ALWAYS };
  const server = http.createServer((req, res) => handle(req, res, headers, mounts));
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
  const { url } = await start(port, arg('--host', '127.0.0.1'), { isolation });
  console.log(`Tide docs: ${url}  (Ctrl-C to stop)`);
}
