#!/bin/sh
# Unit tests of the allocation layer, in C (tests/unit/test_mem.c).
exec "${BUILD:-build}/unit/test_mem"
