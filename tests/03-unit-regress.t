#!/bin/sh
# Regression tests for bugs found by fuzzing and fault testing.
exec "${BUILD:-build}/unit/test_regress"
