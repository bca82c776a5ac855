/*
 * core/mem.h - every allocation the server makes goes through here.
 *
 * In a normal build these are malloc, calloc, realloc and free, and a
 * count.  The point is the one place: a test build (make torture, make
 * coverage: -DMEM_FAIL_TESTING) can make the Nth allocation fail, on
 * purpose, to show that each failure ends in a clear error for the one
 * client it concerns and leaves the server serving everyone else, with
 * nothing leaked (curl's torture tests do this to libcurl).  The libc
 * calls the server makes allocate nothing of their own (no stdio on the
 * request path), so this really is every allocation.
 */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>
#include <stdint.h>

/* As malloc, calloc (count * size, overflow-checked), realloc and free. */
void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t size);
void mem_free(void *p);

/* Allocations asked for so far (failed ones included). */
uint64_t mem_allocations(void);

/* Test builds only (-DMEM_FAIL_TESTING): make allocation number n (1 =
 * the first from now on) fail, once; 0 disarms.  In a normal build this
 * does nothing and returns -1. */
int mem_fail_at(uint64_t n);

#endif
