#!/bin/sh
# base64 unit tests (tests/unit/test_base64.c), TAP from the C program.
exec "${BUILD:-build}/unit/test_base64"
