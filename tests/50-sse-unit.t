#!/bin/sh
# Unit tests of the event-stream writer and cursor parser (tests/unit/test_sse.c).
exec "${BUILD:-build}/unit/test_sse"
