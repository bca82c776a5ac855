# Build ./server from libc alone.  CC and CFLAGS may be overridden:
#   make CC=clang            make CC=musl-gcc          make CFLAGS='-O0 -g'
# Targets: all (default), test, test-san, server-san, unit, layers, fuzz,
# test-valgrind, soak, clean.
# BUILD puts objects (and server-san, unit tests) somewhere else, so that
# two builds of one tree do not collide.

CC      ?= cc
STD     ?= -std=c99
WARN    ?= -Wall -Wextra -Wpedantic
CFLAGS  ?= -O2 -g
CPPFLAGS += -D_XOPEN_SOURCE=700
BUILD   ?= build
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The server, layer by layer (README, "Layout"; teach/source.c lists the
# same files for the annotated source, and tests/16-layers.t checks that
# both agree with the tree): the pure units, the connection layer and the
# loop, the techniques, the teaching modes, the route table, main.
CORE_SRC  = $(wildcard core/*.c) sha1.c base64.c
NET_SRC   = $(wildcard net/*.c)
TECH_SRC  = poll.c iframe.c ws.c sse.c stream.c static.c
TEACH_SRC = $(wildcard teach/*.c)
LIB_SRC   = $(CORE_SRC) $(NET_SRC) $(TECH_SRC) $(TEACH_SRC) routes.c
SRC       = $(LIB_SRC) server.c
HEADERS   = $(wildcard *.h core/*.h net/*.h teach/*.h)
OBJ       = $(SRC:%.c=$(BUILD)/%.o)
SAN_OBJ   = $(SRC:%.c=$(BUILD)/san/%.o)
# Includes name their folder ("core/http.h"), found from the top level
# (-iquote: for #include "...", so poll.h never hides the system <poll.h>).
# The annotated source reads the files from where they were built.
CPPFLAGS += -iquote . -DSOURCE_DIR='"$(CURDIR)"'

# Unit tests: tests/unit/test_X.c prints TAP and links every object of
# the server but main's (server.c): the layers below main need nothing
# from it.
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
UNIT_LIB = $(LIB_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test test-san test-valgrind test-setup unit layers fuzz fuzz-build soak clean

all: server

server: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ)

$(BUILD)/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The AddressSanitizer + UndefinedBehaviorSanitizer build of the same server.
$(BUILD)/server-san: $(SAN_OBJ)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(SAN_OBJ)

$(BUILD)/san/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

server-san: $(BUILD)/server-san

# The unit tests under the sanitizers too.
UNIT_SAN_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/unit/%)
UNIT_SAN_LIB = $(LIB_SRC:%.c=$(BUILD)/san/%.o)

$(BUILD)/san/unit/%: tests/unit/%.c tests/unit/tap.h $(UNIT_SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(UNIT_SAN_LIB)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(UNIT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(UNIT_LIB)

unit: $(UNIT_BIN)

# The layers run one way (tests/16-layers.t: nm over the objects, the one
# list of source files against the tree, file and function lengths).
layers: server test-setup
	BUILD=$(BUILD) SERVER=./server prove $(PROVE_FLAGS) tests/16-layers.t

# Checks for (and where it can, installs) the tools the tests use.
test-setup:
	@sh tests/setup.sh

# The whole suite against ./server.  TESTS selects scripts, BROWSERS the
# engines every browser test runs in (each in turn), e.g.
#   make test TESTS='tests/10-http.t'
#   make test BROWSERS=firefox TESTS='tests/29-poll-browser.t tests/52-sse-browser.t'
TESTS ?= tests/*.t
# tests/95-bench-quick.t also runs the limit peers (epoll: Linux only).
TEST_LIMIT = $(if $(filter Linux,$(shell uname -s)),bench-limit)
# The browser tests run in each engine named here (tests/README.md).
BROWSERS ?= chromium firefox
test: server unit test-setup $(BUILD)/bench/bench $(TEST_LIMIT)
	BUILD=$(BUILD) SERVER=./server BENCH_BIN=$(BUILD)/bench/bench BROWSERS="$(BROWSERS)" \
	    BENCH_LIMIT_DIR=$(BUILD)/bench/peers prove $(PROVE_FLAGS) $(TESTS)

# The same suite against the sanitizer build.
test-san: $(BUILD)/server-san $(UNIT_SAN_BIN) test-setup $(BUILD)/bench/bench $(TEST_LIMIT)
	BUILD=$(BUILD)/san SERVER=$(BUILD)/server-san BENCH_BIN=$(BUILD)/bench/bench BROWSERS="$(BROWSERS)" \
	    BENCH_LIMIT_DIR=$(BUILD)/bench/peers prove $(PROVE_FLAGS) $(TESTS)

# The same suite with the server under valgrind's memcheck: an invalid
# read or write, a use of uninitialised memory, or a leak left at exit
# (after SIGTERM) makes it exit 99, which every test reports as a failure.
# The browser tests run in Chromium alone here (BROWSERS=... on the
# command line overrides it): test-san already runs Firefox's traffic
# against a server that reports invalid accesses and leaks, memcheck
# would add only uninitialised reads for it, and Firefox adds about 4
# minutes to each of CI's three runs (measured: 253 s of browser tests
# under memcheck against Chromium's 170 s), a margin CI keeps.
test-valgrind: BROWSERS = chromium
VALGRIND ?= valgrind --quiet --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect,possible \
            --show-leak-kinds=definite,indirect,possible
# tests/96-browser-i18n.t is left out here: it reads every page's text
# in both languages, and the server's part in it is serving static
# files, which the other scripts already run under memcheck; it would add
# some 4 minutes (make test and make coverage run it).
VALGRIND_TESTS ?= $(filter-out tests/96-browser-i18n.t,$(wildcard $(TESTS)))
test-valgrind: server unit test-setup
	BUILD=$(BUILD) SERVER=./server SERVER_WRAPPER="$(VALGRIND)" TIME_SCALE=3 \
	    NODE_TAP_TIMEOUT=360 BROWSERS="$(BROWSERS)" prove $(PROVE_FLAGS) $(VALGRIND_TESTS)

# ---- allocation failures on purpose, and coverage (issue 16) ----
# A test build (-DMEM_FAIL_TESTING) fails the allocation $MEM_FAIL_AT
# asks for (core/mem.c).  `make torture` builds it with ASan + UBSan and
# runs tests/torture.py: every allocation of each scenario fails in
# turn, and each run must end in a clear error or a counted drop, the
# server still serving a bystander and exiting 0 with nothing leaked.
TORTURE_CC    ?= clang
TORTURE_FLAGS  = -O1 -g -DMEM_FAIL_TESTING $(SAN_FLAGS)
TORTURE_OBJ    = $(SRC:%.c=$(BUILD)/torture/%.o)

$(BUILD)/torture/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(TORTURE_CC) $(STD) $(WARN) $(CPPFLAGS) $(TORTURE_FLAGS) -c -o $@ $<

$(BUILD)/server-torture: $(TORTURE_OBJ)
	$(TORTURE_CC) $(TORTURE_FLAGS) $(LDFLAGS) -o $@ $(TORTURE_OBJ)

torture: $(BUILD)/server-torture test-setup
	BUILD=$(BUILD) SERVER=$(BUILD)/server-torture prove $(PROVE_FLAGS) tests/torture.sh

# `make coverage`: the suite and the torture runs against a build with
# gcc's --coverage (and the allocation failures), then gcov per file:
# lines and branches taken, and every line never run with the reason it
# is not (tests/uncovered.txt).  Fails below COVERAGE_LINES % of lines or
# COVERAGE_BRANCHES % of branches, or on a line never run without a
# stated reason.  The build also carries gcc's AddressSanitizer (with
# its leak check; COV_SAN_FLAGS= turns it off), so one run of the suite
# is at once the coverage run, a sanitizer run (an invalid access or a
# leak at exit fails the test that caused it) and, through
# tests/torture.sh, the torture run with its leak check: CI runs this
# instead of test-san and torture apart.  Not UBSan: its checks are
# inserted before gcov counts branches and would add some 10% of
# branches that only fire on undefined behaviour (548 against 508 in
# core/http.c); ASan's come after, and add none.  UBSan runs in
# `make test-san`, in every fuzzer, and in CI's `make test` (CFLAGS).
COV_CC            ?= gcc
COV_SAN_FLAGS     ?= -fsanitize=address -fno-omit-frame-pointer
COV_FLAGS          = -O0 -g --coverage -DMEM_FAIL_TESTING $(COV_SAN_FLAGS)
COV_OBJ            = $(SRC:%.c=$(BUILD)/cov/%.o)
UNIT_COV_BIN       = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/cov/unit/%)
UNIT_COV_LIB       = $(LIB_SRC:%.c=$(BUILD)/cov/%.o)
COVERAGE_LINES    ?= 98
COVERAGE_BRANCHES ?= 92

$(BUILD)/cov/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(COV_CC) $(STD) $(WARN) $(CPPFLAGS) $(COV_FLAGS) -c -o $@ $<

$(BUILD)/server-cov: $(COV_OBJ)
	$(COV_CC) $(COV_FLAGS) $(LDFLAGS) -o $@ $(COV_OBJ)

$(BUILD)/cov/unit/%: tests/unit/%.c tests/unit/tap.h $(UNIT_COV_LIB)
	@mkdir -p $(dir $@)
	$(COV_CC) $(STD) $(WARN) $(CPPFLAGS) $(COV_FLAGS) -o $@ $< $(UNIT_COV_LIB)

.PHONY: torture coverage
coverage: $(BUILD)/server-cov $(UNIT_COV_BIN) test-setup $(BUILD)/bench/bench $(TEST_LIMIT)
	@find $(BUILD)/cov -name '*.gcda' -delete
	@status=0; \
	BUILD=$(BUILD)/cov SERVER=$(BUILD)/server-cov BENCH_BIN=$(BUILD)/bench/bench \
	    BENCH_LIMIT_DIR=$(BUILD)/bench/peers BROWSERS="$(BROWSERS)" \
	    prove $(PROVE_FLAGS) $(TESTS) tests/torture.sh || status=1; \
	/usr/bin/python3 tests/coverage.py $(BUILD)/cov $(COVERAGE_LINES) $(COVERAGE_BRANCHES) \
	    $(SRC) || status=1; \
	exit $$status

# The soak (tests/soak.sh): clients of every technique coming, publishing
# and leaving at random for SOAK_SECONDS, then no stayer lost an event and
# the connection table, descriptors and RSS are back where they started.
# tests/84-soak-short.t runs it for 20 s in the normal suite.
SOAK_SECONDS ?= 120
soak: server
	BUILD=$(BUILD) SERVER=./server SOAK_SECONDS=$(SOAK_SECONDS) prove -v tests/soak.sh

# ---- fuzzing: clang's libFuzzer with ASan and UBSan ----
# fuzz/fuzz_NAME.c is a target, fuzz/corpus/NAME/ its seeds.  To add one,
# write the file, commit seeds, and add one line here:
FUZZ_TARGETS  = http
FUZZ_TARGETS += chunked
FUZZ_TARGETS += static_path
FUZZ_TARGETS += utf8
FUZZ_TARGETS += query
FUZZ_TARGETS += base64
FUZZ_TARGETS += ws
FUZZ_TARGETS += callback
FUZZ_TARGETS += cursor
FUZZ_TARGETS += sse_event
# Each target links the server's objects but main's, built apart (in
# $(BUILD)/fuzz) with the fuzzer's flags; libFuzzer brings its own main.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_MAX_LEN ?= 12000
FUZZ_FLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB      = $(LIB_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_BIN      = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_LIB)   # keep the objects between runs

$(BUILD)/fuzz/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(STD) $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB)

fuzz-build: $(FUZZ_BIN)

# Run each target for FUZZ_SECONDS, starting from its committed seeds.
# New inputs go to $(BUILD)/fuzz/corpus/NAME (the committed corpus is
# only read); the log is $(BUILD)/fuzz/NAME.log; a crash is saved as
# $(BUILD)/fuzz/NAME-crash-* and stops make.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s"; \
		mkdir -p $(BUILD)/fuzz/corpus/$$t || exit 1; \
		if ! $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$(FUZZ_MAX_LEN) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- \
			$(BUILD)/fuzz/corpus/$$t fuzz/corpus/$$t >$(BUILD)/fuzz/$$t.log 2>&1; \
		then tail -n 60 $(BUILD)/fuzz/$$t.log; exit 1; fi; \
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $(BUILD)/fuzz/$$t.log; \
	done

clean:
	rm -rf $(BUILD) server

# ---- the benchmark (bench/, issue 9) ----
# `make bench` runs our server alone; `make bench-peers` runs the same
# workloads against the limit servers (bench/peers/limit-*.c, the least
# each workload needs), npm ws, the article's nodejs-websocket and SSE
# servers (installed by npm into $(BENCH_NODE), never committed) and
# nginx where installed.  BENCH_QUICK=1 makes either a few-second run.
BENCH_SRC  = bench/bench.c bench/compare.c bench/client.c bench/proc.c bench/svg.c bench/workloads.c bench/reply.c
BENCH_OBJ  = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%.o)
BENCH_BIN  = $(BUILD)/bench/bench
BENCH_NODE = $(BUILD)/bench/node
BENCH_OUT ?= bench

$(BUILD)/bench/%.o: bench/%.c $(wildcard bench/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BENCH_BIN): $(BENCH_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BENCH_OBJ) -lm

# The limit peers (issue 15): minimal epoll servers, the least each
# workload needs (bench/peers/limit.h).  Linux only; they share the
# server's SHA-1 and base64 for the handshake.  `make bench-limit` builds
# them alone.
LIMIT_PEERS = limit-echo limit-broadcast limit-sse
LIMIT_BIN   = $(LIMIT_PEERS:%=$(BUILD)/bench/peers/%)

$(BUILD)/bench/peers/%.o: bench/peers/%.c bench/peers/limit.h sha1.h base64.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -I. -c -o $@ $<

$(LIMIT_BIN): $(BUILD)/bench/peers/%: $(BUILD)/bench/peers/%.o $(BUILD)/bench/peers/limit.o $(BUILD)/sha1.o $(BUILD)/base64.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

.PHONY: bench bench-peers bench-node bench-limit
bench-limit: $(LIMIT_BIN)

bench: server $(BENCH_BIN)
	$(BENCH_BIN) -o $(if $(BENCH_QUICK),$(BUILD)/bench,$(BENCH_OUT))

# The peers' npm packages, at the versions in bench/peers/package.json.
bench-node:
	@mkdir -p $(BENCH_NODE)
	@cp bench/peers/package.json $(BENCH_NODE)/package.json
	@test -d $(BENCH_NODE)/node_modules/ws -a -d $(BENCH_NODE)/node_modules/nodejs-websocket \
	  || npm install --prefix $(BENCH_NODE) --no-audit --no-fund --loglevel=error

bench-peers: server $(BENCH_BIN) bench-node bench-limit
	BENCH_PEER_LIMIT_ECHO="$(BUILD)/bench/peers/limit-echo" \
	BENCH_PEER_LIMIT_BROADCAST="$(BUILD)/bench/peers/limit-broadcast" \
	BENCH_PEER_LIMIT_SSE="$(BUILD)/bench/peers/limit-sse" \
	BENCH_PEER_WS="node bench/peers/ws-server.js" \
	BENCH_PEER_NWS="node bench/peers/nodejs-websocket-server.js" \
	BENCH_PEER_SSE="node bench/peers/sse-server.js" \
	BENCH_PEER_NGINX="$$(command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx && echo 'sh bench/peers/nginx.sh {PORT}')" \
	NODE_PATH=$(abspath $(BENCH_NODE))/node_modules \
	$(BENCH_BIN) -p -o $(if $(BENCH_QUICK),$(BUILD)/bench,$(BENCH_OUT))
