// compile-worker.mjs - the page's C compiler, in a Web Worker: clang from
// @yowasp/clang (vendored at /vendor/yowasp-clang/ by `make page`), run with
// tide-cc's own flags (wasi/flags.mjs, served in /dist/wasi/), on the edited
// file alone, linked with the prebuilt Tide for wasm32-wasip1
// (/dist/wasi/lib/libtide.a). Loaded only when someone edits.
//
// The toolchain's files (about 105 MB) are kept in the Cache API under a
// name with its version, so a second visit compiles without downloading;
// the dev server sends no-store, so HTTP caching alone would not do.
//
// Messages in:  { kind: 'load' }, { kind: 'compile', id, file, source, extra }
//               (extra: { 'params.h': text, ... }, files beside it)
// Messages out: { kind: 'progress', done, total }, { kind: 'ready', ms }
//               { kind: 'load-failed', message }
//               { kind: 'compiled', id, ok, wasm?, diagnostics, ms }
//               { kind: 'error', message } (a message of unknown kind)
import { MOUNT, tideCcArgs, unmountText, NO_MAIN_MESSAGE, lacksMain } from '/dist/wasi/flags.mjs';

const CLANG = '/vendor/yowasp-clang/';
const WORK = `${MOUNT}/work`;
const PROGRESS_EVERY_MS = 250;

// Fetches through the Cache API: a hit is served from it, a miss fetched
// and stored (only the toolchain's own files; they never change under one
// version).
function cachingFetch(cacheName) {
  const plain = globalThis.fetch.bind(globalThis);
  if (!globalThis.caches) return plain; // (not a secure context)
  const opened = caches.open(cacheName).catch(() => null);
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input, location.href);
    const cache = url.pathname.startsWith(CLANG) ? await opened : null;
    const hit = cache && (await cache.match(url));
    if (hit) return hit;
    const response = await plain(input, init);
    if (!response.ok) throw new Error(`could not download ${url.pathname}: HTTP ${response.status}`);
    if (!cache) return response;
    // stored whole before it is handed on, so that a visit that ends
    // mid-download leaves no half file behind
    await cache.put(url, response.clone()).catch(() => {});
    return response;
  };
}

let toolchain = null; // the loading, then loaded, compiler
let tideFiles = null; // tide.h and libtide.a

async function getBytes(url, text = false) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`could not download ${url}: HTTP ${r.status}`);
  return text ? r.text() : new Uint8Array(await r.arrayBuffer());
}

async function load() {
  const t0 = performance.now();
  const pkg = JSON.parse(await getBytes(`${CLANG}package.json`, true));
  const cacheName = `tide-clang-${pkg.version}`;
  if (globalThis.caches) {
    for (const k of await caches.keys()) if (k.startsWith('tide-clang-') && k !== cacheName) await caches.delete(k);
  }
  // @yowasp/clang fetches with the global fetch it finds when it loads
  globalThis.fetch = cachingFetch(cacheName);
  const mod = await import(`${CLANG}gen/bundle.js`);
  let last = 0;
  await mod.runLLVM(null, {}, {
    fetchProgress: ({ doneLength, totalLength }) => {
      const now = performance.now();
      // (a few messages a second: each one is a task and a repaint on the
      // page's main thread, which the compile must leave free)
      if (now - last < PROGRESS_EVERY_MS && doneLength < totalLength) return;
      last = now;
      postMessage({ kind: 'progress', done: doneLength, total: totalLength });
    },
  });
  const [header, lib] = await Promise.all([getBytes('/dist/include/tide.h', true), getBytes('/dist/wasi/lib/libtide.a')]);
  tideFiles = { header, lib };
  postMessage({ kind: 'ready', ms: Math.round(performance.now() - t0) });
  return mod;
}

const decoder = new TextDecoder();
function textOf(chunks) {
  return unmountText(chunks.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode());
}

async function compile({ id, file, source, extra = {} }) {
  const mod = await ensureLoaded();
  const t0 = performance.now();
  const out = 'program.wasm';
  // (the output's path absolute: the toolchain's linker has no working folder)
  const { args } = tideCcArgs([file, '-o', `${WORK}/${out}`, '-fno-color-diagnostics'], {
    include: `${MOUNT}/include`,
    libtide: `${MOUNT}/lib/libtide.a`,
  });
  const tree = {
    host: {
      work: { [file]: source, ...extra },
      include: { 'tide.h': tideFiles.header },
      lib: { 'libtide.a': tideFiles.lib },
    },
  };
  const chunks = [];
  const sink = (bytes) => {
    if (bytes) chunks.push(bytes.slice());
  };
  let status = 0;
  let files;
  try {
    files = await mod.commands.clang(['-working-directory', WORK, ...args], tree, { stdout: sink, stderr: sink, decodeASCII: false });
  } catch (e) {
    if (!(e instanceof mod.Exit)) throw e;
    status = e.code;
    files = e.files;
  }
  let wasm = status === 0 ? files?.host?.work?.[out] : undefined;
  let diagnostics = textOf(chunks);
  if (wasm && lacksMain(wasm)) {
    // it would trap as it starts: a link error, as tide-cc says it
    wasm = undefined;
    diagnostics += `wasm-ld: error: ${NO_MAIN_MESSAGE}\n`;
  }
  const ms = Math.round(performance.now() - t0);
  if (wasm) postMessage({ kind: 'compiled', id, ok: true, wasm, diagnostics, ms }, [wasm.buffer]);
  else postMessage({ kind: 'compiled', id, ok: false, diagnostics: diagnostics || `clang failed (status ${status}) and said nothing`, ms });
}

// Starts loading the toolchain unless it is loading or loaded; a failed
// load is reported and forgotten, so that the next Run tries again.
function ensureLoaded() {
  if (!toolchain) {
    toolchain = load();
    toolchain.catch((e) => {
      toolchain = null;
      postMessage({ kind: 'load-failed', message: e.message });
    });
  }
  return toolchain;
}

onmessage = async ({ data }) => {
  if (data?.kind === 'load') {
    ensureLoaded().catch(() => {});
    return;
  }
  if (data.kind === 'compile') {
    try {
      await ensureLoaded();
    } catch (e) {
      postMessage({ kind: 'compiled', id: data.id, ok: false, loadFailed: true, diagnostics: e.message });
      return;
    }
    try {
      await compile(data);
    } catch (e) {
      postMessage({ kind: 'compiled', id: data.id, ok: false, diagnostics: `The compiler failed: ${e.message}` });
    }
    return;
  }
  // A kind it does not know is a mistake of the page's: said, not dropped.
  postMessage({ kind: 'error', message: `compile-worker: unknown message kind ${JSON.stringify(data?.kind)}: it takes 'load' and 'compile'` });
};
