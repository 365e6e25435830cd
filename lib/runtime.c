// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Runtime plumbing every other file may use and that uses none of them:
 * the page size, the fork generation, type-stable object storage and the
 * slow paths of the pool lock.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

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
 * Type-stable storage for pools and batches: a destroyed object keeps its
 * memory (magic JS_DEAD_MAGIC) on a free list and is only reused for an
 * object of the same size, so a call on a destroyed pool or batch reads a
 * dead magic and fails with -EBADF instead of touching freed memory.
 */
struct js_free {
	uint32_t magic;		/* overlays the object's magic */
	size_t size;
	struct js_free *next;
};

static pthread_mutex_t js_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct js_free *js_cache;

void *js_obj_alloc(size_t size)
{
	struct js_free **pp, *f = NULL;

	pthread_mutex_lock(&js_cache_lock);
	for (pp = &js_cache; *pp; pp = &(*pp)->next) {
		if ((*pp)->size == size) {
			f = *pp;
			*pp = f->next;
			break;
		}
	}
	pthread_mutex_unlock(&js_cache_lock);
	if (f) {
		memset(f, 0, size);
		return f;
	}
	return calloc(1, size);
}

void js_obj_free(void *obj, size_t size)
{
	struct js_free *f = obj;

	memset((char *)obj + sizeof(uint32_t), 0, size - sizeof(uint32_t));
	f->magic = JS_DEAD_MAGIC;
	f->size = size;
	pthread_mutex_lock(&js_cache_lock);
	f->next = js_cache;
	js_cache = f;
	pthread_mutex_unlock(&js_cache_lock);
}

__attribute__((destructor)) static void js_fini(void)
{
	struct js_free *f, *next;

	pthread_mutex_lock(&js_cache_lock);
	for (f = js_cache; f; f = next) {
		next = f->next;
		free(f);
	}
	js_cache = NULL;
	pthread_mutex_unlock(&js_cache_lock);
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
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ __volatile__("yield");
#endif
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
