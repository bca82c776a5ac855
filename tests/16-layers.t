#!/bin/bash
# 16-layers.t - the layers run one way (issue 17), checked with the
# linker's own view: tests/layers.py runs nm over the server's objects
# and fails on a use of a higher layer or a cycle between units; the
# server's one list of its source files (GET /source/files, from
# teach/source.c) must match the tree, each file opening with its
# "NAME - what it is" line; no file over 800 lines, no function over 80.  `make layers` runs this alone.
. "$(dirname "$0")/lib.sh"
start_server
curl -s --max-time 5 "$BASE/source/files" >"$T_TMP/files.json"
is "$(jq -r '.layers | map(.id) | join(" ")' "$T_TMP/files.json")" \
   "core conn loop techniques teach routes main" "/source/files lists the layers bottom first"
is "$(jq -r '[.layers[].files[] | select(.about == "") | .name] | join(" ")' "$T_TMP/files.json")" "" \
   "every listed file opens with a header comment \"NAME - what it is\" (its about line)"
run_python_tap tests/layers.py "$BUILD" "$T_TMP/files.json"
done_testing
