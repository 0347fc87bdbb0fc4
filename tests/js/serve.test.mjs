// serve.test.mjs - web/dev/serve.mjs under abuse, over raw sockets (node:net):
// every malformed request gets a 4xx and a clear reason, and the server
// answers a good request afterwards; nothing outside its roots is served;
// pipelined requests, HEAD, slowloris clients (a timeout), clients that
// half-close after their requests (answered), stop reading or go away
// mid-response (the file is closed). Needs `make page`
// for nothing: it serves web/ and a scratch folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/hosts.mjs';
import { start } from '../../web/dev/serve.mjs';
import { latency } from '../../web/dev/fake-api.mjs';

const REQUEST_TIMEOUT = 400; // ms (the server's default is 10 s)
let web, scratch, dir;

before(async () => {
  // the page's own mounts, as `make run` serves them
  web = await start(0, '127.0.0.1', { limits: { requestTimeout: REQUEST_TIMEOUT } });
  // a tree with a secret beside it and links that point in and out
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-serve-'));
  const top = path.join(dir, 'root');
  fs.mkdirSync(path.join(top, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(top, 'index.html'), '<p>scratch</p>\n');
  fs.writeFileSync(path.join(top, 'sub/ok.txt'), 'ok\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'SECRET\n');
  fs.writeFileSync(path.join(top, 'big.bin'), Buffer.alloc(32 << 20, 7));
  fs.symlinkSync('../secret.txt', path.join(top, 'link-out.txt'));
  fs.symlinkSync('sub/ok.txt', path.join(top, 'link-in.txt'));
  scratch = await start(0, '127.0.0.1', {
    mounts: [['/', top]],
    limits: { requestTimeout: REQUEST_TIMEOUT, idleTimeout: 500 },
  });
});

after(async () => {
  await web?.close();
  await scratch?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const portOf = (s) => s.server.address().port;

// Opens a connection, sends `pieces` (strings or Buffers) `gap` ms apart,
// and resolves with all the server sent until it closed the connection.
// `end`: half-close (send FIN) after the last piece, and read on.
function exchange(server, pieces, { gap = 0, timeout = 10_000, end = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(portOf(server), '127.0.0.1');
    const chunks = [];
    let timer;
    const give = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the server kept the connection open past ${timeout} ms`));
    }, timeout);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {}); // a reset after the answer is fine
    sock.on('close', () => {
      clearTimeout(give);
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    const list = [].concat(pieces);
    const next = () => {
      if (list.length === 0 || sock.destroyed) return;
      sock.write(list.shift());
      if (list.length) timer = setTimeout(next, gap);
      else if (end) sock.end();
    };
    sock.on('connect', next);
  });
}

// The responses in `text`, in order: status, headers, body (not for HEAD).
function responses(text) {
  const out = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + body.length);
  }
  assert.equal(rest, '', 'bytes after the last response');
  return out;
}

const closing = 'Host: x\r\nConnection: close\r\n\r\n';

async function goodRequest(server, path = '/', expect = /<!doctype html>|scratch/) {
  const [r] = responses(await exchange(server, `GET ${path} HTTP/1.1\r\n${closing}`));
  assert.equal(r.status, 200);
  assert.match(r.body, expect);
}

// [what, request, status, reason in the body]
const MALFORMED = [
  ['absolute-form with port 99999', `GET http://a:99999/ HTTP/1.1\r\n${closing}`, 400, /not a valid URL/],
  ['absolute-form with a broken IPv6 host', `GET http://[::1/ HTTP/1.1\r\n${closing}`, 400, /not a valid URL/],
  ['absolute-form with a percent-encoded host', `GET http://%zz/ HTTP/1.1\r\n${closing}`, 400, /not a valid URL/],
  ['bad percent-encoding', `GET /a%zz HTTP/1.1\r\n${closing}`, 400, /percent-encoding/],
  ['overlong UTF-8 dots', `GET /%c0%ae%c0%ae/x HTTP/1.1\r\n${closing}`, 400, /percent-encoding/],
  ['.. segments', `GET /../../etc/passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['encoded .. segments', `GET /%2e%2e/%2E%2e/etc/passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['..%2f', `GET /..%2f..%2fetc/passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['.. in absolute-form', `GET http://x/a/../../etc/passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['backslashes', `GET /..\\..\\etc\\passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['%5c', `GET /..%5c..%5cetc/passwd HTTP/1.1\r\n${closing}`, 400, /"\.\."/],
  ['encoded NUL', `GET /index.html%00.svg HTTP/1.1\r\n${closing}`, 400, /NUL/],
  ['raw NUL', `GET /index\0.html HTTP/1.1\r\n${closing}`, 400, /malformed/],
  ['asterisk-form', `GET * HTTP/1.1\r\n${closing}`, 400, /not a path/],
  ['a target without "/"', `GET index.html HTTP/1.1\r\n${closing}`, 400, /malformed/],
  ['a 5000-byte target', `GET /${'a'.repeat(5000)} HTTP/1.1\r\n${closing}`, 414, /over 4096 bytes/],
  ['a 20000-byte target', `GET /${'a'.repeat(20000)} HTTP/1.1\r\n${closing}`, 431, /16 KiB/],
  ['a 20000-byte header', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20000)}\r\n\r\n`, 431, /16 KiB/],
  ['3000 headers', `GET / HTTP/1.1\r\nHost: x\r\n${'X-Header: value\r\n'.repeat(3000)}\r\n`, 431, /16 KiB/],
  ['an unknown method', `FROB / HTTP/1.1\r\n${closing}`, 405, /method not allowed/],
  ['POST with a body', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`, 405, /method not allowed/],
  ['DELETE', `DELETE /index.html HTTP/1.1\r\n${closing}`, 405, /method not allowed/],
  ['CONNECT', 'CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n', 405, /method not allowed/],
  ['a header without a colon', `GET / HTTP/1.1\r\nHost x\r\n\r\n`, 400, /malformed/],
  ['Content-Length and Transfer-Encoding', `GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, /malformed/],
  ['HTTP/3.0', `GET / HTTP/3.0\r\n${closing}`, 400, /malformed/],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 400, /needs a Host header/],
  ['a TLS hello', Buffer.from([0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3]), 400, /malformed/],
];

for (const [what, request, status, reason] of MALFORMED) {
  test(`${what}: ${status}, and the server goes on serving`, async () => {
    const [r, ...more] = responses(await exchange(web, request));
    assert.deepEqual(more, []);
    assert.equal(r.status, status);
    assert.match(r.body, reason);
    if (status === 405) assert.equal(r.headers.allow, 'GET, HEAD');
    await goodRequest(web);
  });
}

test('1900 short header fields within 16 KiB: every one is read, Host and Connection last included', async () => {
  // (Node keeps the first 1000 fields by default and drops the rest unsaid)
  const r = responses(await exchange(web, `GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(1900)}${closing}`));
  assert.deepEqual(r.map((x) => x.status), [200]);
  await goodRequest(web);
});

test('HEAD: the headers of GET, no body', async () => {
  const size = fs.statSync(path.join(root, 'web/page/index.html')).size;
  const text = await exchange(web, `HEAD /index.html HTTP/1.1\r\n${closing}`);
  const [headers, body] = text.split('\r\n\r\n');
  assert.match(headers, /^HTTP\/1\.1 200 /);
  assert.match(headers, new RegExp(`\r\nContent-Length: ${size}\r\n`, 'i'));
  assert.equal(body, '');
  const missing = await exchange(web, `HEAD /nope.html HTTP/1.1\r\n${closing}`);
  assert.match(missing, /^HTTP\/1\.1 404 /);
  assert.equal(missing.split('\r\n\r\n')[1], '');
});

test('pipelined requests are answered in order; a bad one after good ones is answered after them', async () => {
  const get = (p, last) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
  let rs = responses(await exchange(web, get('/favicon.svg') + get('/index.html') + get('/nope') + get('/style.css', true)));
  assert.deepEqual(rs.map((r) => r.status), [200, 200, 404, 200]);
  assert.match(rs[0].body, /^<svg/);
  assert.match(rs[1].body, /^<!doctype html>/);
  assert.equal(rs[3].body, fs.readFileSync(path.join(root, 'web/page/style.css'), 'latin1'));
  rs = responses(await exchange(web, get('/favicon.svg') + 'FROB / HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.deepEqual(rs.map((r) => r.status), [200, 405]);
  rs = responses(await exchange(web, get('/favicon.svg') + 'GARBAGE\r\n\r\n'));
  assert.deepEqual(rs.map((r) => r.status), [200, 400]);
  await goodRequest(web);
});

test('a client that half-closes after its requests still gets every answer', async () => {
  const get = (p, last) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
  let rs = responses(await exchange(web, get('/favicon.svg'), { end: true }));
  assert.deepEqual(rs.map((r) => r.status), [200]);
  assert.match(rs[0].body, /^<svg/);
  rs = responses(await exchange(web, get('/favicon.svg') + get('/nope') + get('/style.css', true), { end: true }));
  assert.deepEqual(rs.map((r) => r.status), [200, 404, 200]);
  rs = responses(await exchange(web, `GET /api/posts/3?fail=0&delay=0.05&run=fin-${process.pid} HTTP/1.1\r\nHost: x\r\n\r\n`, { end: true }));
  assert.deepEqual(rs.map((r) => r.status), [200]);
  assert.equal(JSON.parse(rs[0].body).id, 3);
  // a request cut short by the FIN is still a 400 saying why
  rs = responses(await exchange(web, 'GET / HTTP/1.1\r\nHost: x\r\n', { end: true }));
  assert.deepEqual(rs.map((r) => r.status), [400]);
  assert.match(rs[0].body, /malformed request/);
  await goodRequest(web);
});

test('slowloris: headers that keep trickling in get 408; others are served meanwhile', async () => {
  const trickle = ['GET / HTTP/1.1\r\nHost: x\r\n', ...Array(100).fill('X-Slow: 1\r\n')];
  const slow = exchange(web, trickle, { gap: 50 });
  await goodRequest(web);
  const [r] = responses(await slow);
  assert.equal(r.status, 408);
  assert.match(r.body, /did not arrive in time/);
  const silent = responses(await exchange(web, 'GET / HTTP/1.1\r\n'));
  assert.deepEqual(silent.map((x) => x.status), [408]);
  await goodRequest(web);
});

test('a slow answer is not a slow request: the fake API may take longer than the request timeout', async () => {
  const q = { delay: 1.2, fail: 0, seed: 1 };
  assert.ok(latency(q, 5, 1) * 1000 > REQUEST_TIMEOUT * 1.5, 'the test needs a longer delay');
  const [r] = responses(await exchange(web, `GET /api/posts/5?delay=${q.delay}&fail=0&seed=1&run=serve-${process.pid} HTTP/1.1\r\n${closing}`));
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).id, 5);
});

test('the fake API refuses settings out of range or unknown with a 400 naming them, and counts no attempt', async () => {
  const run = `bad-${process.pid}`;
  const cases = [
    ['fail=abc', 'fail must be a number from 0 to 1, not "abc"'],
    ['fail=2', 'fail must be a number from 0 to 1, not "2"'],
    ['hang=NaN', 'hang must be a number from 0 to 1, not "NaN"'],
    ['delay=-1', 'delay must be a number from 0 to 30, not "-1"'],
    ['delay=1e9', 'delay must be a number from 0 to 30, not "1e9"'],
    ['delay=', 'delay must be a number from 0 to 30, not ""'],
    ['seed=x', 'seed must be a whole number from 0 to 2147483647, not "x"'],
    ['seed=1.5', 'seed must be a whole number from 0 to 2147483647, not "1.5"'],
    ['fail=0&color=red', 'unknown setting "color" (known: fail, hang, delay, seed, run)'],
    ['fail=0&fail=1', 'fail given more than once'],
    ['run=a&run=b', 'run given more than once'],
  ];
  for (const [query, why] of cases) {
    const [r] = responses(await exchange(web, `GET /api/posts/3?${query}&run=${run} HTTP/1.1\r\n${closing}`));
    assert.deepEqual([r.status, r.body], [400, `bad query: ${why}\n`], query);
  }
  // none of them was an attempt of the run: the first good request is its first
  const text = await exchange(web, `GET /api/posts/3?fail=0&delay=0&run=${run} HTTP/1.1\r\n${closing}`);
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /\r\nX-Attempt: 1\r\n/i);
});

test('nothing outside the roots: links out, traversal, directories', async () => {
  for (const p of ['/link-out.txt', '/sub', '/sub/', '/secret.txt', '/root/index.html']) {
    const [r] = responses(await exchange(scratch, `GET ${p} HTTP/1.1\r\n${closing}`));
    assert.equal(r.status, 404, p);
  }
  for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/sub/..%2f..%2fsecret.txt',
    '/.%2e/secret.txt', '/..\\secret.txt', 'http://x/../secret.txt', '/%2e%2e%5csecret.txt']) {
    const text = await exchange(scratch, `GET ${p} HTTP/1.1\r\n${closing}`);
    assert.match(text, /^HTTP\/1\.1 400 /, p);
    assert.doesNotMatch(text, /SECRET/, p);
  }
  await goodRequest(scratch, '/link-in.txt', /^ok\n$/);
  await goodRequest(scratch, '/sub/ok.txt', /^ok\n$/);
  await goodRequest(scratch, '//sub//ok.txt', /^ok\n$/); // not the host "sub"
});

// The server's open files that are big.bin (the tests share its process).
function bigFileOpen() {
  const fds = `/proc/${process.pid}/fd`;
  return fs.readdirSync(fds).some((fd) => {
    try {
      return fs.readlinkSync(path.join(fds, fd)).endsWith(`${path.sep}big.bin`);
    } catch {
      return false; // closed meanwhile
    }
  });
}

async function until(what, check, ms = 5000) {
  for (const t0 = Date.now(); !check(); ) {
    if (Date.now() - t0 > ms) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a client that goes away mid-response, or stops reading, leaves no file open', { skip: !fs.existsSync('/proc/self/fd') }, async () => {
  // goes away after the first bytes
  await new Promise((resolve) => {
    const sock = net.connect(portOf(scratch), '127.0.0.1', () => sock.write(`GET /big.bin HTTP/1.1\r\n${closing}`));
    sock.once('data', () => {
      assert.ok(bigFileOpen(), 'the file is being sent');
      sock.destroy();
      resolve();
    });
  });
  await until('closing big.bin after the client left', () => !bigFileOpen());
  await goodRequest(scratch);
  // reads nothing: the idle timeout (500 ms here) ends the connection
  const sock = net.connect(portOf(scratch), '127.0.0.1', () => sock.write(`GET /big.bin HTTP/1.1\r\n${closing}`));
  sock.pause();
  sock.on('error', () => {});
  await until('sending big.bin', bigFileOpen);
  await until('closing big.bin for a client that reads nothing', () => !bigFileOpen());
  sock.destroy();
  await goodRequest(scratch);
});

test('serve.mjs on a port already taken, or a host that does not resolve: one line saying so, status 1', () => {
  const serve = path.join(root, 'web/dev/serve.mjs');
  for (const [args, why] of [[['--port', String(portOf(web))], /^serve: cannot listen on 127\.0\.0\.1:\d+: address already in use \(another server\? try --port, or PORT= for make run\)\n$/],
    [['--port', '0', '--host', 'no-such-host.invalid'], /^serve: cannot listen on no-such-host\.invalid:0: .*ENOTFOUND.*\n$/]]) {
    const r = spawnSync(process.execPath, [serve, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stdout, '');
  }
});
