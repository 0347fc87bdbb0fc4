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
# Build on every core (CI has two).
MAKEFLAGS += --jobs=$(shell nproc 2>/dev/null || echo 2)

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
EM_LDFLAGS    := --js-library src/host/emscripten.js \
                 --js-library src/host/calls.js -sMODULARIZE \
                 -sEXPORT_ES6 -sENVIRONMENT=web,worker \
                 -sEXPORT_NAME=createTide -sEXPORTED_RUNTIME_METHODS=ENV \
                 -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=33554432

LIB_SRC   := $(wildcard src/*.c) src/host/select.c
EXAMPLES  := $(basename $(notdir $(wildcard examples/*.c)))
TESTS     := $(basename $(notdir $(wildcard tests/test_*.c)))
TEST_SUPPORT := tests/harness.c
BENCHES   := $(basename $(notdir $(wildcard bench/*.c)))

SETUP := build/.setup-done

.PHONY: all setup native asan wasi em dist test run bench clean

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

# The library is compiled once per host into build/<host>/libtide.a.
LIB_OBJ_NAMES := $(notdir $(LIB_SRC:.c=.o))
LIB_HDRS := include/tide.h $(wildcard src/*.h)
HOST_SRC := $(wildcard src/host/*.c)

define host_lib
build/$(1)/obj/%.o: src/%.c $(LIB_HDRS) | $(SETUP)
	@mkdir -p $$(@D)
	$(2) $(3) -c $$< -o $$@
build/$(1)/obj/select.o: src/host/select.c $(HOST_SRC) $(LIB_HDRS) | $(SETUP)
	@mkdir -p $$(@D)
	$(2) $(3) -c $$< -o $$@
build/$(1)/libtide.a: $(addprefix build/$(1)/obj/,$(LIB_OBJ_NAMES))
	rm -f $$@
	$(4) rcs $$@ $$^
endef

$(eval $(call host_lib,native,$(CC),$(NATIVE_CFLAGS),ar))
$(eval $(call host_lib,asan,$(CC),$(ASAN_CFLAGS),ar))
$(eval $(call host_lib,wasi,$(WASI_CC),$(WASI_CFLAGS),llvm-ar-14))
$(eval $(call host_lib,em,$(EMCC),$(EM_CFLAGS),emar))

.SECONDEXPANSION:

build/native/%: $$(call prog_src,%) $$(call prog_extra,%) build/native/libtide.a | $(SETUP)
	$(CC) $(NATIVE_CFLAGS) -Itests $(filter %.c,$^) build/native/libtide.a -o $@ -lm

build/asan/%: $$(call prog_src,%) $$(call prog_extra,%) build/asan/libtide.a | $(SETUP)
	$(CC) $(ASAN_CFLAGS) -Itests $(filter %.c,$^) build/asan/libtide.a -o $@ -lm

build/wasi/%.wasm: $$(call prog_src,%) $$(call prog_extra,%) build/wasi/libtide.a | $(SETUP)
	$(WASI_CC) $(WASI_CFLAGS) -Itests $(filter %.c,$^) build/wasi/libtide.a -o $@

build/em/%.mjs: $$(call prog_src,%) $$(call prog_extra,%) build/em/libtide.a src/host/emscripten.js src/host/calls.js | $(SETUP)
	$(EMCC) $(EM_CFLAGS) -Itests $(filter %.c,$^) build/em/libtide.a $(EM_LDFLAGS) -o $@

# ---- the npm package: dist/ -------------------------------------------------
# What the package ships (package.json "files"): the JS API and its types,
# the examples, and what tools/tide-emcc needs to build your own programs
# (tide.h, libtide.a, the JS libraries and the link flags above).
EM_JS_LIBS    := $(filter %.js,$(EM_LDFLAGS))
EM_LINK_FLAGS := $(filter-out --js-library $(EM_JS_LIBS),$(EM_LDFLAGS))

dist: build/dist.stamp

build/dist.stamp: tools/make-dist.mjs tools/tide-emcc web/tide.mjs web/tide.d.ts \
                  include/tide.h build/em/libtide.a $(EM_JS_LIBS) Makefile \
                  $(addprefix build/em/,$(addsuffix .mjs,$(EXAMPLES)))
	node tools/make-dist.mjs --examples "$(EXAMPLES)" --js-libs "$(EM_JS_LIBS)" \
	    --link-flags "$(EM_LINK_FLAGS)"
	@touch $@

# A user program for the JS API tests, built as users build theirs.
JS_TEST_PROGS := build/em/user/jsapi.mjs

build/em/user/%.mjs: tests/%.c build/dist.stamp
	@mkdir -p $(@D)
	tools/tide-emcc $< -o $@

# ---- test, run, bench -------------------------------------------------------

test: all dist $(JS_TEST_PROGS)
	node --test --test-reporter=spec tests/

run: em dist
	node web/serve.mjs --port $(PORT)

bench: native wasi em
	node bench/run.mjs

clean:
	rm -rf build dist
