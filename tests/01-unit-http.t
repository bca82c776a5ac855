#!/bin/sh
# Unit tests of http, in C (tests/unit/test_http.c).
exec "${BUILD:-build}/unit/test_http"
