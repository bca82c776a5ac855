#!/bin/sh
# Unit tests of the forever frame's bytes, in C (tests/unit/test_iframe.c).
exec "${BUILD:-build}/unit/test_iframe"
