// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Runtime plumbing every other file may use and that uses none of them:
 * the page size, the fork generation, storage for pools and batches, the
 * slow paths of the pool lock and the profiling sinks' warning line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"
#include "profile.h"

size_t js_page_size = 4096;
unsigned int js_page_shift = 12;
unsigned int js_fork_gen;	/* bumped in every child: see js_forked() */

static void js_atfork_child(void)
{
	__atomic_fetch_add(&js_fork_gen, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void js_init(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (ps > 0 && !(ps & (ps - 1))) {
		js_page_size = (size_t)ps;
		js_page_shift = (unsigned int)__builtin_ctzl((unsigned long)ps);
	}
	pthread_atfork(NULL, NULL, js_atfork_child);
}

/*
 * Room for @need elements of @elem bytes in @arr (capacity *@cap): the
 * capacity doubles from at least @min.  The array, or NULL without memory
 * (@arr and *@cap unchanged).
 */
void *js_grow(void *arr, size_t *cap, size_t need, size_t elem, size_t min)
{
	size_t n = *cap ? *cap : min;
	void *p;

	if (arr && need <= *cap)
		return arr;
	while (n < need)
		n *= 2;
	p = realloc(arr, n * elem);
	if (p)
		*cap = n;
	return p;
}

/*
 * Storage for pools and batches whose addresses are never reused, so
 * that a call on a destroyed one always fails with -EBADF and never acts
 * on a newer object.  Each object has a page of its own in a block of
 * JS_OBJ_BLOCK bytes, handed out in address order; a destroyed object's
 * page is given back (MADV_DONTNEED: it reads as zeroes, a magic no
 * object has), and a block whose every page was given back is mapped
 * afresh, read-only, which also frees its page tables.  What stays is
 * address space: a page per object ever created.
 */
#define JS_OBJ_BLOCK	(2UL << 20)

struct js_obj_block {
	char *base;
	size_t next;		/* bytes handed out */
	size_t dead;		/* bytes given back */
	struct js_obj_block *older;
};

static pthread_mutex_t js_obj_lock = PTHREAD_MUTEX_INITIALIZER;
static struct js_obj_block *js_obj_blocks;	/* newest first */

static struct js_obj_block *js_obj_block_new(void)
{
	struct js_obj_block *blk = calloc(1, sizeof(*blk));
	void *p;

	if (!blk)
		return NULL;
	p = mmap(NULL, JS_OBJ_BLOCK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(blk);
		return NULL;
	}
	/* a huge page would hold 2 MiB for one object */
	madvise(p, JS_OBJ_BLOCK, MADV_NOHUGEPAGE);
	blk->base = p;
	blk->older = js_obj_blocks;
	js_obj_blocks = blk;
	return blk;
}

void *js_obj_alloc(size_t size)
{
	struct js_obj_block *blk;
	void *obj = NULL;

	if (size > js_page_size)
		return NULL;
	pthread_mutex_lock(&js_obj_lock);
	blk = js_obj_blocks;
	if (!blk || blk->next == JS_OBJ_BLOCK)
		blk = js_obj_block_new();
	if (blk) {
		obj = blk->base + blk->next;
		blk->next += js_page_size;
	}
	pthread_mutex_unlock(&js_obj_lock);
	return obj;	/* a fresh page: zeroes */
}

void js_obj_free(void *obj, size_t size)
{
	struct js_obj_block **pp, *blk;
	char *p = obj;

	(void)size;
	madvise(p, js_page_size, MADV_DONTNEED);
	pthread_mutex_lock(&js_obj_lock);
	for (pp = &js_obj_blocks; (blk = *pp); pp = &blk->older)
		if (p >= blk->base && p < blk->base + JS_OBJ_BLOCK)
			break;
	if (blk) {
		blk->dead += js_page_size;
		if (blk->dead == JS_OBJ_BLOCK) {
			mmap(blk->base, JS_OBJ_BLOCK, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			     MAP_FIXED, -1, 0);
			*pp = blk->older;
			free(blk);
		}
	}
	pthread_mutex_unlock(&js_obj_lock);
}

void js_lock_slow(int *l)
{
	int c, i;

	/* a short spin: the holder is usually about to let go */
	for (i = 0; i < 100; i++) {
		c = 0;
		if (__atomic_compare_exchange_n(l, &c, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		js_arch_relax();
	}
	c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	while (c) {
		syscall(SYS_futex, l, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	}
}

void js_unlock_slow(int *l)
{
	syscall(SYS_futex, l, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Sleep while *@addr is @val (or until woken). */
void js_futex_wait(int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void js_futex_wake_all(int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

#ifdef JS_DEBUG
#include <stdio.h>

void js_assert_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "libjitseal: %s:%d: %s\n", file, line, what);
	abort();
}
#endif

/* The profiling sinks' one warning line each on stderr. */
void js_prof_warn(bool *once, const char *fmt, ...)
{
	va_list ap;

	if (*once)
		return;
	*once = true;
	va_start(ap, fmt);
	fputs("libjitseal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
