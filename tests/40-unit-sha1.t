#!/bin/sh
# sha1 unit tests (tests/unit/test_sha1.c), TAP from the C program.
exec "${BUILD:-build}/unit/test_sha1"
