#!/bin/sh
# Unit tests of the connection layer, in C (tests/unit/test_conn.c).
exec "${BUILD:-build}/unit/test_conn"
