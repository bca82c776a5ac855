#!/bin/sh
# Unit tests of core, in C (tests/unit/test_core.c).
exec "${BUILD:-build}/unit/test_core"
