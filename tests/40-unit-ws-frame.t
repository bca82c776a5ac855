#!/bin/sh
# The pure RFC 6455 parts (ws_proto.c) unit tests, TAP from the C program.
exec "${BUILD:-build}/unit/test_ws_frame"
