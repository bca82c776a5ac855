# Build ./server from libc alone.  CC and CFLAGS may be overridden:
#   make CC=clang            make CC=musl-gcc          make CFLAGS='-O0 -g'
# Targets: all (default), test, test-san, server-san, unit, fuzz,
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

# The server: the loop and its parts, then one file per technique.
CORE_SRC = buf.c http.c hub.c escape.c utf8.c static.c routes.c sha1.c base64.c wire.c
TECH_SRC = poll.c poll_wire.c iframe.c ws.c ws_proto.c sse.c article.c step.c
SRC      = server.c $(CORE_SRC) $(TECH_SRC)
OBJ      = $(SRC:%.c=$(BUILD)/%.o)
SAN_OBJ  = $(SRC:%.c=$(BUILD)/san/%.o)

# Unit tests: tests/unit/test_X.c prints TAP and links every object of the
# server; server.c is compiled once more with its main() renamed, so the
# test program's own main() is the one that runs.
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
UNIT_LIB = $(BUILD)/unit/server-nomain.o $(filter-out $(BUILD)/server.o,$(OBJ))

.PHONY: all test test-san test-valgrind test-setup unit fuzz fuzz-build soak clean

all: server

server: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ)

$(BUILD)/%.o: %.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The AddressSanitizer + UndefinedBehaviorSanitizer build of the same server.
$(BUILD)/server-san: $(SAN_OBJ)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(SAN_OBJ)

$(BUILD)/san/%.o: %.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

server-san: $(BUILD)/server-san

# The unit tests under the sanitizers too.
UNIT_SAN_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/unit/%)
UNIT_SAN_LIB = $(BUILD)/san/unit/server-nomain.o $(filter-out $(BUILD)/san/server.o,$(SAN_OBJ))

$(BUILD)/san/unit/server-nomain.o: server.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -Dmain=server_main -c -o $@ server.c

$(BUILD)/san/unit/%: tests/unit/%.c tests/unit/tap.h $(UNIT_SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -I. -o $@ $< $(UNIT_SAN_LIB)

$(BUILD)/unit/server-nomain.o: server.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -Dmain=server_main -c -o $@ server.c

$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(UNIT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -I. -o $@ $< $(UNIT_LIB)

unit: $(UNIT_BIN)

# Checks for (and where it can, installs) the tools the tests use.
test-setup:
	@sh tests/setup.sh

# The whole suite against ./server.  TESTS selects scripts, BROWSERS the
# engines every browser test runs in (each in turn), e.g.
#   make test TESTS='tests/10-http.t'
#   make test BROWSERS=firefox TESTS='tests/29-poll-browser.t tests/52-sse-browser.t'
TESTS ?= tests/*.t
BROWSERS ?= chromium firefox
test: server unit test-setup $(BUILD)/bench/bench
	BUILD=$(BUILD) SERVER=./server BENCH_BIN=$(BUILD)/bench/bench BROWSERS="$(BROWSERS)" \
	    prove $(PROVE_FLAGS) $(TESTS)

# The same suite against the sanitizer build.
test-san: $(BUILD)/server-san $(UNIT_SAN_BIN) test-setup $(BUILD)/bench/bench
	BUILD=$(BUILD)/san SERVER=$(BUILD)/server-san BENCH_BIN=$(BUILD)/bench/bench BROWSERS="$(BROWSERS)" \
	    prove $(PROVE_FLAGS) $(TESTS)

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
test-valgrind: server unit test-setup
	BUILD=$(BUILD) SERVER=./server SERVER_WRAPPER="$(VALGRIND)" TIME_SCALE=3 \
	    NODE_TAP_TIMEOUT=360 BROWSERS="$(BROWSERS)" prove $(PROVE_FLAGS) $(TESTS)

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
# Each target links the whole server, built apart (in $(BUILD)/fuzz) with
# the fuzzer's flags; server.c is compiled with its main() renamed, since
# libFuzzer brings its own.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_MAX_LEN ?= 12000
FUZZ_FLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB      = $(BUILD)/fuzz/server-nomain.o $(CORE_SRC:%.c=$(BUILD)/fuzz/%.o) \
                $(TECH_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_BIN      = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_LIB)   # keep the objects between runs

$(BUILD)/fuzz/server-nomain.o: server.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -Dmain=server_main -c -o $@ server.c

$(BUILD)/fuzz/%.o: %.c $(wildcard *.h) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(STD) $(WARN) $(CPPFLAGS) $(FUZZ_FLAGS) -I. -o $@ $< $(FUZZ_LIB)

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
# workloads against npm ws, the article's nodejs-websocket and SSE
# servers (installed by npm into $(BENCH_NODE), never committed) and
# nginx where installed.  BENCH_QUICK=1 makes either a few-second run.
BENCH_SRC  = bench/bench.c bench/client.c bench/proc.c bench/workloads.c
BENCH_OBJ  = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%.o)
BENCH_BIN  = $(BUILD)/bench/bench
BENCH_NODE = $(BUILD)/bench/node
BENCH_OUT ?= bench

$(BUILD)/bench/%.o: bench/%.c $(wildcard bench/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BENCH_BIN): $(BENCH_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BENCH_OBJ) -lm

.PHONY: bench bench-peers bench-node
bench: server $(BENCH_BIN)
	$(BENCH_BIN) -o $(if $(BENCH_QUICK),$(BUILD)/bench,$(BENCH_OUT))

# The peers' npm packages, at the versions in bench/peers/package.json.
bench-node:
	@mkdir -p $(BENCH_NODE)
	@cp bench/peers/package.json $(BENCH_NODE)/package.json
	@test -d $(BENCH_NODE)/node_modules/ws -a -d $(BENCH_NODE)/node_modules/nodejs-websocket \
	  || npm install --prefix $(BENCH_NODE) --no-audit --no-fund --loglevel=error

bench-peers: server $(BENCH_BIN) bench-node
	BENCH_PEER_WS="node bench/peers/ws-server.js" \
	BENCH_PEER_NWS="node bench/peers/nodejs-websocket-server.js" \
	BENCH_PEER_SSE="node bench/peers/sse-server.js" \
	BENCH_PEER_NGINX="$$(command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx && echo 'sh bench/peers/nginx.sh {PORT}')" \
	NODE_PATH=$(abspath $(BENCH_NODE))/node_modules \
	$(BENCH_BIN) -p -o $(if $(BENCH_QUICK),$(BUILD)/bench,$(BENCH_OUT))
