#!/bin/sh
# Unit tests of the stepper's loopback check and article mode's pure helpers (tests/unit/test_exhibit.c).
exec "${BUILD:-build}/unit/test_exhibit"
