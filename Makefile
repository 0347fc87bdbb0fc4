# Tide - build, test, serve, benchmark.
#
#   make run     build the Emscripten target and serve the live docs page
#   make test    build every target and run every test
#   make bench   benchmarks beside CPython asyncio and Node.js
#
# Targets per host: native, asan (native + ASan/UBSan), wasi, em.
# Everything lands in build/<host>/. The first `make` runs tools/setup.sh,
# which installs what a fresh Debian 12 machine lacks.

SHELL := /bin/sh
.DEFAULT_GOAL := all

export NODE_PATH := /usr/share/nodejs

CC       ?= cc
EMCC     ?= emcc
WASI_CC  ?= clang --target=wasm32-wasi
PORT     ?= 8000

CFLAGS_COMMON := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
                 -Iinclude -Isrc
NATIVE_CFLAGS := $(CFLAGS_COMMON) -O2 -g
ASAN_CFLAGS   := $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer \
                 -fsanitize=address,undefined -fno-sanitize-recover=undefined
WASI_CFLAGS   := $(CFLAGS_COMMON) -O2
EM_CFLAGS     := $(CFLAGS_COMMON) -O2
# The Emscripten glue: an ES module factory that runs in browsers and, given
# wasmBinary, in Node (3.1.6's own Node loader breaks in ESM: DESIGN.md).
EM_LDFLAGS    := --js-library src/host/emscripten.js -sMODULARIZE \
                 -sEXPORT_ES6 -sENVIRONMENT=web,worker \
                 -sEXPORT_NAME=createTide -sEXPORTED_RUNTIME_METHODS=ENV \
                 -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=33554432

LIB_SRC   := $(wildcard src/*.c) src/host/select.c
LIB_DEPS  := $(LIB_SRC) $(wildcard src/*.h) $(wildcard src/host/*.c) \
             src/host/emscripten.js include/tide.h
EXAMPLES  := tasks inspect cancel
TESTS     := $(basename $(notdir $(wildcard tests/test_*.c)))
TEST_SUPPORT := tests/harness.c
BENCHES   := $(basename $(notdir $(wildcard bench/*.c)))

SETUP := build/.setup-done

.PHONY: all setup native asan wasi em test run bench clean

all: native asan wasi em

$(SETUP): tools/setup.sh package.json package-lock.json
	@mkdir -p build
	./tools/setup.sh
	@touch $@

setup: $(SETUP)

# ---- per-host programs: examples, tests and benchmarks ----------------------

NATIVE_BINS := $(addprefix build/native/,$(EXAMPLES) $(TESTS) $(BENCHES))
ASAN_BINS   := $(addprefix build/asan/,$(EXAMPLES) $(TESTS))
WASI_BINS   := $(addprefix build/wasi/,$(addsuffix .wasm,$(EXAMPLES) $(TESTS) $(BENCHES)))
EM_BINS     := $(addprefix build/em/,$(addsuffix .mjs,$(EXAMPLES) $(TESTS) $(BENCHES)))

native: $(SETUP) $(NATIVE_BINS)
asan:   $(SETUP) $(ASAN_BINS)
wasi:   $(SETUP) $(WASI_BINS)
em:     $(SETUP) $(EM_BINS)

# Source of a program by name: examples/x.c, tests/x.c (+ harness), bench/x.c
prog_src = $(firstword $(wildcard examples/$(1).c tests/$(1).c bench/$(1).c))
prog_extra = $(if $(filter test_%,$(1)),$(TEST_SUPPORT))

.SECONDEXPANSION:

build/native/%: $$(call prog_src,%) $$(call prog_extra,%) $(LIB_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -Itests $(LIB_SRC) $(filter %.c,$(call prog_src,$*) $(call prog_extra,$*)) -o $@ -lm

build/asan/%: $$(call prog_src,%) $$(call prog_extra,%) $(LIB_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Itests $(LIB_SRC) $(filter %.c,$(call prog_src,$*) $(call prog_extra,$*)) -o $@ -lm

build/wasi/%.wasm: $$(call prog_src,%) $$(call prog_extra,%) $(LIB_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	$(WASI_CC) $(WASI_CFLAGS) -Itests $(LIB_SRC) $(filter %.c,$(call prog_src,$*) $(call prog_extra,$*)) -o $@

build/em/%.mjs: $$(call prog_src,%) $$(call prog_extra,%) $(LIB_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	$(EMCC) $(EM_CFLAGS) -Itests $(LIB_SRC) $(filter %.c,$(call prog_src,$*) $(call prog_extra,$*)) $(EM_LDFLAGS) -o $@

# ---- test, run, bench -------------------------------------------------------

test: all
	node --test --test-reporter=spec tests/

run: em
	node web/serve.mjs --port $(PORT)

bench: native wasi em
	node bench/run.mjs

clean:
	rm -rf build
