# Tide - build, test, serve, benchmark.
#
#   make run     build the Emscripten target and serve the live docs page
#   make test    build every target and run every test
#   make bench   benchmarks beside CPython asyncio and Node.js
#   make lint    check every coroutine of ours against the coroutine rules
#
# Targets per host: native, asan (native + ASan/UBSan), wasi, em, and two
# for to_thread: em-mt (Emscripten with pthreads, for cross-origin isolated
# pages) and tsan (test_thread under ThreadSanitizer).
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
NATIVE_CFLAGS := $(CFLAGS_COMMON) -O2 -g -pthread
ASAN_CFLAGS   := $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer -pthread \
                 -fsanitize=address,undefined -fno-sanitize-recover=undefined
TSAN_CFLAGS   := $(CFLAGS_COMMON) -O1 -g -pthread -fsanitize=thread
WASI_CFLAGS   := $(CFLAGS_COMMON) -O2
EM_CFLAGS     := $(CFLAGS_COMMON) -O2
# The Emscripten glue: an ES module factory that runs in browsers and, given
# wasmBinary, in Node (3.1.6's own Node loader breaks in ESM: DESIGN.md).
EM_LDFLAGS    := --js-library src/host/emscripten.js \
                 --js-library src/host/calls.js -sMODULARIZE \
                 -sEXPORT_ES6 -sENVIRONMENT=web,worker \
                 -sEXPORT_NAME=createTide -sEXPORTED_RUNTIME_METHODS=ENV,callMain \
                 -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=33554432
# Emscripten with pthreads: to_thread on Web Workers. It only loads in a
# cross-origin isolated page (SharedArrayBuffer), so a loader picks
# build/em-mt when `crossOriginIsolated` is true and build/em otherwise.
# The pool of preloaded workers matches TIDE_THREAD_POOL_SIZE (config.h).
EM_MT_CFLAGS  := $(EM_CFLAGS) -pthread
# (Memory growth with pthreads slows JS access to the heap a little;
# programs still need it, so the warning about it is off.)
EM_MT_LDFLAGS := $(EM_LDFLAGS) -pthread -sPTHREAD_POOL_SIZE=4                  -Wno-pthreads-mem-growth

LIB_SRC   := $(wildcard src/*.c) src/host/select.c
EXAMPLES  := $(basename $(notdir $(wildcard examples/*.c)))
TESTS     := $(basename $(notdir $(wildcard tests/test_*.c)))
TEST_SUPPORT := tests/harness.c
BENCHES   := $(basename $(notdir $(wildcard bench/*.c)))

SETUP := build/.setup-done

.PHONY: all setup native asan wasi em em-mt tsan dist page test run bench lint clean

all: native asan wasi em em-mt tsan

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
# The thread variants: what tests/thread.test.mjs runs.
EM_MT_BINS  := $(addprefix build/em-mt/,$(addsuffix .mjs,$(EXAMPLES) test_thread)) \
               build/em-mt/package.json
TSAN_BINS   := build/tsan/test_thread

native: $(SETUP) $(NATIVE_BINS)
asan:   $(SETUP) $(ASAN_BINS)
wasi:   $(SETUP) $(WASI_BINS)
em:     $(SETUP) $(EM_BINS)
em-mt:  $(SETUP) $(EM_MT_BINS)
tsan:   $(SETUP) $(TSAN_BINS)

# Source of a program by name: examples/x.c, tests/x.c (+ harness), bench/x.c
prog_src = $(firstword $(wildcard examples/$(1).c tests/$(1).c bench/$(1).c))
prog_extra = $(if $(filter test_%,$(1)),$(TEST_SUPPORT)) \
             $(if $(wildcard examples/$(1).c),examples/params.h) \
             $(if $(filter http_client,$(1)),$(EXAMPLE_JSON))
# The JSON library http_client parses its posts with (vendored: Debian's
# cjson 1.7.15-1+deb12u4, patches applied; examples/cjson/README).
EXAMPLE_JSON := examples/cjson/cJSON.c examples/cjson/cJSON.h
# test_thread makes thread creation fail on purpose: natively it wraps
# pthread_create at link time.
WRAP_PTHREAD_CREATE := -Wl,--wrap=pthread_create
prog_ldflags = $(if $(filter test_thread,$(1)),$(WRAP_PTHREAD_CREATE))

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
$(eval $(call host_lib,tsan,$(CC),$(TSAN_CFLAGS),ar))
$(eval $(call host_lib,wasi,$(WASI_CC),$(WASI_CFLAGS),llvm-ar-14))
$(eval $(call host_lib,em,$(EMCC),$(EM_CFLAGS),emar))
$(eval $(call host_lib,em-mt,$(EMCC),$(EM_MT_CFLAGS),emar))

.SECONDEXPANSION:

build/native/%: $$(call prog_src,%) $$(call prog_extra,%) build/native/libtide.a | $(SETUP)
	$(CC) $(NATIVE_CFLAGS) -Itests $(filter %.c,$^) build/native/libtide.a -o $@ -lm $(call prog_ldflags,$*)

build/asan/%: $$(call prog_src,%) $$(call prog_extra,%) build/asan/libtide.a | $(SETUP)
	$(CC) $(ASAN_CFLAGS) -Itests $(filter %.c,$^) build/asan/libtide.a -o $@ -lm $(call prog_ldflags,$*)

build/tsan/%: $$(call prog_src,%) $$(call prog_extra,%) build/tsan/libtide.a | $(SETUP)
	$(CC) $(TSAN_CFLAGS) -Itests $(filter %.c,$^) build/tsan/libtide.a -o $@ -lm $(call prog_ldflags,$*)

build/wasi/%.wasm: $$(call prog_src,%) $$(call prog_extra,%) build/wasi/libtide.a | $(SETUP)
	$(WASI_CC) $(WASI_CFLAGS) -Itests $(filter %.c,$^) build/wasi/libtide.a -o $@

build/em/%.mjs: $$(call prog_src,%) $$(call prog_extra,%) build/em/libtide.a src/host/emscripten.js src/host/calls.js | $(SETUP)
	$(EMCC) $(EM_CFLAGS) -Itests $(filter %.c,$^) build/em/libtide.a $(EM_LDFLAGS) -o $@

build/em-mt/%.mjs: $$(call prog_src,%) $$(call prog_extra,%) build/em-mt/libtide.a $$(filter %.js,$$(EM_LDFLAGS)) | $(SETUP)
	$(EMCC) $(EM_MT_CFLAGS) -Itests $(filter %.c,$^) build/em-mt/libtide.a $(EM_MT_LDFLAGS) -o $@

# Each program's .worker.js is CommonJS: tell Node so (the root package
# says "type": "module").
build/em-mt/package.json: | $(SETUP)
	@mkdir -p $(@D)
	echo '{"type":"commonjs"}' > $@

# ---- the npm package: dist/ -------------------------------------------------
# What the package ships (package.json "files"): the JS API and its types,
# the examples, and what tools/tide-emcc needs to build your own programs
# (tide.h, libtide.a, the JS libraries and the link flags above), for both
# variants: the examples that call to_thread also ship their pthreads build
# (examples/threads/; the others would only pay for workers they never
# use), and lib/threads/ is what `tide-emcc --threads` links. lint/ is the
# coroutine rules checker, the `tide-lint` command.
EM_JS_LIBS    := $(filter %.js,$(EM_LDFLAGS))
EM_LINK_FLAGS := $(filter-out --js-library $(EM_JS_LIBS),$(EM_LDFLAGS))
EM_MT_LINK_FLAGS := $(filter-out --js-library $(EM_JS_LIBS),$(EM_MT_LDFLAGS))
EM_MT_EXAMPLES := $(basename $(notdir $(shell grep -l tide_to_thread examples/*.c)))

dist: build/dist.stamp

build/dist.stamp: tools/make-dist.mjs tools/tide-emcc $(wildcard tools/lint/*.mjs) \
                  web/tide.mjs web/tide.d.ts \
                  include/tide.h build/em/libtide.a build/em-mt/libtide.a \
                  $(EM_JS_LIBS) Makefile \
                  $(addprefix build/em/,$(addsuffix .mjs,$(EXAMPLES))) \
                  $(addprefix build/em-mt/,$(addsuffix .mjs,$(EM_MT_EXAMPLES)))
	EMCC="$(EMCC)" node tools/make-dist.mjs --examples "$(EXAMPLES)" --js-libs "$(EM_JS_LIBS)" \
	    --link-flags "$(EM_LINK_FLAGS)" --threads-examples "$(EM_MT_EXAMPLES)" \
	    --threads-link-flags "$(EM_MT_LINK_FLAGS)"
	@touch $@

# Programs for the JS API tests, built as users build theirs; jsthreads
# and output in both variants (tide-emcc --threads), for
# tests/thread.test.mjs and for output from a Web Worker.
JS_TEST_PROGS := build/em/user/jsapi.mjs build/em/user/jsthreads.mjs \
                 build/em/user/output.mjs build/em/user/output_fs.mjs
JS_THREADS_PROGS := build/em/user/jsthreads.mjs build/em/user/output.mjs

$(JS_THREADS_PROGS): build/em/user/%.mjs: tests/%.c build/dist.stamp
	@mkdir -p $(@D)
	tools/tide-emcc --threads $< -o $@

# output.c again with a file system linked in: the output takes another
# path then (src/host/emscripten.js, TideOutput).
build/em/user/output_fs.mjs: tests/output.c build/dist.stamp
	@mkdir -p $(@D)
	tools/tide-emcc -sFORCE_FILESYSTEM $< -o $@

build/em/user/%.mjs: tests/%.c build/dist.stamp
	@mkdir -p $(@D)
	tools/tide-emcc $< -o $@

# ---- the live documentation page --------------------------------------------
# web/ is the page; what it takes from npm packages is copied from
# node_modules into build/page/vendor/ (web/serve.mjs serves it at /vendor/),
# so the page loads nothing from another origin. The syntax highlighter
# needs its core and the grammars the page uses (C, Python, and the two
# that those embed: comment TODOs and inline asm).
HIGHLIGHTER := node_modules/@speed-highlight/core
HIGHLIGHTER_FILES := index.js languages/c.js languages/py.js languages/todo.js \
                     languages/asm.js

page: build/page.stamp

# (npm ci, in setup, puts node_modules in line with package-lock.json)
build/page.stamp: $(SETUP) package-lock.json Makefile
	rm -rf build/page
	mkdir -p build/page/vendor/speed-highlight/languages
	for f in $(HIGHLIGHTER_FILES); do \
	    cp $(HIGHLIGHTER)/dist/$$f build/page/vendor/speed-highlight/$$f || exit 1; \
	done
	cp $(HIGHLIGHTER)/LICENSE build/page/vendor/speed-highlight/LICENSE
	@touch $@

# ---- test, run, bench -------------------------------------------------------

test: all dist page $(JS_TEST_PROGS)
	node --test --test-reporter=spec tests/

run: em dist page
	node web/serve.mjs --port $(PORT)

# tidebench again against a library built with one more flag, for a ratio
# row of the table: $(1) names the variant, $(2) is the flag. Built exactly
# as tidebench is, against a library archive of its own: linked from loose
# objects instead, the WASI program came out slower for reasons of layout
# and inlining, not of what the flag removes.
define bench_variant
$$(eval $$(call host_lib,native-$(1),$$(CC),$$(NATIVE_CFLAGS) $(2),ar))
$$(eval $$(call host_lib,wasi-$(1),$$(WASI_CC),$$(WASI_CFLAGS) $(2),llvm-ar-14))
$$(eval $$(call host_lib,em-$(1),$$(EMCC),$$(EM_CFLAGS) $(2),emar))
BENCH_VARIANT_BINS += build/native/tidebench_$(1) build/wasi/tidebench_$(1).wasm \
                      build/em/tidebench_$(1).mjs

build/native/tidebench_$(1): bench/tidebench.c build/native-$(1)/libtide.a | $$(SETUP)
	$$(CC) $$(NATIVE_CFLAGS) $(2) $$< build/native-$(1)/libtide.a -o $$@ -lm

build/wasi/tidebench_$(1).wasm: bench/tidebench.c build/wasi-$(1)/libtide.a | $$(SETUP)
	$$(WASI_CC) $$(WASI_CFLAGS) $(2) $$< build/wasi-$(1)/libtide.a -o $$@

build/em/tidebench_$(1).mjs: bench/tidebench.c build/em-$(1)/libtide.a $$(EM_JS_LIBS) | $$(SETUP)
	$$(EMCC) $$(EM_CFLAGS) $(2) $$< build/em-$(1)/libtide.a $$(EM_LDFLAGS) -o $$@
endef

# The tests for debug mode and tracing compiled out (TIDE_HOOKS=0,
# src/config.h): what those tests cost when the modes are off.
$(eval $(call bench_variant,nohooks,-DTIDE_HOOKS=0))
# The always-on checks for misuse of the coroutine protocol compiled out
# (TIDE_CHECKS=0, src/config.h; tide.h reads it for the checks in its
# macros): what they cost.
$(eval $(call bench_variant,nochecks,-DTIDE_CHECKS=0))

bench: native wasi em $(BENCH_VARIANT_BINS)
	node bench/run.mjs

clean:
	rm -rf build dist

# ---- the coroutine rules checker ---------------------------------------------
# tools/lint/ (tide-lint, on clang's AST) over every C file of ours with
# coroutines; `make test` runs it too (tests/lint.test.mjs), with its corpora
# of wrong and right programs (tests/lint/).
LINT_SRC := $(wildcard examples/*.c tests/*.c tests/diff/*.c bench/*.c fuzz/*.c)

lint: | $(SETUP)
	node tools/lint/tide-lint.mjs -Isrc -Itests $(LINT_SRC)

# ---- fuzzing, fault injection, soak -----------------------------------------
#
#   make fuzz [FUZZ_TIME=600] [FUZZ_ARGS=...]   coverage-guided fuzzing of the
#        C API (libFuzzer, ASan+UBSan); new inputs go to build/fuzz/corpus,
#        crashes to build/fuzz/artifacts/
#   make fuzz-merge     fold build/fuzz/corpus into fuzz/corpus, minimised
#   make fuzz-crashes   re-run the known crashes of fuzz/crashes/ with the
#        harness's workarounds off: says which still fail
#   make soak [SOAK_ARGS="tasks timers rounds"]  the soak on every host
# `make test` runs a short fuzz run, the corpus on gcc's ASan and on WASI,
# the out-of-memory sweep of every test case, poll_oneoff and clock
# failures on WASI, fetch() failures on Emscripten, and the soak
# (tests/fuzz.test.mjs, fault.test.mjs, soak.test.mjs).

FUZZ_CC     ?= clang
FUZZ_TIME   ?= 600
FUZZ_CFLAGS := $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_CFLAGS := $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link
SOAK_ARGS   ?=

$(eval $(call host_lib,fuzz,$(FUZZ_CC),$(FUZZ_LIB_CFLAGS),ar))

FUZZ_BINS := build/fuzz/fuzz_ops build/fuzz/fuzz_ops_strict \
             build/asan/fuzz_replay build/wasi/fuzz_replay.wasm
SOAK_BINS := build/native/soak build/asan/soak build/wasi/soak.wasm \
             build/em/soak.mjs
FAULT_BINS := build/wasi/hostfault.wasm build/native/hostfault

build/fuzz/fuzz_ops: fuzz/fuzz_ops.c build/fuzz/libtide.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< build/fuzz/libtide.a -lm -o $@

# The same with the workarounds for known bugs off, for fuzz/crashes/.
build/fuzz/fuzz_ops_strict: fuzz/fuzz_ops.c build/fuzz/libtide.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_NO_WORKAROUNDS -fsanitize=fuzzer $< \
	    build/fuzz/libtide.a -lm -o $@

# Replays without libFuzzer: gcc's sanitizers, and 32-bit wasm under WASI.
build/asan/fuzz_replay: fuzz/fuzz_ops.c build/asan/libtide.a | $(SETUP)
	$(CC) $(ASAN_CFLAGS) -DFUZZ_REPLAY $< build/asan/libtide.a -lm -o $@

build/wasi/fuzz_replay.wasm: fuzz/fuzz_ops.c build/wasi/libtide.a | $(SETUP)
	$(WASI_CC) $(WASI_CFLAGS) -DFUZZ_REPLAY $< build/wasi/libtide.a -o $@

.PHONY: fuzz-build fuzz fuzz-merge fuzz-crashes soak

fuzz-build: $(FUZZ_BINS)

fuzz: build/fuzz/fuzz_ops
	@mkdir -p build/fuzz/corpus build/fuzz/artifacts
	build/fuzz/fuzz_ops -max_total_time=$(FUZZ_TIME) -timeout=20 \
	    -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/ $(FUZZ_ARGS) \
	    build/fuzz/corpus fuzz/corpus

fuzz-merge: build/fuzz/fuzz_ops
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_ops -merge=1 fuzz/corpus build/fuzz/corpus

fuzz-crashes: build/fuzz/fuzz_ops_strict
	@n=0; for f in fuzz/crashes/*; do \
	    case $$f in *.md) continue ;; esac; n=$$((n + 1)); \
	    if build/fuzz/fuzz_ops_strict $$f >/dev/null 2>&1; then \
	        echo "fixed now:   $$f"; else echo "still fails: $$f"; fi; \
	done; [ $$n -gt 0 ] || echo "no known crashes in fuzz/crashes/"

soak: $(SOAK_BINS)
	SOAK_ARGS="$(SOAK_ARGS)" node --test --test-reporter=spec tests/soak.test.mjs

test: fuzz-build $(SOAK_BINS) $(FAULT_BINS)
bench: build/native/soak build/wasi/soak.wasm build/em/soak.mjs

# ---- differential testing against CPython asyncio ---------------------------
#
#   make fuzz-diff [N=1000] [DIFF_START=1]   N random programs (seeds
#        DIFF_START..DIFF_START+N-1) run on Tide (native) and on CPython
#        3.13's asyncio (tools/cpython313 finds it: pyenv's 3.13, or
#        TIDE_PYTHON), traces compared; each divergence is printed with its
#        seed, both traces and a minimised program.
# `make test` runs a fixed set of seeds on every host (tests/diff.test.mjs).
# The language, the interpreters and the generator: tests/diff/README.md.

N          ?= 1000
DIFF_START ?= 1
DIFF_BINS  := build/native/diff_interp build/asan/diff_interp \
              build/wasi/diff_interp.wasm build/em/diff_interp.mjs

# One source, tests/diff/interp.c, for every host (explicit rules: the
# program is not in examples/, tests/ or bench/).
build/native/diff_interp: tests/diff/interp.c build/native/libtide.a | $(SETUP)
	$(CC) $(NATIVE_CFLAGS) $< build/native/libtide.a -o $@ -lm

build/asan/diff_interp: tests/diff/interp.c build/asan/libtide.a | $(SETUP)
	$(CC) $(ASAN_CFLAGS) $< build/asan/libtide.a -o $@ -lm

build/wasi/diff_interp.wasm: tests/diff/interp.c build/wasi/libtide.a | $(SETUP)
	$(WASI_CC) $(WASI_CFLAGS) $< build/wasi/libtide.a -o $@

build/em/diff_interp.mjs: tests/diff/interp.c build/em/libtide.a $(EM_JS_LIBS) | $(SETUP)
	$(EMCC) $(EM_CFLAGS) $< build/em/libtide.a $(EM_LDFLAGS) -o $@

.PHONY: fuzz-diff

fuzz-diff: build/native/diff_interp
	tools/cpython313 tests/diff/fuzz.py --interp build/native/diff_interp \
	    --start $(DIFF_START) --count $(N) --minimize

test: $(DIFF_BINS)
