#!/bin/sh
# Unit tests of stream.c's pure half (tests/unit/test_stream.c): the query,
# NDJSON lines and notices, UTF-8 characters, the reply's events.
exec "${BUILD:-build}/unit/test_stream"
