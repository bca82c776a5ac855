# Build ./server from libc alone.  CC and CFLAGS may be overridden:
#   make CC=clang            make CC=musl-gcc          make CFLAGS='-O0 -g'
# Targets: all (default), test, test-san, server-san, unit, clean.
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

.PHONY: all test test-san test-setup unit clean

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

# The whole suite against ./server.  TESTS selects scripts, e.g.
#   make test TESTS='tests/10-http.t'
TESTS ?= tests/*.t
test: server unit test-setup $(BUILD)/bench/bench
	BUILD=$(BUILD) SERVER=./server BENCH_BIN=$(BUILD)/bench/bench prove $(PROVE_FLAGS) $(TESTS)

# The same suite against the sanitizer build.
test-san: $(BUILD)/server-san $(UNIT_SAN_BIN) test-setup $(BUILD)/bench/bench
	BUILD=$(BUILD)/san SERVER=$(BUILD)/server-san BENCH_BIN=$(BUILD)/bench/bench prove $(PROVE_FLAGS) $(TESTS)

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
