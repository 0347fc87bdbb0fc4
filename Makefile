# Tide - build, test, serve, benchmark.
#
#   make          every host's library, examples, tests and benchmarks
#   make run      build the Emscripten target and serve the live docs page
#   make test     build every target and run every test
#   make bench    benchmarks beside CPython asyncio and Node.js
#   make lint     check every coroutine of ours against the coroutine rules
#   make dist     the npm package's dist/
#   make fuzz, fuzz-merge, fuzz-crashes, fuzz-diff, soak   longer campaigns
#                 (their sections below say more)
#   make clean
#
# Hosts: native, asan (native + ASan/UBSan), tsan (test_thread under
# ThreadSanitizer), wasi, em (Emscripten), em-mt (Emscripten with pthreads,
# for cross-origin isolated pages); fuzz is libFuzzer's build. Everything
# lands in build/<host>/. The first `make` runs tools/setup.sh, which
# installs what a fresh Debian 12 machine lacks.

# ---- knobs, with their defaults ----------------------------------------------
# Give any of them on the command line: make fuzz FUZZ_TIME=60 CC=clang.
CC         ?= cc
EMCC       ?= emcc
FUZZ_CC    ?= clang
AR         ?= ar
EMAR       ?= emar
# WASI: the target of @yowasp/clang (an npm devDependency: Clang compiled
# to WebAssembly, with wasi-libc), run by tools/wasi-build.mjs
WASI_TARGET ?= wasm32-wasip1
# make run: the port the page is served on
PORT       ?= 8000
# make fuzz: seconds of fuzzing, and more libFuzzer options
FUZZ_TIME  ?= 600
FUZZ_ARGS  ?=
# make soak: "tasks timers rounds" (default: the soak's own)
SOAK_ARGS  ?=
# make fuzz-diff: how many random programs, from which seed
N          ?= 1000
DIFF_START ?= 1
# (The tests read a few more from the environment, FUZZ_TEST_SECONDS and
# DIFF_SEEDS among them: the test files say what each does.)

# The pool of Web Workers Emscripten preloads for to_thread matches the
# pool of threads a loop starts: src/config.h holds the number.
THREAD_POOL_SIZE := $(shell sed -n 's/^\#define TIDE_THREAD_POOL_SIZE \([0-9][0-9]*\).*/\1/p' src/config.h)
ifeq ($(THREAD_POOL_SIZE),)
$(error src/config.h defines no TIDE_THREAD_POOL_SIZE)
endif

SHELL := /bin/sh
.DEFAULT_GOAL := all
# Build on every core (CI has two).
NPROC := $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --jobs=$(NPROC)
export NODE_PATH := /usr/share/nodejs

# ---- each host's compiler and flags --------------------------------------------
# <host>_CC, _CFLAGS and _AR build its library; programs add _LDFLAGS at
# link time, after the library, depend on _LDDEPS too, and end in _EXT.
# A host with _DRIVER set (WASI) is built by that driver instead, many
# files per start (its own section below).
COMMON_CFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
                 -Iinclude -Isrc
SANITIZE      := -fsanitize=address,undefined -fno-sanitize-recover=undefined

native_CC      := $(CC)
native_CFLAGS  := $(COMMON_CFLAGS) -O2 -g -pthread
native_AR      := $(AR)
# (recursive: $* is the program; test_thread wraps pthread_create natively,
# to make thread creation fail on purpose)
native_LDFLAGS  = -lm $($*_NATIVE_LDFLAGS)
test_thread_NATIVE_LDFLAGS := -Wl,--wrap=pthread_create

asan_CC        := $(CC)
asan_CFLAGS    := $(COMMON_CFLAGS) -O1 -g -fno-omit-frame-pointer -pthread $(SANITIZE)
asan_AR        := $(AR)
asan_LDFLAGS    = $(native_LDFLAGS)

tsan_CC        := $(CC)
tsan_CFLAGS    := $(COMMON_CFLAGS) -O1 -g -pthread -fsanitize=thread
tsan_AR        := $(AR)
tsan_LDFLAGS    = $(native_LDFLAGS)

wasi_DRIVER    := node tools/wasi-build.mjs -j$(NPROC)
wasi_CFLAGS    := --target=$(WASI_TARGET) $(COMMON_CFLAGS) -O2
wasi_EXT       := .wasm
wasi_LDDEPS    := tools/wasi-build.mjs wasi/clang.mjs

# The Emscripten glue: an ES module factory that runs in browsers and, given
# wasmBinary, in Node (3.1.6's own Node loader cannot read files from an
# ES module).
EM_JS_LIBS     := src/host/emscripten.js src/host/calls.js
EM_LINK_FLAGS  := -sMODULARIZE -sEXPORT_ES6 -sENVIRONMENT=web,worker \
                  -sEXPORT_NAME=createTide -sEXPORTED_RUNTIME_METHODS=ENV,callMain \
                  -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=33554432
em_CC          := $(EMCC)
em_CFLAGS      := $(COMMON_CFLAGS) -O2
em_AR          := $(EMAR)
em_EXT         := .mjs
em_LDFLAGS     := $(addprefix --js-library ,$(EM_JS_LIBS)) $(EM_LINK_FLAGS)
em_LDDEPS      := $(EM_JS_LIBS)

# Emscripten with pthreads: to_thread on Web Workers. It only loads in a
# cross-origin isolated page (SharedArrayBuffer), so a loader picks
# build/em-mt when `crossOriginIsolated` is true and build/em otherwise.
# (Memory growth with pthreads slows JS access to the heap a little;
# programs still need it, so the warning about it is off.)
EM_MT_LINK_FLAGS := $(EM_LINK_FLAGS) -pthread \
                    -sPTHREAD_POOL_SIZE=$(THREAD_POOL_SIZE) -Wno-pthreads-mem-growth
em-mt_CC       := $(EMCC)
em-mt_CFLAGS   := $(em_CFLAGS) -pthread
em-mt_AR       := $(EMAR)
em-mt_EXT      := .mjs
em-mt_LDFLAGS  := $(addprefix --js-library ,$(EM_JS_LIBS)) $(EM_MT_LINK_FLAGS)
em-mt_LDDEPS   := $(EM_JS_LIBS)

# libFuzzer (clang): the library instrumented, the program linked with
# libFuzzer's main.
fuzz_CC        := $(FUZZ_CC)
fuzz_CFLAGS    := $(COMMON_CFLAGS) -O1 -g -fno-omit-frame-pointer $(SANITIZE) \
                  -fsanitize=fuzzer-no-link
fuzz_AR        := $(AR)
fuzz_LDFLAGS   := -fsanitize=fuzzer -lm

# ---- sources -------------------------------------------------------------------
LIB_SRC      := $(wildcard src/*.c) src/host/select.c
LIB_HDRS     := include/tide.h $(wildcard src/*.h src/host/*.h)
HOST_SRC     := $(wildcard src/host/*.c)
LIB_OBJ_NAMES := $(notdir $(LIB_SRC:.c=.o))
EXAMPLES     := $(basename $(notdir $(wildcard examples/*.c)))
# command-line examples (stdin, stdout): native and WASI only, not on the page
CLI_EXAMPLES := $(basename $(notdir $(wildcard examples/cli/*.c)))
# (they find examples/params.h by -I, not as "../params.h": the WASI
# toolchain's file system does not resolve ".." in an #include)
$(foreach p,$(CLI_EXAMPLES),$(eval $(p)_FLAGS := -Iexamples))
TESTS        := $(basename $(notdir $(wildcard tests/c/test_*.c)))
BENCHES      := $(basename $(notdir $(wildcard bench/*.c)))

# A program's source by its name: examples/x.c, examples/cli/x.c,
# tests/c/x.c (the C cases, linked with their harness), tests/programs/x.c
# (driven by the JS tests), bench/x.c, fuzz/x.c; or named here, with flags
# of its own.
diff_interp_SRC       := tests/diff/interp.c
fuzz_replay_SRC       := fuzz/fuzz_ops.c
fuzz_replay_FLAGS     := -DFUZZ_REPLAY
fuzz_ops_strict_SRC   := fuzz/fuzz_ops.c
fuzz_ops_strict_FLAGS := -DFUZZ_NO_WORKAROUNDS
prog_src = $(or $($(1)_SRC),$(firstword $(wildcard examples/$(1).c \
               examples/cli/$(1).c tests/c/$(1).c tests/programs/$(1).c \
               bench/$(1).c fuzz/$(1).c)))
prog_extra = $(if $(filter test_%,$(1)),tests/c/harness.c tests/c/harness.h) \
             $(if $(wildcard examples/$(1).c examples/cli/$(1).c),examples/params.h) \
             $(if $(filter http_client,$(1)),$(EXAMPLE_JSON))
# The JSON library http_client parses its posts with (vendored: Debian's
# cjson 1.7.15-1+deb12u4, patches applied; examples/cjson/README).
EXAMPLE_JSON := examples/cjson/cJSON.c examples/cjson/cJSON.h

SETUP := build/.setup-done

$(SETUP): tools/setup.sh package.json package-lock.json
	@mkdir -p build
	./tools/setup.sh
	@touch $@

# ---- one rule per kind of thing ------------------------------------------------

# The one program link, on every host: $(1) the host whose compiler and
# flags it uses, $(2) the library's build folder, $(3) the program's flags.
# A driver's host builds it as a batch of one (its objects apart from the
# batch of all programs, below: both may run at once).
link = $(if $($(1)_DRIVER),$(call driver_link,$(1),$(2),$(3)), \
       $($(1)_CC) $($(1)_CFLAGS) $(3) -Itests/c $(filter %.c,$^) \
       build/$(2)/libtide.a $($(1)_LDFLAGS) -o $@)
driver_link = $($(1)_DRIVER) programs --lib build/$(2)/libtide.a --outdir $(@D) \
       --objdir build/$(2)/progobj-$(basename $(@F)) --cflags "$($(1)_CFLAGS) -Itests/c" \
       $(call driver_program,$(basename $(@F)),$(filter %.c,$^) $(3))
# A program as the driver takes it: 'NAME: SOURCES... FLAGS...'
driver_program = '$(1): $(strip $(2))'

# A host's library, build/<host>/libtide.a, from its objects.
define host_lib
build/$(1)/obj/%.o: src/%.c $(LIB_HDRS) | $(SETUP)
	@mkdir -p $$(@D)
	$$($(1)_CC) $$($(1)_CFLAGS) -c $$< -o $$@
build/$(1)/obj/%.o: src/host/%.c $(HOST_SRC) $(LIB_HDRS) | $(SETUP)
	@mkdir -p $$(@D)
	$$($(1)_CC) $$($(1)_CFLAGS) -c $$< -o $$@
build/$(1)/libtide.a: $(addprefix build/$(1)/obj/,$(LIB_OBJ_NAMES))
	rm -f $$@
	$$($(1)_AR) rcs $$@ $$^
endef

# A driver host's library: one batch, the driver knows which objects are
# up to date.
define driver_lib
build/$(1)/libtide.a: $(LIB_SRC) $(HOST_SRC) $(LIB_HDRS) $($(1)_LDDEPS) | $(SETUP)
	$$($(1)_DRIVER) lib $$@ --objdir build/$(1)/obj --cflags "$$($(1)_CFLAGS)" $(LIB_SRC)
endef
lib_rule = $(if $($(1)_DRIVER),driver_lib,host_lib)

# A host's programs, build/<host>/<name><ext>, each against its library.
define host_programs
build/$(1)/%$($(1)_EXT): $$$$(call prog_src,%) $$$$(call prog_extra,%) \
                         build/$(1)/libtide.a $($(1)_LDDEPS) | $(SETUP)
	$$(call link,$(1),$(1),$$($$*_FLAGS))
endef

HOSTS := native asan tsan wasi em em-mt fuzz
.SECONDEXPANSION:
$(foreach h,$(HOSTS),$(eval $(call $(call lib_rule,$(h)),$(h))))
$(foreach h,$(HOSTS),$(eval $(call host_programs,$(h))))

# What `make` builds on each host. tsan and em-mt: what
# tests/js/thread.test.mjs runs.
native_BINS := $(EXAMPLES) $(CLI_EXAMPLES) $(TESTS) $(BENCHES)
asan_BINS   := $(EXAMPLES) $(CLI_EXAMPLES) $(TESTS)
tsan_BINS   := test_thread
wasi_BINS   := $(EXAMPLES) $(CLI_EXAMPLES) $(TESTS) $(BENCHES)
em_BINS     := $(EXAMPLES) $(TESTS) $(BENCHES)
em-mt_BINS  := $(EXAMPLES) test_thread
bins = $(addprefix build/$(1)/,$(addsuffix $($(1)_EXT),$(2)))

.PHONY: all setup native asan tsan wasi em em-mt
all: native asan wasi em em-mt tsan
setup: $(SETUP)
native asan tsan wasi em em-mt: %: $(SETUP) $$(call bins,$$*,$$($$*_BINS))
em-mt: build/em-mt/package.json

# Each program's .worker.js is CommonJS: tell Node so (the root package
# says "type": "module").
build/em-mt/package.json: | $(SETUP)
	@mkdir -p $(@D)
	echo '{"type":"commonjs"}' > $@

# A benchmark variant: tidebench again against a library built with one
# more flag, for a ratio row of the table: $(1) names the variant, $(2) is
# the flag. Built exactly as tidebench is, against a library archive of
# its own: linked from loose objects instead, the WASI program came out
# slower for reasons of layout and inlining, not of what the flag removes.
define bench_variant
$(foreach h,native wasi em,
$(h)-$(1)_CC      := $$($(h)_CC)
$(h)-$(1)_CFLAGS  := $$($(h)_CFLAGS) $(2)
$(h)-$(1)_AR      := $$($(h)_AR)
$(h)-$(1)_LDFLAGS := $$($(h)_LDFLAGS)
$(h)-$(1)_DRIVER  := $$($(h)_DRIVER)
$(h)-$(1)_LDDEPS  := $$($(h)_LDDEPS)
$$(eval $$(call $$(call lib_rule,$(h)),$(h)-$(1)))
BENCH_VARIANT_BINS += build/$(h)/tidebench_$(1)$($(h)_EXT)
build/$(h)/tidebench_$(1)$($(h)_EXT): bench/tidebench.c build/$(h)-$(1)/libtide.a $($(h)_LDDEPS) | $(SETUP)
	$$(call link,$(h)-$(1),$(h)-$(1))
)
endef

# Debug mode and tracing compiled out (TIDE_HOOKS=0, src/config.h): what
# their tests cost when the modes are off.
$(eval $(call bench_variant,nohooks,-DTIDE_HOOKS=0))
# The always-on checks for misuse of the coroutine protocol compiled out
# (TIDE_CHECKS=0, src/config.h; tide.h reads it for the checks in its
# macros): what they cost.
$(eval $(call bench_variant,nochecks,-DTIDE_CHECKS=0))

# ---- the npm package: dist/ --------------------------------------------------
# What the package ships (package.json "files"): the JS API and its types,
# the examples, and what tide-emcc needs to build your own programs (tide.h,
# libtide.a, the JS libraries and the link flags above), for both
# variants: the examples that call to_thread also ship their pthreads build
# (examples/threads/; the others would only pay for workers they never
# use), and lib/threads/ is what `tide-emcc --threads` links. lint/ is the
# coroutine rules checker, the `tide-lint` command. Its source: web/package/.
# wasi/ is Tide for wasm32-wasip1 (build/wasi/libtide.a) and the commands
# tide-cc and tide-run, from the top-level wasi/.
EM_MT_EXAMPLES := $(basename $(notdir $(shell grep -l tide_to_thread examples/*.c)))
PACKAGE_SRC    := $(wildcard web/package/* web/package/lint/*.mjs wasi/*.mjs)

.PHONY: dist
dist: build/dist.stamp

build/dist.stamp: $(filter-out web/package/lint,$(PACKAGE_SRC)) include/tide.h \
                  build/em/libtide.a build/em-mt/libtide.a build/wasi/libtide.a $(EM_JS_LIBS) Makefile \
                  $(call bins,em,$(EXAMPLES)) $(call bins,em-mt,$(EM_MT_EXAMPLES))
	EMCC="$(EMCC)" node web/package/make-dist.mjs --examples "$(EXAMPLES)" --js-libs "$(EM_JS_LIBS)" \
	    --link-flags "$(EM_LINK_FLAGS)" --threads-examples "$(EM_MT_EXAMPLES)" \
	    --threads-link-flags "$(EM_MT_LINK_FLAGS)"
	@touch $@

# Programs for the JS API tests (tests/programs/), built as users build
# theirs, with the package's tide-emcc: jsthreads and output in both
# variants (tide-emcc --threads), for tests/js/thread.test.mjs and for
# output from a Web Worker; output again with a file system linked in (the
# output takes another path then: src/host/emscripten.js, TideOutput).
USER_PROGS := build/em/user/jsapi.mjs build/em/user/jsthreads.mjs \
              build/em/user/output.mjs build/em/user/output_fs.mjs
build/em/user/jsapi.mjs:     TIDE_EMCC_FLAGS :=
build/em/user/jsthreads.mjs: TIDE_EMCC_FLAGS := --threads
build/em/user/output.mjs:    TIDE_EMCC_FLAGS := --threads
build/em/user/output_fs.mjs: TIDE_EMCC_FLAGS := -sFORCE_FILESYSTEM
user_src = tests/programs/$(patsubst %_fs,%,$(1)).c

build/em/user/%.mjs: $$(call user_src,%) build/dist.stamp
	@mkdir -p $(@D)
	web/package/tide-emcc $(TIDE_EMCC_FLAGS) $< -o $@

# ---- the live documentation page ---------------------------------------------
# web/page/ is the page; what it takes from npm packages is copied from
# node_modules into build/page/vendor/ (web/dev/serve.mjs serves it at
# /vendor/), so the page loads nothing from another origin. The syntax
# highlighter needs its core and the grammars the page uses (C, Python, and
# the two that those embed: comment TODOs and inline asm).
HIGHLIGHTER := node_modules/@speed-highlight/core
HIGHLIGHTER_FILES := index.js languages/c.js languages/py.js languages/todo.js \
                     languages/asm.js

# The editor (CodeMirror 6 with C) and what it imports, each package whole
# under vendor/npm/NAME/ (index.html's import map names their entries); the
# compiler (@yowasp/clang, about 105 MB: hard links where the file system
# allows) under vendor/yowasp-clang/, loaded only when someone edits.
EDITOR_PACKAGES := @codemirror/state @codemirror/view @codemirror/language \
                   @codemirror/commands @codemirror/lang-cpp @codemirror/lint \
                   @codemirror/streamparser @lezer/common @lezer/highlight @lezer/lr \
                   @lezer/cpp @marijn/find-cluster-break crelt style-mod w3c-keyname

.PHONY: page
page: build/page.stamp

# (npm ci, in setup, puts node_modules in line with package-lock.json)
build/page.stamp: $(SETUP) package-lock.json Makefile
	rm -rf build/page
	mkdir -p build/page/vendor/speed-highlight/languages
	for f in $(HIGHLIGHTER_FILES); do \
	    cp $(HIGHLIGHTER)/dist/$$f build/page/vendor/speed-highlight/$$f || exit 1; \
	done
	cp $(HIGHLIGHTER)/LICENSE build/page/vendor/speed-highlight/LICENSE
	for p in $(EDITOR_PACKAGES); do \
	    mkdir -p build/page/vendor/npm/$$p && \
	    cp -r node_modules/$$p/package.json node_modules/$$p/LICENSE* \
	        $$(ls -d node_modules/$$p/dist node_modules/$$p/src node_modules/$$p/index.js 2>/dev/null) \
	        build/page/vendor/npm/$$p/ || exit 1; \
	done
	mkdir -p build/page/vendor/yowasp-clang/gen
	cp node_modules/@yowasp/clang/package.json build/page/vendor/yowasp-clang/
	cp -l node_modules/@yowasp/clang/gen/* build/page/vendor/yowasp-clang/gen/ 2>/dev/null || \
	    cp node_modules/@yowasp/clang/gen/* build/page/vendor/yowasp-clang/gen/
	@touch $@

# ---- the coroutine rules checker ---------------------------------------------
# web/package/lint/ (tide-lint, on clang's AST) over every C file of ours
# with coroutines; `make test` runs it too (tests/lint/lint.test.mjs), with
# its corpora of wrong and right programs (tests/lint/).
LINT_SRC := $(wildcard examples/*.c examples/cli/*.c tests/c/*.c \
                       tests/programs/*.c tests/diff/*.c bench/*.c fuzz/*.c)

.PHONY: lint
lint: | $(SETUP)
	node web/package/lint/tide-lint.mjs -Isrc -Itests/c -Iexamples $(LINT_SRC)

# ---- fuzzing, fault injection, soak, differential testing --------------------
#
#   make fuzz [FUZZ_TIME=600] [FUZZ_ARGS=...]   coverage-guided fuzzing of the
#        C API (libFuzzer, ASan+UBSan); new inputs go to build/fuzz/corpus,
#        crashes to build/fuzz/artifacts/
#   make fuzz-merge     fold build/fuzz/corpus into fuzz/corpus, minimised
#   make fuzz-crashes   re-run the known crashes of fuzz/crashes/ with the
#        harness's workarounds off: says which still fail
#   make soak [SOAK_ARGS="tasks timers rounds"]  the soak on every host
#   make fuzz-diff [N=1000] [DIFF_START=1]   N random programs (seeds
#        DIFF_START..DIFF_START+N-1) run on Tide (native) and on CPython
#        3.13's asyncio (tools/cpython313 finds it: pyenv's 3.13, or
#        TIDE_PYTHON), traces compared; each divergence is printed with its
#        seed, both traces and a minimised program (tests/diff/README.md).
# `make test` runs a short fuzz run, the corpus on gcc's ASan and on WASI,
# the out-of-memory sweep of every test case, poll_oneoff and clock
# failures on WASI, fetch() failures on Emscripten, the soak, and a fixed
# set of differential seeds on every host (tests/js/fuzz.test.mjs,
# fault.test.mjs, soak.test.mjs, tests/diff/diff.test.mjs).

FUZZ_BINS  := build/fuzz/fuzz_ops build/fuzz/fuzz_ops_strict \
              build/asan/fuzz_replay build/wasi/fuzz_replay.wasm
SOAK_BINS  := build/native/soak build/asan/soak build/wasi/soak.wasm \
              build/em/soak.mjs
FAULT_BINS := build/wasi/hostfault.wasm build/native/hostfault
DIFF_BINS  := build/native/diff_interp build/asan/diff_interp \
              build/wasi/diff_interp.wasm build/em/diff_interp.mjs
# tests/browser/timers.test.mjs: short sleeps on time in Chromium and Node
TIMING_BINS := build/em/sleeps.mjs
# stdin and stdout as streams, driven by tests/js/streams.test.mjs
STREAM_BINS := build/native/streams build/asan/streams build/wasi/streams.wasm
# one program natively and under tide-run, compared (tests/js/wasi.test.mjs)
PROBE_BINS := build/native/wasiprobe build/wasi/wasiprobe.wasm
# programs beside their Python twins, compared (tests/js/apps.test.mjs)
APPS     := $(basename $(notdir $(wildcard tests/programs/app_*.c)))
APP_BINS := $(call bins,native,$(APPS)) $(call bins,asan,$(APPS)) \
            $(call bins,wasi,$(APPS)) $(call bins,em,$(APPS))

.PHONY: fuzz-build fuzz fuzz-merge fuzz-crashes soak fuzz-diff

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
	SOAK_ARGS="$(SOAK_ARGS)" node --test --test-reporter=spec tests/js/soak.test.mjs

fuzz-diff: build/native/diff_interp
	tools/cpython313 tests/diff/fuzz.py --interp build/native/diff_interp \
	    --start $(DIFF_START) --count $(N) --minimize

# ---- test, run, bench, clean -------------------------------------------------

.PHONY: test run bench clean

test: all dist page $(USER_PROGS) fuzz-build $(SOAK_BINS) $(FAULT_BINS) $(DIFF_BINS) \
      $(TIMING_BINS) $(STREAM_BINS) $(PROBE_BINS) $(APP_BINS)
	node --test --test-reporter=spec tests/

run: em dist page
	node web/dev/serve.mjs --port $(PORT)

bench: native wasi em $(BENCH_VARIANT_BINS) build/native/soak build/wasi/soak.wasm \
       build/em/soak.mjs dist page
	node bench/run.mjs
	node bench/page-compile.mjs

clean:
	rm -rf build dist

# ---- WASI programs, one batch ------------------------------------------------
# Every WASI program `make` and `make test` build, in one run of the driver
# (tools/wasi-build.mjs: @yowasp/clang takes seconds to start, so not one
# start per file; docs/design.md, "The WASI toolchain"). make sees the batch
# as one grouped target; the driver rebuilds only what is out of date by
# its own record (sources, the headers they include, flags, library) and
# touches the rest, so that make sees them all up to date afterwards. The
# batch: wasi_BINS, and every build/wasi/*.wasm of a *_BINS list above (so
# this section stays last) but the benchmark variants, which have libraries
# of their own; any other WASI program is built alone by the pattern rule.
WASI_PROGRAMS := $(sort $(wasi_BINS) $(patsubst build/wasi/%.wasm,%,$(filter build/wasi/%.wasm, \
                 $(filter-out $(BENCH_VARIANT_BINS),$(foreach v,$(filter %_BINS,$(.VARIABLES)),$($(v)))))))

$(call bins,wasi,$(WASI_PROGRAMS)) &: build/wasi/libtide.a $(wasi_LDDEPS) \
        $(foreach p,$(WASI_PROGRAMS),$(call prog_src,$(p)) $(call prog_extra,$(p))) | $(SETUP)
	$(wasi_DRIVER) programs --touch --lib build/wasi/libtide.a --outdir build/wasi \
	    --objdir build/wasi/progobj --cflags "$(wasi_CFLAGS) -Itests/c" \
	    $(foreach p,$(WASI_PROGRAMS),$(call driver_program,$(p),$(call prog_src,$(p)) \
	        $(filter %.c,$(call prog_extra,$(p))) $($(p)_FLAGS)))
