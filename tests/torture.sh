#!/bin/bash
# torture.sh - allocation failures on purpose (make torture; make
# coverage runs it too): tests/torture.py against $SERVER, a test build
# (-DMEM_FAIL_TESTING) that fails the allocation $MEM_FAIL_AT asks for.
. "$(dirname "$0")/lib.sh"
PYTHONPATH="$ROOT/tests" run_python_tap tests/torture.py "$SERVER"
done_testing
