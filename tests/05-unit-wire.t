#!/bin/sh
# Unit tests of the wire view's ring (tests/unit/test_wire.c).
exec "${BUILD:-build}/unit/test_wire"
