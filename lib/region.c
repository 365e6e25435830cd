// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Regions: reservation, layout, mapping and the choice of the region an
 * allocation goes to.
 *
 * A region is one reservation laid out code | rodata | data.  The first
 * region is reserved anywhere (or near opts->near); later ones are placed
 * so that the span of all regions stays within 2 GiB, so any byte of the
 * pool reaches any other with a rel32 displacement.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#define JS_MAX_REGIONS	4096
#define JS_SPAN		(1UL << 31)	/* every pair of bytes within +-2 GiB */

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

void js_region_free(struct jitseal_pool *pool, struct js_region *r)
{
	if (pool->be && r->base)
		pool->be->unmap(r);
	if (r->base)
		munmap(r->base, r->size);
	js_pages_release(r);
	free(r);
}

/*
 * A region with room for @need bytes of @kind, made current: the current
 * region's window moved to free pages, another region's window, or
 * another region's window moved.  Freed pages are reused before the pool
 * grows.
 */
static bool js_region_find(struct jitseal_pool *pool, unsigned int kind,
			   size_t need, size_t align)
{
	struct js_region *r;

	if (js_window_move(pool, pool->cur[kind], kind, need, align))
		return true;
	for (r = pool->regions; r; r = r->next) {
		if (r != pool->cur[kind] &&
		    js_window_fits(&r->sec[kind], need, align)) {
			pool->cur[kind] = r;
			return true;
		}
	}
	for (r = pool->regions; r; r = r->next) {
		if (r != pool->cur[kind] &&
		    js_window_move(pool, r, kind, need, align)) {
			pool->cur[kind] = r;
			return true;
		}
	}
	return false;
}

/* A region with room for @need bytes of @kind: layout and reservation. */
static struct js_region *js_region_new(struct jitseal_pool *pool,
				       unsigned int kind, size_t need,
				       size_t align)
{
	struct js_region *r;
	size_t k, total = 0;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
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
	err = js_pages_init(r);
	if (!err) {
		r->base = js_reserve(pool, total);
		err = r->base ? 0 : -errno;
	}
	if (err) {
		js_pages_release(r);
		free(r);
		errno = -err;
		return NULL;
	}
	return r;
}

/* The backend's view and the RW data of @r. */
static int js_region_map(struct jitseal_pool *pool, struct js_region *r)
{
	const struct js_section *data = &r->sec[JITSEAL_DATA];
	unsigned int k;
	int err;

	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		r->sec[k].addr = r->base + r->sec[k].off;
	err = pool->be->map(pool, r);
	if (err)
		return err;
	if (data->size &&
	    mmap(r->base + data->off, data->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/* Append @r to the pool and make it current for @kind (all, if first). */
static void js_region_link(struct jitseal_pool *pool, struct js_region *r,
			   unsigned int kind)
{
	unsigned int k;

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
}

/*
 * Make room for @need bytes of @kind aligned to @align: reuse free pages
 * or another region's room, or reserve a new region.  Called with the pool lock
 * held (or before the pool is published).
 */
int js_region_add(struct jitseal_pool *pool, unsigned int kind, size_t need,
		  size_t align)
{
	struct js_region *r;
	int err;

	if (pool->nr_regions) {
		js_assert_held(&pool->lock);
		if (js_region_find(pool, kind, need, align))
			return 0;
		if (pool->flags & JITSEAL_POOL_NO_GROW)
			return -ENOSPC;
		if (pool->nr_regions >= JS_MAX_REGIONS)
			return -ENOSPC;
	}
	r = js_region_new(pool, kind, need, align);
	if (!r)
		return -errno;
	err = js_region_map(pool, r);
	if (err) {
		js_region_free(pool, r);
		return err;
	}
	js_region_link(pool, r, kind);
	return 0;
}

/*
 * Bytes for a new claim of section @kind with room for @size bytes
 * aligned to @align (js_window_claim()): a rest, the current window, or
 * a window moved or a region added for them.  Called with the pool lock.
 */
int js_region_claim(struct jitseal_pool *pool, unsigned int kind, size_t size,
		    size_t align, struct js_region **r, size_t *lo, size_t *end,
		    bool *rest)
{
	int err;

	while (!(*r = js_window_claim(pool, kind, size, align, lo, end, rest))) {
		err = js_region_add(pool, kind, size, align);
		if (err)
			return err;
	}
	return 0;
}
