#!/usr/bin/env bash
# The soak (tests/soak.sh, `make soak` runs it for SOAK_SECONDS, 120 by
# default) for 20 s in the normal suite: clients of every technique
# coming, publishing and leaving at random; no stayer loses an event; the
# connection table, descriptors and RSS come back.
SOAK_SECONDS=20 exec bash "$(dirname "$0")/soak.sh" 20
