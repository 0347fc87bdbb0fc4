// flags.mjs - what tide-cc adds to clang's arguments, and how the toolchain's
// file system names files, with no Node.js API: tide-cc (Node) and the live
// page's in-browser compiler (web/page/compile-worker.mjs) both build their
// clang command lines here, so a program edited on the page is compiled
// exactly as `tide-cc` compiles it (less wasm-opt, which a browser lacks).

export const TARGET = 'wasm32-wasip1';

// The flags tide-cc adds before the user's (which come later, so that a
// user's -Wno-... or -O0 wins). -Werror=unused-result: a dropped awaitable
// (tide_sleep(1); without TIDE_AWAIT) is an error: the task would not wait.
export const DEFAULTS = [`--target=${TARGET}`, '-Wall', '-Wextra', '-Werror=unused-result'];
export const DEFAULT_OPT = '-O2';

// Flags that make clang stop before linking.
export const NO_LINK = ['-c', '-S', '-E', '-fsyntax-only', '-M', '-MM', '-###'];

// What the arguments ask for: only compiling, the output, whether -O is
// given, the first C file.
export function readArgs(args) {
  const compileOnly = args.some((a) => NO_LINK.includes(a));
  const hasO = args.some((a) => /^-O/.test(a));
  const hasOutput = args.some((a, i) => a === '-o' || (a.startsWith('-o') && a.length > 2) || args[i - 1] === '-o');
  const firstSource = args.find((a, i) => /\.c$/.test(a) && !a.startsWith('-') && args[i - 1] !== '-o');
  return { compileOnly, hasO, hasOutput, firstSource };
}

// clang's arguments for a tide-cc command line `argv`: `include` is the
// folder of tide.h, `libtide` the library's path, `color` asks for coloured
// diagnostics. Returns { args } or { error } (a message for the user).
export function tideCcArgs(argv, { include, libtide, color = false }) {
  const o = readArgs(argv);
  const args = [...DEFAULTS, ...(o.hasO ? [] : [DEFAULT_OPT]), `-I${include}`];
  if (color && !argv.includes('-fno-color-diagnostics')) args.push('-fcolor-diagnostics');
  args.push(...argv);
  if (!o.compileOnly) {
    args.push(libtide);
    if (!o.hasOutput) {
      if (!o.firstSource) return { error: 'no C file given (tide-cc --help tells how to use it)' };
      args.push('-o', o.firstSource.replace(/^.*\//, '').replace(/\.c$/, '.wasm'));
    }
  }
  return { args };
}

// @yowasp/clang runs in a file system of its own; the files it is given
// appear under MOUNT there (wasi/clang.mjs: this machine's /home/me/x.c is
// /host/home/me/x.c), and MOUNT is taken out of the paths in its messages.
export const MOUNT = '/host';

export function unmountText(text) {
  // (after white space, a quote, a bracket, = or :, or a colour escape)
  return text.replace(new RegExp(`(^|[\\s"'\`(=:]|\x1b\\[[0-9;]*m)${MOUNT}(?=/)`, 'gm'), '$1');
}

// A program without main() links: wasi-libc's start code calls a weak
// `main`, which the linker, finding none, makes a function that traps
// (named "undefined_weak:main"), so the module traps as it starts, with
// "unreachable". tide-cc and the page say what a native link says instead.
export const NO_MAIN_MESSAGE = 'undefined symbol: main (a WASI program needs a main(): ' +
  'int main(void) or int main(int argc, char **argv); -c only compiles)';

const uleb = (b, at) => {
  let v = 0, shift = 0, byte;
  do {
    byte = b[at++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80 && at < b.length);
  return [v, at];
};

// Whether a linked module (its bytes) is such a program: its "name"
// section names that trap. (Without a name section, stripped, it cannot
// tell: false.)
export function lacksMain(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const want = new TextEncoder().encode('undefined_weak:main');
  for (let at = 8; at < b.length;) {
    const id = b[at];
    const [size, body] = uleb(b, at + 1);
    at = body + size;
    if (id !== 0) continue;
    const [len, name] = uleb(b, body);
    if (new TextDecoder().decode(b.subarray(name, name + len)) !== 'name') continue;
    const section = b.subarray(name + len, at);
    for (let i = section.indexOf(want[0]); i >= 0; i = section.indexOf(want[0], i + 1))
      if (want.every((c, k) => section[i + k] === c)) return true;
  }
  return false;
}
