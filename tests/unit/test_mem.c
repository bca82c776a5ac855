/*
 * test_mem.c - core/mem.c, the one way the server allocates: every
 * allocation is counted, calloc's multiplication cannot overflow into a
 * small block, and in a test build (-DMEM_FAIL_TESTING: make coverage,
 * make torture) the allocation mem_fail_at() names fails, once.
 */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "tap.h"

int main(void)
{
    uint64_t before = mem_allocations();
    char *p = mem_alloc(16);
    char *q = mem_calloc(4, 4);
    p = mem_realloc(p, 32);
    tap_ok(p != NULL && q != NULL && mem_allocations() == before + 3,
           "malloc, calloc and realloc each count one allocation");
    tap_ok(q[0] == 0 && memcmp(q, q + 1, 15) == 0, "calloc's block is zeroed");
    tap_ok(mem_calloc(SIZE_MAX / 2, 4) == NULL,
           "a calloc whose size overflows fails instead of allocating less");
    mem_free(p);
    mem_free(q);
    mem_free(NULL);
#ifdef MEM_FAIL_TESTING
    tap_ok(mem_fail_at(2) == 0, "a test build arms a failure");
    void *first = mem_alloc(8), *second = mem_alloc(8), *third = mem_alloc(8);
    tap_ok(first != NULL && second == NULL && third != NULL,
           "the second allocation from then on fails, and only that one");
    mem_free(first);
    mem_free(third);
    mem_fail_at(1);
    mem_fail_at(0);
    first = mem_alloc(8);
    tap_ok(first != NULL, "mem_fail_at(0) disarms a failure armed before");
    mem_free(first);
#else
    tap_ok(mem_fail_at(1) == -1 && (p = mem_alloc(8)) != NULL,
           "a normal build has no failure to arm: allocations go on");
    mem_free(p);
#endif
    return tap_done();
}
