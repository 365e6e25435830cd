// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Pools: creation, destruction and growth.
 *
 * A region is one reservation laid out code | rodata | data.  The first
 * region is reserved anywhere (or near opts->near); later ones are placed
 * so that the span of all regions stays within 2 GiB, so any byte of the
 * pool reaches any other with a rel32 displacement.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "profile.h"

size_t js_page_size = 4096;
unsigned int js_fork_gen;	/* bumped in every child: see js_forked() */

static void js_atfork_child(void)
{
	__atomic_fetch_add(&js_fork_gen, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void js_init(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (ps > 0)
		js_page_size = (size_t)ps;
	pthread_atfork(NULL, NULL, js_atfork_child);
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

static bool js_span_ok(const struct jitseal_pool *pool, uintptr_t p,
		       size_t size)
{
	uintptr_t lo = pool->lo, hi = pool->hi;

	if (!lo && !hi)
		return true;
	if (p < lo)
		lo = p;
	if (p + size > hi)
		hi = p + size;
	return hi - lo <= JS_SPAN;
}

static void *js_try_fixed(uintptr_t at, size_t size)
{
	void *p = mmap((void *)at, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p != at) {	/* kernels before 4.17 ignore the flag */
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* Reserve @size bytes PROT_NONE, keeping the pool's span within 2 GiB. */
static void *js_reserve(struct jitseal_pool *pool, size_t size)
{
	const uintptr_t step = 64UL << 20;
	uintptr_t lo = pool->lo, hi = js_round_up(pool->hi, js_page_size);
	void *p;
	int i;

	if (!lo && !hi) {
		p = mmap(NULL, size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	lo = js_round_down(lo, js_page_size);
	/* Right above the span, right below it, then further out. */
	for (i = 0; i < 32; i++) {
		uintptr_t up = hi + (uintptr_t)i * step;
		uintptr_t down = lo - size - (uintptr_t)i * step;

		if (js_span_ok(pool, up, size) && (p = js_try_fixed(up, size)))
			return p;
		if (lo > size + (uintptr_t)i * step + (1UL << 16) &&
		    js_span_ok(pool, down, size) &&
		    (p = js_try_fixed(down, size)))
			return p;
	}
	p = mmap((void *)hi, size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED) {
		if (js_span_ok(pool, (uintptr_t)p, size))
			return p;
		munmap(p, size);
	}
	errno = ENOSPC;
	return NULL;
}

static void js_region_free(struct jitseal_pool *pool, struct js_region *r)
{
	if (pool->be && r->base)
		pool->be->unmap(r);
	if (r->base)
		munmap(r->base, r->size);
	if (r->stage)
		munmap(r->stage, r->stage_size);
	free(r);
}

/* A later region with room for @need bytes of @kind, if any. */
static struct js_region *js_region_find(struct jitseal_pool *pool,
					unsigned int kind, size_t need,
					size_t align)
{
	struct js_region *r;

	for (r = pool->cur[kind]->next; r; r = r->next) {
		const struct js_section *s = &r->sec[kind];
		uintptr_t base = (uintptr_t)js_sec_addr(r, kind);
		uintptr_t a = (base + s->next + align - 1) & ~(align - 1);

		if (a - base + need <= s->size)
			return r;
	}
	return NULL;
}

/*
 * Make room for @need bytes of @kind aligned to @align: move to a later
 * region that has room, or reserve a new one.  Called with the pool lock
 * held (or before the pool is published).
 */
int js_region_add(struct jitseal_pool *pool, unsigned int kind, size_t need,
		  size_t align)
{
	struct js_region *r;
	size_t k, total = 0;
	int err;

	if (pool->nr_regions) {
		r = js_region_find(pool, kind, need, align);
		if (r) {
			pool->cur[kind] = r;
			return 0;
		}
		if (pool->flags & JITSEAL_POOL_NO_GROW)
			return -ENOSPC;
		if (pool->nr_regions >= JS_MAX_REGIONS)
			return -ENOSPC;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->idx = pool->nr_regions;
	for (k = 0; k < JITSEAL_KIND_MAX; k++) {
		size_t sz = pool->def_size[k];

		if (k == kind && need) {
			size_t want = need + (align > js_page_size ? align : 0);

			want = js_round_up(want, js_page_size);
			if (want > sz)
				sz = want;
		}
		r->sec[k].off = total;
		r->sec[k].size = sz;
		total += sz;
	}
	r->size = total;
	r->base = js_reserve(pool, total);
	if (!r->base) {
		err = -errno;
		free(r);
		return err;
	}
	r->stage_size = r->sec[JITSEAL_DATA].off;
	r->stage = mmap(NULL, r->stage_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->stage == MAP_FAILED) {
		r->stage = NULL;
		err = -ENOMEM;
		goto fail;
	}
	for (k = 0; k < JITSEAL_KIND_MAX; k++) {
		r->sec[k].addr = r->base + r->sec[k].off;
		r->sec[k].stage = k == JITSEAL_DATA ? NULL : r->stage + r->sec[k].off;
	}
	err = pool->be->map(pool, r);
	if (err)
		goto fail;
	if (r->sec[JITSEAL_DATA].size &&
	    mmap(js_sec_addr(r, JITSEAL_DATA), r->sec[JITSEAL_DATA].size,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	if (!pool->lo || (uintptr_t)r->base < pool->lo)
		pool->lo = (uintptr_t)r->base;
	if ((uintptr_t)r->base + r->size > pool->hi)
		pool->hi = (uintptr_t)r->base + r->size;
	*pool->tail = r;
	pool->tail = &r->next;
	pool->nr_regions++;
	if (!pool->cur[0]) {
		for (k = 0; k < JITSEAL_KIND_MAX; k++)
			pool->cur[k] = r;
	} else {
		pool->cur[kind] = r;
	}
	return 0;
fail:
	js_region_free(pool, r);
	return err;
}

static int js_size_opt(size_t v, size_t def, size_t *out)
{
	if (!v)
		v = def;
	if (v > JS_MAX_SECTION)
		return -E2BIG;
	*out = js_round_up(v, js_page_size);
	return 0;
}

JITSEAL_API struct jitseal_pool *
jitseal_pool_create(const struct jitseal_pool_opts *opts)
{
	struct jitseal_pool *pool;
	unsigned int sealing, flags;
	uintptr_t near;
	int err;

	if (!JS_OPTS_VALID(opts)) {
		errno = EINVAL;
		return NULL;
	}
	sealing = JS_OPTS_GET(opts, sealing, JITSEAL_SEALED_ONLY);
	flags = JS_OPTS_GET(opts, flags, 0U);
	near = (uintptr_t)JS_OPTS_GET(opts, near, NULL);
	if (sealing > JITSEAL_SEALED_PREFERRED ||
	    (unsigned int)JS_OPTS_GET(opts, backend, 0) > JITSEAL_BACKEND_MPROTECT ||
	    (flags & ~JITSEAL_POOL_FLAGS)) {
		errno = EINVAL;
		return NULL;
	}

	pool = js_obj_alloc(sizeof(*pool));
	if (!pool) {
		errno = ENOMEM;
		return NULL;
	}
	pool->tail = &pool->regions;
	pool->flags = flags;
	pool->fork_gen = __atomic_load_n(&js_fork_gen, __ATOMIC_RELAXED);
	if (near)
		pool->lo = pool->hi = near;
	js_batch_init(&pool->batch, pool);

	err = js_size_opt(JS_OPTS_GET(opts, code_size, 0), JS_DEF_CODE,
			  &pool->def_size[JITSEAL_CODE]);
	if (!err)
		err = js_size_opt(JS_OPTS_GET(opts, rodata_size, 0),
				  JS_DEF_RODATA, &pool->def_size[JITSEAL_RODATA]);
	if (!err)
		err = js_size_opt(JS_OPTS_GET(opts, data_size, 0), JS_DEF_DATA,
				  &pool->def_size[JITSEAL_DATA]);
	if (!err)
		err = js_backend_select(opts, &pool->be);
	if (!err && pool->be->probe)
		err = pool->be->probe(pool);
	if (!err)
		err = js_region_add(pool, JITSEAL_CODE, 0, 1);
	if (err) {
		js_obj_free(pool, sizeof(*pool));
		errno = -err;
		return NULL;
	}
	__atomic_store_n(&pool->magic, JS_POOL_MAGIC, __ATOMIC_RELEASE);
	return pool;
}

JITSEAL_API int jitseal_pool_destroy(struct jitseal_pool *pool)
{
	struct jitseal_batch *b, *bn;
	struct js_region *r, *rn;
	int err = js_pool_check(pool);

	if (err)
		return err;
	js_lock(&pool->lock);
	__atomic_store_n(&pool->magic, JS_DEAD_MAGIC, __ATOMIC_RELAXED);
	if (js_unlikely(js_prof_active))
		js_prof_pool_gone(pool);
	for (b = pool->batches; b; b = bn) {
		bn = b->next;
		js_batch_release(b);
		js_obj_free(b, sizeof(*b));
	}
	js_batch_release(&pool->batch);
	for (r = pool->regions; r; r = rn) {
		rn = r->next;
		js_region_free(pool, r);
	}
	js_unlock(&pool->lock);
	js_obj_free(pool, sizeof(*pool));
	return 0;
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
