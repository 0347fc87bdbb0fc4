#!/bin/sh
# setup.sh - make a Debian 12 machine ready to build and test Tide.
# Installs what is missing (Debian packages, then `npm ci`), and nothing
# else: no binaries are downloaded outside apt and npm. Idempotent; `make`
# runs it once and keeps a stamp in build/.
set -eu

missing=""
need() { # need <command-or-file> <debian-package>
    case "$1" in
    /*) [ -e "$1" ] || missing="$missing $2" ;;
    *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
    esac
}
need cc gcc
need make make
need clang clang
need emcc emscripten
# wasm-opt: the WASI build runs it after each link, as a native clang does
# (wasi/clang.mjs); emscripten brings it too
need wasm-opt binaryen
need node nodejs
need npm npm
need python3 python3
need /usr/bin/chromium chromium
need wasm-objdump wabt

if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi

# The differential tests' twin runs on CPython 3.13 (pyenv's, on these
# machines); nothing else needs it, so only say so.
tools/cpython313 --which >/dev/null ||
    echo "setup: the differential tests (tests/diff/) will fail without CPython 3.13" >&2

# JS dependencies, exactly as locked (playwright-core drives Debian's
# chromium; @yowasp/clang is the WASI toolchain: tools/wasi-build.mjs).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
