#!/bin/sh
# The pure half of polling: callback names, query, cursor rules, tickets.
exec "${BUILD:-build}/unit/test_poll"
