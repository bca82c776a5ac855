/*
 * core/mem.c - the one way to allocate (see core/mem.h).
 *
 * mem_get() is the one function every allocation passes: a new block
 * (old NULL) or a resized one, zeroed or not.  It counts, and in a test
 * build it fails the one allocation it was told to.
 */
#include "core/mem.h"

#include <stdlib.h>

static uint64_t allocations;
#ifdef MEM_FAIL_TESTING
static uint64_t fail_at;       /* the allocation number to fail, 0: none */
#endif

int mem_fail_at(uint64_t n)
{
#ifdef MEM_FAIL_TESTING
    fail_at = n == 0 ? 0 : allocations + n;
    return 0;
#else
    (void)n;
    return -1;
#endif
}

uint64_t mem_allocations(void)
{
    return allocations;
}

static void *mem_get(void *old, size_t size, int zero)
{
    allocations++;
#ifdef MEM_FAIL_TESTING
    if (allocations == fail_at)
        return NULL;
#endif
    if (old != NULL)
        return realloc(old, size);
    return zero ? calloc(1, size) : malloc(size);
}

void *mem_alloc(size_t size)
{
    return mem_get(NULL, size, 0);
}

void *mem_calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return mem_get(NULL, count * size, 1);
}

void *mem_realloc(void *p, size_t size)
{
    return mem_get(p, size, 0);
}

void mem_free(void *p)
{
    free(p);
}
